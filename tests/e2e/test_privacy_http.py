"""GDPR over real HTTP against the local server: export, staff erasure, the customer's own."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import Api, Mailbox, document, new_address, token_from

pytestmark = pytest.mark.e2e


def test_staff_export_then_erase_a_customer(api: Api, mailbox: Mailbox) -> None:
    email = new_address("gdpr")
    pair = api.verified_account(email)
    token, customer_id = pair["access_token"], pair["customer_id"]
    home = {"line1": "9 Avenue Unique", "city": "Lyon", "country": "FR", "default_billing": True}
    assert api.call("POST", "/me/addresses", home, token=token).status_code == 201
    assert api.record_document(customer_id, document(status="completed")).status_code == 200

    mine = api.call("GET", "/me/export", token=token)
    assert mine.status_code == 200 and mine.json()["profile"]["email"] == email
    assert mine.json()["addresses"][0]["line1"] == "9 Avenue Unique"

    erased = api.staff("POST", f"/admin/customers/{customer_id}/anonymize")
    assert erased.status_code == 200, erased.text
    assert erased.json()["status"] == "anonymized" and erased.json()["erasure"]["status"] == "completed"
    assert api.call("GET", "/me", token=token).status_code == 401

    kept = api.staff("GET", f"/admin/customers/{customer_id}/export").json()
    assert kept["addresses"] == [] and len(kept["documents"]) == 1
    assert email not in str(kept)
    # the address is free at once: a new sign-up gets a new account
    assert api.signup(email).status_code == 202
    link = mailbox.wait(email, count=2).link("/verify?token=")
    assert (
        api.call("POST", "/signup/verify", {"token": token_from(link)}).json()["customer_id"] != customer_id
    )


def test_the_customer_erases_their_own_account(api: Api, mailbox: Mailbox) -> None:
    email = new_address("gdpr")
    pair = api.verified_account(email)
    asked = api.call(
        "POST", "/me/erasure", {"password": "correct horse battery staple"}, token=pair["access_token"]
    )
    assert asked.status_code == 202, asked.text
    link = mailbox.wait(email, "erasure").link("/erasure?token=")
    confirmed = api.call("POST", "/erasure", {"token": token_from(link)})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "anonymized"
    assert api.sign_in(email).status_code == 401
