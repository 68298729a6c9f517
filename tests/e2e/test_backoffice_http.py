"""The back office over real HTTP: scoped staff keys made with the project command, create,
find at once, edit, notes, address book, documents, a reset link by email, the back-fill."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.helpers import Api, LocalService, document, new_address, token_from
from tests.support import STRONG_PASSWORD

pytestmark = pytest.mark.e2e


def test_a_key_made_with_some_scopes_opens_only_their_routes(api: Api, local_service: LocalService) -> None:
    made = json.loads(
        local_service.cli("staff-keys", "create", "--name", "erp-sync", "--scope", "customers:read")
    )
    assert made["scopes"] == ["customers:read"]
    assert "customers:read" in local_service.cli("staff-keys", "list")
    reader = made["secret"]
    assert api.call("GET", "/admin/customers?limit=1", token=reader).status_code == 200
    refused = api.call("POST", "/admin/customers", {"email": new_address("x"), "name": "X"}, token=reader)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"


def test_staff_create_find_edit_note_address_documents_and_reset(
    api: Api, local_service: LocalService
) -> None:
    email = new_address("backoffice")
    created = api.staff("POST", "/admin/customers", {"email": email, "name": "Élodie Martin", "locale": "fr"})
    assert created.status_code == 201, created.text
    customer: dict[str, Any] = created.json()
    customer_id, reference = customer["customer_id"], customer["reference"]
    assert reference and len(reference) <= 14
    path = f"/admin/customers/{customer_id}"

    def found(q: str) -> list[str]:
        answer = api.staff("GET", f"/admin/customers?q={quote(q)}")
        assert answer.status_code == 200, answer.text
        return [i["customer_id"] for i in answer.json()["items"]]

    assert customer_id in found(email) and customer_id in found(reference)  # at once
    again = api.staff("POST", "/admin/customers", {"email": email, "name": "Twice"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "address_in_use"

    edited = api.staff("PATCH", path, {"phone": "+33 6 98 76 54 32", "name": "Élodie Durand"})
    assert edited.status_code == 200, edited.text
    assert customer_id in found("0698765") and customer_id in found("durand")
    assert api.staff("PATCH", path, {"email": new_address("other")}).status_code == 422

    assert api.staff("POST", f"{path}/notes", {"text": "VIP: call before delivery"}).status_code == 201
    notes = api.staff("GET", f"{path}/notes").json()["items"]
    assert notes[0]["text"] == "VIP: call before delivery" and notes[0]["author"]

    address = {"line1": "1 rue de la Paix", "city": "Paris", "country": "FR", "default_shipping": True}
    assert api.staff("POST", f"{path}/addresses", address).status_code == 201
    assert len(api.staff("GET", f"{path}/addresses").json()["addresses"]) == 1

    assert api.record_document(customer_id, document("SO-BO-1")).status_code == 200
    documents = api.staff("GET", f"{path}/documents?type=order").json()["documents"]
    assert [d["document_id"] for d in documents] == ["SO-BO-1"]
    detail = api.staff("GET", path).json()
    assert detail["notes_count"] == 1 and detail["last_orders"][0]["document_id"] == "SO-BO-1"

    assert api.staff("POST", f"{path}/password-reset").status_code == 202
    link = api.mailbox.wait(email).link("/password/reset?token=")
    reset = api.call("POST", "/password/reset", {"token": token_from(link), "password": STRONG_PASSWORD})
    assert reset.status_code == 200, reset.text
    assert api.sign_in(email).status_code == 200
    kinds = api.activity_kinds(customer_id)
    assert {"created_by_staff", "profile_changed", "note_added", "password_reset_link_requested"} <= set(
        kinds
    )


def test_the_backfill_command_runs_with_its_progress_bar(local_service: LocalService) -> None:
    report = json.loads(local_service.cli("backfill-references").strip().splitlines()[-1])
    assert report["assigned"] == 0 and report["read"] >= 0
