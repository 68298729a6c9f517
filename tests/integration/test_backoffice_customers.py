"""The back office's customer routes: detail, edit, notes, address book, documents, reset links."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.identity import staff_keys as staff
from chalicelib.identity.models import Customer
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from tests.integration.conftest import Api, mails_to

ORDER = {"document_id": "SO-1", "type": "order", "status": "open", "date": "2026-11-20", "currency": "EUR"}


@pytest.fixture
def key(container: Container) -> str:
    return staff.create(container, "Support desk", scopes=["all"])[1]


def _path(customer_id: str, rest: str = "") -> str:
    return f"/admin/customers/{customer_id}{rest}"


def _activity(api: Api, key: str, customer_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = api.call("GET", _path(customer_id, "/activity"), token=key).json_body[
        "activity"
    ]
    return events


def test_detail_has_reference_locale_notes_count_last_sign_in_and_last_orders(
    api: Api, key: str, clock: ManualClock
) -> None:
    pair = api.verified_account("ada@example.com")
    customer_id = pair["customer_id"]
    for i in range(7):
        body = {**ORDER, "document_id": f"SO-{i}", "date": f"2026-11-{10 + i}"}
        assert api.call("POST", _path(customer_id, "/documents"), body, token=key).status_code == 200
    api.call("POST", _path(customer_id, "/notes"), {"text": "Called about SO-3"}, token=key)
    detail = api.call("GET", _path(customer_id), token=key).json_body
    assert detail["reference"].startswith("C-") and detail["locale"] == "en"
    assert detail["notes_count"] == 1
    assert detail["last_sign_in_at"] is not None
    assert [o["document_id"] for o in detail["last_orders"]] == ["SO-6", "SO-5", "SO-4", "SO-3", "SO-2"]


def test_create_with_invite_sends_the_invitation(api: Api, key: str) -> None:
    body = {"email": "new@example.com", "name": "New", "locale": "fr", "phone": "+33 1 23", "invite": True}
    created = api.call("POST", "/admin/customers", body, token=key)
    assert created.status_code == 201, created.body
    assert created.json_body["status"] == "invited" and created.json_body["phone"] == "+33 1 23"
    assert created.json_body["locale"] == "fr"
    stored = Customer.get(created.json_body["customer_id"])
    assert created.json_body["version"] == stored.version == 1
    [mail] = mails_to("new@example.com")
    assert mail.link("/invitations")
    events = _activity(api, key, created.json_body["customer_id"])
    assert {"created_by_staff", "invitation_sent"} <= {e["kind"] for e in events}


def test_create_refuses_a_claimed_address_and_replays_an_idempotent_retry(api: Api, key: str) -> None:
    api.verified_account("ada@example.com")
    taken = api.call("POST", "/admin/customers", {"email": "ADA@example.com", "name": "A"}, token=key)
    assert taken.status_code == 409 and taken.json_body["error"]["code"] == "address_in_use"
    body = {"email": "b@example.com", "name": "B"}
    first = api.call("POST", "/admin/customers", body, token=key, **{"Idempotency-Key": "create-b-0001"})
    again = api.call("POST", "/admin/customers", body, token=key, **{"Idempotency-Key": "create-b-0001"})
    assert first.status_code == again.status_code == 201
    assert first.json_body["customer_id"] == again.json_body["customer_id"]


def test_patch_edits_the_profile_and_refuses_the_email(api: Api, key: str) -> None:
    pair = api.verified_account("ada@example.com")
    path = _path(pair["customer_id"])
    refused = api.call("PATCH", path, {"email": "other@example.com"}, token=key)
    assert refused.status_code == 422
    body = {
        "name": "Ada B",
        "phone": "+44 20 7946 0000",
        "locale": "fr",
        "preferences": {"shipping": "pickup"},
    }
    changed = api.call("PATCH", path, body, token=key)
    assert changed.status_code == 200, changed.body
    assert changed.json_body["name"] == "Ada B" and changed.json_body["locale"] == "fr"
    assert changed.json_body["preferences"] == {"shipping": "pickup"}
    assert changed.json_body["email"] == "ada@example.com"
    [event] = [e for e in _activity(api, key, pair["customer_id"]) if e["kind"] == "profile_changed"]
    assert event["actor_name"] == "Support desk"
    me = api.call("GET", "/me", token=pair["access_token"])
    assert me.status_code == 200 and me.json_body["name"] == "Ada B"  # an edit ends no session


def test_notes_have_author_time_and_text_newest_first_and_are_in_the_activity(
    api: Api, key: str, clock: ManualClock
) -> None:
    pair = api.verified_account("ada@example.com")
    path = _path(pair["customer_id"], "/notes")
    other = staff.create(staff_container(), "Billing", scopes=["customers:write", "customers:read"])[1]
    assert api.call("POST", path, {"text": "First"}, token=key).status_code == 201
    clock.advance(1)
    added = api.call("POST", path, {"text": "Second\nline"}, token=other)
    assert added.status_code == 201 and added.json_body["author"] == "Billing"
    listed = api.call("GET", path, token=key).json_body["items"]
    assert [(n["text"], n["author"]) for n in listed] == [
        ("Second\nline", "Billing"),
        ("First", "Support desk"),
    ]
    assert all(n["created_at"] for n in listed)
    kinds = [e["kind"] for e in _activity(api, key, pair["customer_id"])]
    assert kinds.count("note_added") == 2
    assert api.call("POST", path, {"text": "  "}, token=key).status_code == 422
    assert api.call("GET", _path("cus_nope", "/notes"), token=key).status_code == 404


def staff_container() -> Container:
    from chalicelib.kernel.bootstrap import get_container

    return get_container()


def test_the_address_book_follows_the_portal_rules(api: Api, key: str) -> None:
    pair = api.verified_account("ada@example.com")
    path = _path(pair["customer_id"], "/addresses")
    added = api.call(
        "POST", path, {"line1": "1 Rue", "city": "Lyon", "country": "FR", "default_billing": True}, token=key
    )
    assert added.status_code == 201, added.body
    address_id = added.json_body["address_id"]
    assert added.json_body["default_billing"] is True
    mine = api.call("GET", "/me/addresses", token=pair["access_token"]).json_body
    assert [a["address_id"] for a in mine["addresses"]] == [address_id]  # the customer's own book
    changed = api.call("PUT", f"{path}/{address_id}", {"line1": "2 Rue", "city": "Lyon"}, token=key)
    assert changed.status_code == 200 and changed.json_body["line1"] == "2 Rue"
    bad = api.call("POST", path, {"country": "France"}, token=key)
    assert bad.status_code == 422
    assert api.call("DELETE", f"{path}/{address_id}", token=key).status_code == 204
    assert api.call("GET", path, token=key).json_body["addresses"] == []
    assert api.call("DELETE", f"{path}/{address_id}", token=key).status_code == 404
    actors = {
        e["actor_name"] for e in _activity(api, key, pair["customer_id"]) if e["kind"].startswith("address_")
    }
    assert actors == {"Support desk"}


def test_documents_newest_first_filtered_by_type_a_page_at_a_time(api: Api, key: str) -> None:
    pair = api.verified_account("ada@example.com")
    customer_id = pair["customer_id"]
    for i in range(25):
        kind = "invoice" if i % 5 == 0 else "order"
        body = {**ORDER, "document_id": f"D-{i:02d}", "type": kind, "date": f"2026-10-{i + 1:02d}"}
        api.call("POST", _path(customer_id, "/documents"), body, token=key)
    first = api.call("GET", _path(customer_id, "/documents"), token=key).json_body
    assert [d["document_id"] for d in first["documents"]][:3] == ["D-24", "D-23", "D-22"]
    assert len(first["documents"]) == 20 and first["next_cursor"]
    rest = api.call(
        "GET", _path(customer_id, f"/documents?cursor={first['next_cursor']}"), token=key
    ).json_body
    assert len(rest["documents"]) == 5
    invoices = api.call("GET", _path(customer_id, "/documents?type=invoice"), token=key).json_body
    assert [d["document_id"] for d in invoices["documents"]] == ["D-20", "D-15", "D-10", "D-05", "D-00"]
    assert api.call("GET", _path(customer_id, "/documents?type=bogus"), token=key).status_code == 422


def test_a_staff_reset_sends_the_customers_own_link_once_per_15_minutes(
    api: Api, key: str, clock: ManualClock
) -> None:
    pair = api.verified_account("ada@example.com")
    path = _path(pair["customer_id"], "/password-reset")
    before = len(mails_to("ada@example.com"))
    answers = [api.call("POST", path, token=key) for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert answers[0].json_body == answers[2].json_body  # silent: the same answer
    sent = mails_to("ada@example.com")[before:]
    assert len(sent) == 1 and sent[0].link("/password/reset")
    requested = [
        e for e in _activity(api, key, pair["customer_id"]) if e["kind"] == "password_reset_link_requested"
    ]
    assert len(requested) == 1 and requested[0]["actor_name"] == "Support desk"
    clock.advance(15 * 60)
    assert api.call("POST", path, token=key).status_code == 202
    assert len(mails_to("ada@example.com")[before:]) == 2


def test_unknown_customers_are_404_on_every_route(api: Api, key: str) -> None:
    for method, rest, body in (
        ("PATCH", "", {"name": "X"}),
        ("GET", "/notes", None),
        ("POST", "/notes", {"text": "x"}),
        ("GET", "/addresses", None),
        ("POST", "/addresses", {"city": "Lyon"}),
        ("GET", "/documents", None),
        ("POST", "/password-reset", None),
    ):
        answer = api.call(method, _path("cus_nope", rest), body, token=key)
        assert answer.status_code == 404, (method, rest, answer.status_code)


def test_staff_create_and_edit_emit_customer_created_and_updated(api: Api, key: str) -> None:
    from chalicelib.events import LifecycleEvent

    def events(customer_id: str) -> list[tuple[str, dict[str, Any]]]:
        found = [e for e in LifecycleEvent.scan() if e.customer_id == customer_id]
        found.sort(key=lambda e: (e.type, e.data))  # ids tie on the test clock
        return [(e.type, json.loads(e.data)) for e in found]

    for invite in (False, True):
        email = f"staffmade-{invite}@example.com"
        answer = api.call(
            "POST", "/admin/customers", {"email": email, "name": "Ada", "invite": invite}, token=key
        )
        assert answer.status_code == 201, answer.body
        customer_id = answer.json_body["customer_id"]
        assert [t for t, _ in events(customer_id)] == ["customer.created"]
    patched = api.call("PATCH", _path(customer_id), {"name": "Ada B", "locale": "fr"}, token=key)
    assert patched.status_code == 200, patched.body
    assert ("customer.updated", {"fields": ["locale", "name"]}) in events(customer_id)
