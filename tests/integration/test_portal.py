"""The customer portal over HTTP: every route acts on the signed-in customer's own data."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from tests.integration.conftest import Api, last_mail, mails_to, staff_headers, token_from
from tests.support import STRONG_PASSWORD

HOME = {
    "label": "Home",
    "line1": "1 rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "country": "FR",
}


class Me:
    """One signed-in customer."""

    def __init__(self, api: Api, email: str) -> None:
        self.api, self.email = api, email
        pair = api.verified_account(email)
        self.token, self.customer_id = pair["access_token"], pair["customer_id"]

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        return self.api.call(method, path, body, token=self.token)


@pytest.fixture
def ada(api: Api) -> Me:
    return Me(api, "ada@example.com")


@pytest.fixture
def bob(api: Api) -> Me:
    return Me(api, "bob@example.com")


def _documents(api: Api, container: Container, customer_id: str, *docs: dict[str, Any]) -> None:
    staff = {"Content-Type": "application/json", **staff_headers(container, f"erp-{customer_id}")}
    for doc in docs:
        answer = api.client.http.post(
            f"/admin/customers/{customer_id}/documents", headers=staff, body=json.dumps(doc)
        )
        assert answer.status_code == 200, answer.body


def _doc(
    document_id: str, kind: str = "order", status: str = "completed", date: str = "2026-11-01", **extra: Any
) -> dict[str, Any]:
    return {"document_id": document_id, "type": kind, "status": status, "date": date, **extra}


# -- profile ---------------------------------------------------------------------------------


def test_the_profile_changes_but_never_the_email(ada: Me) -> None:
    changed = ada(
        "PATCH",
        "/me",
        {
            "name": "Ada L.",
            "phone": "+44 20 7946 0000",
            "locale": "fr",
            "newsletter": True,
            "preferences": {"shipping_method": "pickup"},
        },
    )
    assert changed.status_code == 200, changed.body
    me = ada("GET", "/me").json_body
    assert (me["name"], me["phone"], me["locale"], me["newsletter"]) == (
        "Ada L.",
        "+44 20 7946 0000",
        "fr",
        True,
    )
    assert me["preferences"] == {"shipping_method": "pickup"}
    refused = ada("PATCH", "/me", {"email": "new@example.com"})
    assert refused.status_code == 422 and ada("GET", "/me").json_body["email"] == "ada@example.com"
    ada("PATCH", "/me", {"phone": None, "preferences": {"shipping_method": None, "gift_wrap": True}})
    me = ada("GET", "/me").json_body
    assert me["phone"] is None and me["preferences"] == {"gift_wrap": True}


# -- addresses --------------------------------------------------------------------------------


def test_the_address_book_keeps_one_default_of_each_kind(ada: Me) -> None:
    first = ada("POST", "/me/addresses", {**HOME, "default_billing": True, "default_shipping": True})
    assert first.status_code == 201, first.body
    office = ada("POST", "/me/addresses", {**HOME, "label": "Office", "default_shipping": True}).json_body
    book = {a["label"]: a for a in ada("GET", "/me/addresses").json_body["addresses"]}
    assert book["Home"]["default_billing"] and not book["Home"]["default_shipping"]
    assert book["Office"]["default_shipping"] and not book["Office"]["default_billing"]
    edited = ada("PUT", f"/me/addresses/{office['address_id']}", {**HOME, "label": "Office", "city": "Lyon"})
    assert (
        edited.status_code == 200
        and edited.json_body["city"] == "Lyon"
        and edited.json_body["default_shipping"]
    )
    assert ada("DELETE", f"/me/addresses/{office['address_id']}").status_code == 204
    listing = ada("GET", "/me/addresses").json_body
    assert listing["count"] == 1 and not listing["addresses"][0]["default_shipping"]


def test_the_address_book_is_capped(ada: Me, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.portal import addresses

    monkeypatch.setattr(addresses, "MAX_ADDRESSES", 3)
    for _ in range(3):
        assert ada("POST", "/me/addresses", HOME).status_code == 201
    full = ada("POST", "/me/addresses", HOME)
    assert full.status_code == 409 and full.json_body["error"]["code"] == "limit_reached"


# -- documents --------------------------------------------------------------------------------


def test_documents_newest_first_filtered_and_paged(api: Api, container: Container, ada: Me) -> None:
    _documents(
        api,
        container,
        ada.customer_id,
        _doc("SO-1", date="2026-01-10"),
        _doc("SO-2", date="2026-03-10", status="open"),
        _doc("IN-1", "invoice", date="2026-02-10"),
        _doc("PA-1", "payment", date="2026-04-10"),
        _doc("QU-1", "quotation", date="2026-05-10"),
    )
    ids = [d["document_id"] for d in ada("GET", "/me/documents").json_body["documents"]]
    assert ids == ["QU-1", "PA-1", "SO-2", "IN-1", "SO-1"]
    orders = ada("GET", "/me/documents?type=order").json_body["documents"]
    assert [d["document_id"] for d in orders] == ["SO-2", "SO-1"]
    ranged = ada("GET", "/me/documents?from=2026-02-01&to=2026-03-31").json_body["documents"]
    assert [d["document_id"] for d in ranged] == ["SO-2", "IN-1"]
    open_ones = ada("GET", "/me/documents?status=open").json_body["documents"]
    assert [d["document_id"] for d in open_ones] == ["SO-2"]
    first = ada("GET", "/me/documents?limit=2").json_body
    second = ada("GET", f"/me/documents?limit=2&cursor={first['next_cursor']}").json_body
    assert [d["document_id"] for d in first["documents"] + second["documents"]] == [
        "QU-1",
        "PA-1",
        "SO-2",
        "IN-1",
    ]


def test_only_the_websites_document_types_are_shown(
    api: Api, configure: Callable[..., Container], clock: ManualClock
) -> None:
    container = configure(DOCUMENT_TYPES="order,invoice")
    me = Me(api, "ada@example.com")
    _documents(
        api, container, me.customer_id, _doc("SO-1"), _doc("QU-1", "quotation"), _doc("IN-1", "invoice")
    )
    shown = [d["document_id"] for d in me("GET", "/me/documents").json_body["documents"]]
    assert sorted(shown) == ["IN-1", "SO-1"]
    assert me("GET", "/me/documents/QU-1").status_code == 404
    assert me("GET", "/me/documents?type=quotation").status_code == 422


def test_a_document_and_reorder_of_selected_lines(api: Api, container: Container, ada: Me) -> None:
    lines = [
        {"line_id": "1", "sku": "TEA", "name": "Tea", "quantity": 2},
        {"line_id": "2", "sku": "MUG", "name": "Mug", "quantity": 1},
    ]
    _documents(api, container, ada.customer_id, _doc("SO-1", lines=lines))
    doc = ada("GET", "/me/documents/SO-1").json_body
    assert [line["sku"] for line in doc["lines"]] == ["TEA", "MUG"]
    cart = ada("POST", "/me/orders/SO-1/reorder", {"line_ids": ["2"]})
    assert cart.status_code == 200 and cart.json_body["lines"] == [
        {"product_id": "MUG", "name": "Mug", "quantity": 1}
    ]
    assert ada("POST", "/me/orders/SO-1/reorder", {"line_ids": ["9"]}).status_code == 422


# -- wishlist, lists, payment methods ------------------------------------------------------------


def test_the_wishlist(ada: Me) -> None:
    assert ada("PUT", "/me/wishlist/TEA-01", {"note": "for winter"}).status_code == 200
    assert ada("PUT", "/me/wishlist/MUG-02", {}).status_code == 200
    products = [p["product_id"] for p in ada("GET", "/me/wishlist").json_body["products"]]
    assert sorted(products) == ["MUG-02", "TEA-01"]
    assert ada("DELETE", "/me/wishlist/TEA-01").status_code == 204
    assert ada("DELETE", "/me/wishlist/TEA-01").status_code == 404


def test_shopping_lists_and_saved_carts_on_a_b2b_website(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(B2B_LISTS=True)
    me = Me(api, "buyer@corp.example")
    made = me("POST", "/me/lists", {"name": "Monthly", "lines": [{"product_id": "PAPER", "quantity": 10}]})
    assert made.status_code == 201, made.body
    list_id = made.json_body["list_id"]
    me("POST", f"/me/lists/{list_id}/lines", {"product_id": "PAPER", "quantity": 5})
    me("POST", f"/me/lists/{list_id}/lines", {"product_id": "TONER", "quantity": 1})
    assert me("PATCH", f"/me/lists/{list_id}", {"name": "Office"}).json_body["name"] == "Office"
    cart = me("POST", f"/me/lists/{list_id}/cart").json_body["lines"]
    assert cart == [{"product_id": "PAPER", "quantity": 15}, {"product_id": "TONER", "quantity": 1}]
    me("DELETE", f"/me/lists/{list_id}/lines/PAPER")
    me("POST", "/me/lists", {"name": "Saved cart", "kind": "cart"})
    assert [x["name"] for x in me("GET", "/me/lists?kind=cart").json_body["lists"]] == ["Saved cart"]
    assert me("GET", f"/me/lists/{list_id}").json_body["lines"] == [{"product_id": "TONER", "quantity": 1}]
    assert me("DELETE", f"/me/lists/{list_id}").status_code == 204


def test_lists_are_for_b2b_websites_only(ada: Me) -> None:
    refused = ada("GET", "/me/lists")
    assert refused.status_code == 403 and refused.json_body["error"]["code"] == "b2b_only"


@pytest.mark.parametrize(
    "field",
    [
        {"token_ref": "4111 1111 1111 1111"},
        {"label": "my card 4111-1111-1111-1111"},
        {"token_ref": "5500005555555559"},
    ],
)
def test_payment_methods_refuse_anything_like_a_card_number(ada: Me, field: dict[str, str]) -> None:
    body = {"provider": "stripe", "token_ref": "pm_1Nabc", **field}
    refused = ada("POST", "/me/payment-methods", body)
    assert refused.status_code == 422 and refused.json_body["error"]["code"] == "card_data_refused"
    assert ada("GET", "/me/payment-methods").json_body["payment_methods"] == []


def test_payment_method_references(ada: Me) -> None:
    body = {
        "provider": "stripe",
        "token_ref": "pm_1NabcXYZ",
        "brand": "visa",
        "last4": "4242",
        "exp_month": 12,
        "exp_year": 2030,
    }
    made = ada("POST", "/me/payment-methods", body)
    assert made.status_code == 201, made.body
    listed = ada("GET", "/me/payment-methods").json_body["payment_methods"]
    assert [(m["brand"], m["last4"]) for m in listed] == [("visa", "4242")]
    assert ada("DELETE", f"/me/payment-methods/{made.json_body['payment_method_id']}").status_code == 204


# -- activity and email change -------------------------------------------------------------------


def test_activity_lists_sign_ins_failures_and_changes_newest_first(
    api: Api, ada: Me, clock: ManualClock
) -> None:
    clock.advance(1)  # events in one millisecond have no order between them
    ada(
        "POST",
        "/me/password",
        {"current_password": "a wrong password!", "new_password": "a newer passphrase"},
    )
    clock.advance(1)
    ada("POST", "/me/addresses", HOME)
    clock.advance(1)
    ada("POST", "/me/password", {"current_password": STRONG_PASSWORD, "new_password": "a newer passphrase"})
    clock.advance(1)
    api.sign_in("ada@example.com", "a wrong password!")  # counted on the login, told at the next sign-in
    api.sign_in("ada@example.com", "another wrong one")
    token = api.sign_in("ada@example.com", "a newer passphrase").json_body["access_token"]
    events = api.call("GET", "/me/activity", token=token).json_body["activity"]
    assert [e["kind"] for e in events[:4]] == [
        "sign_in",
        "password_changed",
        "address_added",
        "sign_in_failed",
    ]
    assert events[0]["detail"] == {"failed_attempts": 2}


def test_the_failure_that_locks_the_account_is_in_its_activity(api: Api, ada: Me, clock: ManualClock) -> None:
    clock.advance(1)  # after the sign-in that made the session: activity sorts by time
    for _ in range(5):
        api.sign_in("ada@example.com", "a wrong password!")
    events = ada("GET", "/me/activity").json_body["activity"]
    assert events[0]["kind"] == "sign_in_failed" and events[0]["detail"] == {"locked": True}


def test_email_change_is_confirmed_from_the_new_address_and_ends_sessions(api: Api, ada: Me) -> None:
    other_session = api.sign_in("ada@example.com").json_body
    wrong = ada("POST", "/me/email", {"new_email": "ada@new.example", "password": "not it at all"})
    assert wrong.status_code == 403
    asked = ada("POST", "/me/email", {"new_email": "ada@new.example", "password": STRONG_PASSWORD})
    assert asked.status_code == 202
    assert last_mail("ada@example.com").subject == "A change of email address was requested"
    token = token_from(last_mail("ada@new.example").link("/email/confirm"))
    page = api.client.http.get(f"/email/confirm?token={token}")
    assert page.status_code == 200 and "ada@new.example" in page.body.decode()
    done = api.call("POST", "/email/confirm", {"token": token})
    assert done.status_code == 200 and done.json_body["email"] == "ada@new.example"
    assert api.call("GET", "/me", token=other_session["access_token"]).status_code == 401
    assert api.sign_in("ada@example.com").status_code == 401
    assert api.sign_in("ada@new.example").status_code == 200
    assert last_mail("ada@example.com").subject == "Your email address was changed"
    assert api.signup("ada@example.com").status_code == 202  # the old address is free again
    assert last_mail("ada@example.com").subject == "Confirm your email address"


def test_staff_routes_can_never_change_an_email(api: Api, container: Container, ada: Me) -> None:
    staff = {"Content-Type": "application/json", **staff_headers(container)}
    body = json.dumps({"status": "active", "email": "evil@example.com"})
    api.client.http.put(f"/admin/customers/{ada.customer_id}/status", headers=staff, body=body)
    assert (
        api.client.http.get(f"/admin/customers/{ada.customer_id}", headers=staff).json_body["email"]
        == "ada@example.com"
    )
    from app import app

    assert not any(r.startswith("/admin") and "email" in r for r in app.routes)


# -- isolation: customer A never reaches customer B's data (404, not 403) -------------------------


def test_one_customer_never_reaches_anothers_data(api: Api, configure: Callable[..., Container]) -> None:
    container = configure(B2B_LISTS=True)
    ada, bob = Me(api, "ada@example.com"), Me(api, "bob@example.com")
    _documents(api, container, bob.customer_id, _doc("SO-B", lines=[{"line_id": "1", "name": "X"}]))
    address = bob("POST", "/me/addresses", HOME).json_body["address_id"]
    bob("PUT", "/me/wishlist/SECRET", {})
    list_id = bob("POST", "/me/lists", {"name": "Bob's"}).json_body["list_id"]
    method = bob("POST", "/me/payment-methods", {"provider": "stripe", "token_ref": "pm_bob"}).json_body[
        "payment_method_id"
    ]
    attempts = [
        ("GET", "/me/documents/SO-B", None),
        ("POST", "/me/orders/SO-B/reorder", {"line_ids": ["1"]}),
        ("PUT", f"/me/addresses/{address}", HOME),
        ("DELETE", f"/me/addresses/{address}", None),
        ("DELETE", "/me/wishlist/SECRET", None),
        ("GET", f"/me/lists/{list_id}", None),
        ("PATCH", f"/me/lists/{list_id}", {"name": "Mine now"}),
        ("POST", f"/me/lists/{list_id}/lines", {"product_id": "X"}),
        ("DELETE", f"/me/lists/{list_id}/lines/X", None),
        ("POST", f"/me/lists/{list_id}/cart", None),
        ("DELETE", f"/me/lists/{list_id}", None),
        ("DELETE", f"/me/payment-methods/{method}", None),
    ]
    for method_name, path, body in attempts:
        answer = ada(method_name, path, body)
        assert answer.status_code == 404, (method_name, path, answer.status_code)
    assert ada("GET", "/me/documents").json_body["documents"] == []
    assert ada("GET", "/me/addresses").json_body["addresses"] == []
    assert ada("GET", "/me/wishlist").json_body["products"] == []
    assert ada("GET", "/me/lists").json_body["lists"] == []
    assert ada("GET", "/me/payment-methods").json_body["payment_methods"] == []
    assert all(e["kind"] != "address_added" for e in ada("GET", "/me/activity").json_body["activity"])
    assert bob("GET", f"/me/lists/{list_id}").json_body["name"] == "Bob's"  # untouched
    assert len(bob("GET", "/me/addresses").json_body["addresses"]) == 1
    assert mails_to("bob@example.com")  # (bob's own verify email only)


def test_portal_routes_need_a_valid_token(api: Api) -> None:
    for path in ("/me/addresses", "/me/documents", "/me/wishlist", "/me/payment-methods", "/me/activity"):
        assert api.call("GET", path).status_code == 401


def test_a_list_changed_elsewhere_is_not_overwritten_nor_brought_back(
    api: Api, configure: Callable[..., Container], clock: ManualClock
) -> None:
    from chalicelib.kernel.security import AccessClaims
    from chalicelib.portal import collections

    container = configure(B2B_LISTS=True)
    me = Me(api, "buyer@corp.example")
    list_id = me("POST", "/me/lists", {"name": "Monthly"}).json_body["list_id"]
    claims = AccessClaims(me.customer_id, "ses_x", 0, "test-shop")
    stale = collections._own_list(me.customer_id, list_id)  # read by one request...
    clock.advance(1)
    me("PATCH", f"/me/lists/{list_id}", {"name": "Renamed"})  # ...changed by another
    with pytest.raises(Exception) as raised:
        collections._save(container, stale, {"name": "Lost update", "kind": "list", "lines": []})
    assert getattr(raised.value, "code", "") == "conflict"
    me("DELETE", f"/me/lists/{list_id}")
    assert me("POST", f"/me/lists/{list_id}/lines", {"product_id": "X"}).status_code == 404
    assert claims.customer_id == me.customer_id


def test_a_numeric_provider_reference_is_not_mistaken_for_a_card(ada: Me) -> None:
    made = ada(
        "POST", "/me/payment-methods", {"provider": "adyen", "token_ref": "8415718415718415"}
    )  # not Luhn-valid
    assert made.status_code == 201, made.body


def test_preferences_are_capped(ada: Me) -> None:
    many = {f"pref_{i}": "x" for i in range(15)}
    assert ada("PATCH", "/me", {"preferences": many}).status_code == 200
    more = {f"other_{i}": "y" for i in range(10)}
    assert ada("PATCH", "/me", {"preferences": more}).status_code == 422
