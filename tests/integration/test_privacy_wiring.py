"""GDPR erasure and export across features: back-office search keys and notes, company
memberships, lifecycle events."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.events import LifecycleEvent
from chalicelib.identity import SearchEntry
from chalicelib.kernel.bootstrap import Container
from tests.integration.conftest import Api
from tests.integration.test_privacy import (
    COMPANY,
    EMAIL,
    NAME,
    PHONE,
    STREET,
    full_person,
    staff_call,
    unhurried_requests,  # noqa: F401 (autouse)
)


@pytest.fixture
def staff(container: Container) -> dict[str, str]:
    from tests.integration.conftest import staff_headers

    return staff_headers(container)


def found(api: Api, staff: dict[str, str], q: str) -> list[str]:
    answer = staff_call(api, staff, "GET", f"/admin/customers?q={q}")
    assert answer.status_code == 200, answer.body
    return [item["customer_id"] for item in answer.json_body["items"]]


def events_of(customer_id: str, type: str) -> list[LifecycleEvent]:
    return [e for e in LifecycleEvent.scan() if e.customer_id == customer_id and e.type == type]


def test_an_erased_customer_is_not_found_by_its_old_email_name_or_phone(
    api: Api, staff: dict[str, str]
) -> None:
    customer_id, _ = full_person(api, staff)
    reference = staff_call(api, staff, "GET", f"/admin/customers/{customer_id}").json_body["reference"]
    queries = [EMAIL, "zelda", "Quixotic", PHONE.replace(" ", "").replace("+", "%2B"), "0612345678"]
    for q in queries:
        assert found(api, staff, q) == [customer_id], q
    assert staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize").status_code == 200
    for q in queries:
        assert found(api, staff, q) == [], q
    assert found(api, staff, reference) == [customer_id]  # orders stay findable by the reference
    # the keys themselves are gone (the search also re-checks the record: that alone hides them)
    left = [e for e in SearchEntry.scan() if e.customer_id == customer_id]
    assert [e.kind for e in left] == ["reference"]


def test_the_erasure_scrubs_notes_and_ends_company_memberships(api: Api, staff: dict[str, str]) -> None:
    customer_id, pair = full_person(api, staff)
    company_id = api.call("GET", "/me/companies", token=pair["access_token"]).json_body["companies"][0][
        "company_id"
    ]
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    notes = staff_call(api, staff, "GET", f"/admin/customers/{customer_id}/notes").json_body["items"]
    assert len(notes) == 1 and notes[0]["text"] == "" and notes[0]["author"]
    export = staff_call(api, staff, "GET", f"/admin/customers/{customer_id}/export").json_body
    assert export["companies"] == {"memberships": [], "requests": []}
    # the erased last admin leaves the company without one; the company itself stays
    company = staff_call(api, staff, "GET", f"/admin/companies/{company_id}").json_body
    assert company["name"] == COMPANY and company["status"] == "active"
    activity = staff_call(api, staff, "GET", f"/admin/companies/{company_id}/activity").json_body
    kinds = [a["kind"] for a in activity["activity"]]
    assert "member_erased" in kinds
    assert all(a["detail"] == {} for a in activity["activity"] if a["customer_id"] == customer_id)
    removed = [
        e for e in events_of(customer_id, "customer.company_membership_changed") if "removed" in e.data
    ]
    assert len(removed) == 1


def test_the_export_has_the_notes_the_memberships_and_the_events(api: Api, staff: dict[str, str]) -> None:
    _, pair = full_person(api, staff)
    export: dict[str, Any] = api.call("GET", "/me/export", token=pair["access_token"]).json_body
    assert [n["text"] for n in export["notes"]] == [f"{NAME} called about {STREET}"]
    memberships = export["companies"]["memberships"]
    assert [m["role"] for m in memberships] == ["admin"]
    assert export["companies"]["requests"][0]["status"] == "approved"
    types = {e["type"] for e in export["events"]}
    assert {"customer.created", "customer.company_membership_changed"} <= types
    assert {k["kind"] for k in export["search_keys"]} >= {"email", "name", "phone", "reference"}


def test_an_erasure_writes_one_customer_anonymized_event(api: Api, staff: dict[str, str]) -> None:
    customer_id, _ = full_person(api, staff)
    assert events_of(customer_id, "customer.anonymized") == []
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")  # the same erasure
    (event,) = events_of(customer_id, "customer.anonymized")
    assert event.data == '{"status":"anonymized"}'
