"""Companies over real HTTP against the local server: a customer asks for a company, staff
approve, a colleague joins, both act for it and see its documents by role; removal is at once."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.e2e.helpers import Api, Mailbox, document, new_address

pytestmark = pytest.mark.e2e


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_request_approve_act_for_and_documents(api: Api, mailbox: Mailbox) -> None:
    ada_email, bob_email = new_address("co-ada"), new_address("co-bob")
    ada, bob = api.verified_account(ada_email), api.verified_account(bob_email)
    ada_token, bob_token = ada["access_token"], bob["access_token"]

    asked = api.call("POST", "/me/companies", {"name": "Acme Trading"}, token=ada_token)
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    company_id = asked.json()["company_id"]
    assert api.staff("GET", f"/admin/company-requests/count?company_id={company_id}").json() == {"pending": 1}
    decided = api.staff(
        "POST",
        f"/admin/companies/{company_id}/requests/{ada['customer_id']}",
        {"decision": "approve", "reason": "Welcome"},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert "Welcome" in mailbox.wait(ada_email, "Your company request").text

    code = api.call("POST", f"/me/companies/{company_id}/join-code", token=ada_token).json()["join_code"]
    assert api.call("POST", "/me/join-requests", {"join_code": code}, token=bob_token).status_code == 202
    approve = {"decision": "approve", "role": "viewer"}
    path = f"/me/companies/{company_id}/requests/{bob['customer_id']}"
    assert api.call("POST", path, approve, token=ada_token).status_code == 200

    acting = api.call("PUT", "/me/acting-for", {"company_id": company_id}, token=ada_token)
    assert acting.status_code == 200
    ada_company = acting.json()["access_token"]
    assert claims(ada_company)["company"] == {
        "id": company_id,
        "role": "admin",
        "status": "active",
        "can_order": True,
    }
    bob_company = api.call("PUT", "/me/acting-for", {"company_id": company_id}, token=bob_token).json()[
        "access_token"
    ]
    assert claims(bob_company)["company"]["can_order"] is False  # a viewer

    for kind in ("order", "invoice"):
        doc = document(f"CO-{kind}-{company_id}", type=kind, company_id=company_id)
        assert api.record_document(ada["customer_id"], doc).status_code == 200
    seen = api.call("GET", f"/me/companies/{company_id}/documents", token=ada_company).json()["documents"]
    assert sorted(d["type"] for d in seen) == ["invoice", "order"]
    seen = api.call("GET", f"/me/companies/{company_id}/documents", token=bob_company).json()["documents"]
    assert [d["type"] for d in seen] == ["order"]

    blocked = api.staff("PUT", f"/admin/companies/{company_id}/status", {"status": "blocked"})
    assert blocked.status_code == 200
    assert api.call("GET", "/shop/access", token=ada_company).json()["can_order"] is False

    removed = api.call("DELETE", f"/me/companies/{company_id}/members/{bob['customer_id']}", token=ada_token)
    assert removed.status_code == 204
    assert api.call("GET", f"/me/companies/{company_id}/documents", token=bob_company).status_code == 404
    refreshed = api.call("POST", "/sessions/refresh", {"refresh_token": bob["refresh_token"]}).json()
    assert "company" not in claims(refreshed["access_token"])
