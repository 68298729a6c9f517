"""The customer portal over real HTTP against the local server: a customer's day."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import Api, Mailbox, document, new_address, token_from
from tests.support import STRONG_PASSWORD

pytestmark = pytest.mark.e2e


def test_a_customer_uses_the_portal(api: Api, mailbox: Mailbox) -> None:
    email = new_address("ada")
    pair = api.verified_account(email)
    token, customer_id = pair["access_token"], pair["customer_id"]

    profile = api.call(
        "PATCH", "/me", {"name": "Ada L.", "preferences": {"shipping_method": "pickup"}}, token=token
    )
    assert profile.status_code == 200 and profile.json()["preferences"] == {"shipping_method": "pickup"}

    home = {
        "label": "Home",
        "line1": "1 rue de la Paix",
        "city": "Paris",
        "country": "FR",
        "default_billing": True,
    }
    assert api.call("POST", "/me/addresses", home, token=token).status_code == 201
    book = api.call("GET", "/me/addresses", token=token).json()
    assert book["count"] == 1 and book["addresses"][0]["default_billing"] is True

    order = document(status="completed")
    assert api.record_document(customer_id, order).status_code == 200
    listed = api.call("GET", "/me/documents?type=order", token=token).json()["documents"]
    assert [d["document_id"] for d in listed] == [order["document_id"]]
    cart = api.call("POST", f"/me/orders/{order['document_id']}/reorder", {"line_ids": ["1"]}, token=token)
    assert cart.json()["lines"] == [{"product_id": "TEA-01", "name": "Green tea", "quantity": 2}]

    assert api.call("PUT", "/me/wishlist/TEA-01", {}, token=token).status_code == 200
    method = {"provider": "stripe", "token_ref": "pm_1Nabc", "brand": "visa", "last4": "4242"}
    assert api.call("POST", "/me/payment-methods", method, token=token).status_code == 201
    card = {"provider": "stripe", "token_ref": "4111 1111 1111 1111"}
    assert api.call("POST", "/me/payment-methods", card, token=token).status_code == 422
    assert api.call("GET", "/me/lists", token=token).status_code == 403  # the local website is not B2B

    kinds = [e["kind"] for e in api.call("GET", "/me/activity", token=token).json()["activity"]]
    assert {"sign_in", "profile_changed", "address_added", "payment_method_added"} <= set(kinds)

    new_email = new_address("ada-new")
    change = api.call("POST", "/me/email", {"new_email": new_email, "password": STRONG_PASSWORD}, token=token)
    assert change.status_code == 202
    link = mailbox.wait(new_email, "Confirm your new email address").link("/email/confirm")
    assert mailbox.wait(email, "A change of email address was requested")
    assert api.call("POST", "/email/confirm", {"token": token_from(link)}).status_code == 200
    assert api.call("GET", "/me", token=token).status_code == 401  # every session ended
    assert api.sign_in(new_email).status_code == 200 and api.sign_in(email).status_code == 401


def test_portal_data_is_the_customers_own(api: Api) -> None:
    ada = api.verified_account(new_address("ada"))
    bob = api.verified_account(new_address("bob"))
    order = document()
    api.record_document(bob["customer_id"], order)
    home = {"label": "Home", "city": "Paris"}
    address_id = api.call("POST", "/me/addresses", home, token=bob["access_token"]).json()["address_id"]
    assert (
        api.call("GET", f"/me/documents/{order['document_id']}", token=ada["access_token"]).status_code == 404
    )
    assert api.call("DELETE", f"/me/addresses/{address_id}", token=ada["access_token"]).status_code == 404
    assert api.call("GET", "/me/addresses", token=bob["access_token"]).json()["count"] == 1
