"""ERP instant accounts over real HTTP (the ``local`` stage has ``ERP_INSTANT_ACCOUNTS=true``)."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import Api, new_address

pytestmark = pytest.mark.e2e


def test_a_contact_signs_up_and_is_linked_and_a_full_sync_suspends_the_link(api: Api) -> None:
    email, cash = new_address("erp"), new_address("till")
    rows = [
        {"erp_account": "C42", "email": email, "name": "Ada", "role": "admin", "company": "Acme"},
        {"erp_account": "CASH1", "email": cash, "name": "Till"},
    ]
    upsert = api.staff("POST", "/admin/erp/contacts", {"contacts": rows})
    assert upsert.status_code == 200 and upsert.json()["written"] == 2, upsert.text
    pair = api.verified_account(email)
    me = api.call("GET", "/me", token=pair["access_token"]).json()
    assert me["erp"] == {"account": "C42", "role": "admin", "company": "Acme", "link": "active"}
    cash_pair = api.verified_account(cash)  # a cash account: an ordinary account, never linked
    assert api.call("GET", "/me", token=cash_pair["access_token"]).json()["erp"] is None
    kinds = [
        e["kind"]
        for e in api.staff("GET", f"/admin/customers/{pair['customer_id']}/activity").json()["activity"]
    ]
    assert "erp_linked" in kinds

    sync = api.staff("POST", "/admin/erp/syncs").json()["sync_id"]
    keep = {"erp_account": "C7", "email": new_address("kept")}
    assert api.staff("POST", "/admin/erp/contacts", {"contacts": [keep], "sync_id": sync}).status_code == 200
    done = api.staff("POST", f"/admin/erp/syncs/{sync}/finish")
    assert done.status_code == 200 and done.json()["suspended"] >= 1, done.text
    again = api.sign_in(email)  # the account stays usable, its link suspended
    assert again.status_code == 200
    assert api.call("GET", "/me", token=again.json()["access_token"]).json()["erp"]["link"] == "suspended"
    contacts = api.staff("GET", f"/admin/erp/contacts?email={email}").json()["contacts"]
    assert [c["status"] for c in contacts] == ["removed"]
