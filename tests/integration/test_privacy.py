"""GDPR erasure and export: staff anonymize, the export of everything held, tombstones."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib import privacy
from chalicelib.identity.models import Customer
from chalicelib.invitations import jobs as invitation_jobs
from chalicelib.kernel import privacy as registry
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.models import table_name
from chalicelib.privacy import Tombstone
from chalicelib.tables import ALL_TABLES
from tests.integration.conftest import REGION, Api, last_mail, staff_headers, token_from
from tests.support import BASE_SETTINGS

EMAIL = "zelda.quixotic@example.com"
NAME = "Zelda Quixotic"
PHONE = "+33 6 12 34 56 78"
STREET, CITY, POSTCODE = "17 Quokka Lane", "Xanadu-sur-Mer", "QX98ZZ"
PASSWORD = "my own new passphrase"
COMPANY = "Acme Widgets"  # a company's name is not personal data: it stays
#: what a scan of every table must not find after the erasure (case-insensitive)
NEEDLES = (EMAIL, NAME, "Zelda", "Quixotic", PHONE, "12 34 56 78", STREET, "Quokka", CITY, POSTCODE)


@pytest.fixture(autouse=True)
def unhurried_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(invitation_jobs, "REQUEST_BUDGET_SECONDS", 30.0)
    monkeypatch.setattr("chalicelib.privacy.erasure.REQUEST_BUDGET", 30.0)


@pytest.fixture
def staff(container: Container) -> dict[str, str]:
    return staff_headers(container)


def staff_call(api: Api, staff: dict[str, str], method: str, path: str, body: Any = None) -> Any:
    return api.call(method, path, body, **staff)


def full_person(api: Api, staff: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A customer with something in every table: invited by staff (invitation, job row),
    accepted (session), profile and search keys, addresses, wishlist, lists, payment
    references, documents, a company it is the admin of, a staff note, a pending reset link,
    activity, lifecycle events."""
    invited = staff_call(
        api, staff, "POST", "/admin/invitations", {"customers": [{"email": EMAIL, "name": NAME}]}
    )
    assert invited.status_code == 202, invited.body
    token = token_from(last_mail(EMAIL).link("/invitations"))
    pair = api.call("POST", "/invitations/accept", {"token": token, "password": PASSWORD}).json_body
    access = pair["access_token"]
    me = api.call(
        "PATCH", "/me", {"phone": PHONE, "preferences": {"gift_message": f"from {NAME}"}}, token=access
    )
    assert me.status_code == 200, me.body
    address = {
        "name": NAME,
        "line1": STREET,
        "city": CITY,
        "postal_code": POSTCODE,
        "country": "FR",
        "phone": PHONE,
    }
    assert (
        api.call("POST", "/me/addresses", {**address, "default_billing": True}, token=access).status_code
        == 201
    )
    assert api.call("PUT", "/me/wishlist/sku-1", {"note": f"for {NAME}"}, token=access).status_code in (
        200,
        201,
    )
    method = {"provider": "stripe", "token_ref": "pm_123", "label": f"{NAME}'s card", "last4": "4242"}
    assert api.call("POST", "/me/payment-methods", method, token=access).status_code == 201
    customer_id = pair["customer_id"]
    document = {
        "document_id": "ord-1",
        "type": "order",
        "status": "completed",
        "date": "2026-11-02",
        "lines": [],
    }
    assert (
        staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/documents", document).status_code
        == 200
    )
    company = api.call("POST", "/me/companies", {"name": COMPANY, "domains": []}, token=access)
    assert company.status_code == 201, company.body
    approve = {"decision": "approve"}
    path = f"/admin/companies/{company.json_body['company_id']}/requests/{customer_id}"
    assert staff_call(api, staff, "POST", path, approve).status_code == 200  # its (last) admin
    note = {"text": f"{NAME} called about {STREET}"}
    assert staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/notes", note).status_code == 201
    assert api.call("POST", "/password/forgot", {"email": EMAIL}).status_code == 202
    return customer_id, pair


def scan_for(needles: tuple[str, ...]) -> list[str]:
    """Every table scanned (by the test, never the service): the items naming the person."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    found = []
    for model in ALL_TABLES:
        name = table_name(model, BASE_SETTINGS["TABLE_PREFIX"])
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            for item in page["Items"]:
                text = json.dumps(item, default=str).lower()
                found += [f"{model.TABLE_SUFFIX}: {n}" for n in needles if n.lower() in text]
    return found


def test_erasure_leaves_nothing_of_the_person_in_any_table(api: Api, staff: dict[str, str]) -> None:
    customer_id, _ = full_person(api, staff)
    assert scan_for(NEEDLES), "the person is in the tables before the erasure"
    answer = staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    assert answer.status_code == 200, answer.body
    body = answer.json_body
    assert body["status"] == "anonymized" and body["anonymized_at"]
    assert body["erasure"]["status"] == "completed"
    assert scan_for(NEEDLES) == []


def test_documents_stay_readable_by_staff_after_the_erasure(api: Api, staff: dict[str, str]) -> None:
    customer_id, _ = full_person(api, staff)
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    export = staff_call(api, staff, "GET", f"/admin/customers/{customer_id}/export").json_body
    assert [d["document_id"] for d in export["documents"]] == ["ord-1"]
    assert export["profile"]["status"] == "anonymized" and export["profile"]["email"].endswith(".invalid")
    assert export["addresses"] == [] and export["wishlist"] == [] and export["payment_methods"] == []
    assert "anonymized" in [e["kind"] for e in export["activity"]]
    assert all(e["detail"] == {} for e in export["activity"])
    assert export["erasure"]["status"] == "completed"
    staff_view = staff_call(api, staff, "GET", f"/admin/customers/{customer_id}").json_body
    assert staff_view["status"] == "anonymized" and staff_view["name"] == "" and staff_view["phone"] is None


def test_every_session_and_link_ends_at_once(api: Api, staff: dict[str, str]) -> None:
    customer_id, pair = full_person(api, staff)
    reset = token_from(last_mail(EMAIL).link("/password/reset"))
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    assert api.call("GET", "/me", token=pair["access_token"]).status_code == 401
    assert api.call("GET", "/me/export", token=pair["access_token"]).status_code == 401
    assert api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]}).status_code == 401
    assert (
        api.call(
            "POST", "/password/reset", {"token": reset, "password": "a brand new passphrase"}
        ).status_code
        == 400
    )
    assert api.sign_in(EMAIL, PASSWORD).status_code == 401


def test_the_address_can_sign_up_again_at_once(api: Api, staff: dict[str, str]) -> None:
    customer_id, _ = full_person(api, staff)
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    pair = api.verified_account(EMAIL, "another good passphrase")
    assert pair["customer_id"] != customer_id
    assert api.call("GET", "/me", token=pair["access_token"]).json_body["email"] == EMAIL


def test_erasing_twice_is_one_erasure(api: Api, staff: dict[str, str], container: Container) -> None:
    customer_id, _ = full_person(api, staff)
    first = staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize").json_body
    again = staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    assert again.status_code == 200 and again.json_body == first
    kinds = [
        e["kind"]
        for e in staff_call(api, staff, "GET", f"/admin/customers/{customer_id}/activity").json_body[
            "activity"
        ]
    ]
    assert kinds.count("anonymized") == 1


def test_an_unknown_customer_is_not_found(api: Api, staff: dict[str, str]) -> None:
    assert staff_call(api, staff, "POST", "/admin/customers/cus_nobody/anonymize").status_code == 404
    assert staff_call(api, staff, "GET", "/admin/customers/cus_nobody/export").status_code == 404
    assert api.call("POST", "/admin/customers/cus_nobody/anonymize").status_code in (401, 403)


def test_an_interrupted_erasure_is_finished_by_the_worker(
    api: Api, staff: dict[str, str], container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer_id, _ = full_person(api, staff)
    monkeypatch.setattr("chalicelib.privacy.erasure.REQUEST_BUDGET", 0.0)  # the request does only the account
    body = staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize").json_body
    assert body["status"] == "anonymized" and body["erasure"]["status"] == "running"
    assert scan_for((STREET,)), "the address book waits for the worker"
    container.clock.advance(61)  # the request's lease has passed
    from chalicelib import jobs

    assert jobs.advance_erasures() == 1
    assert scan_for(NEEDLES) == []
    assert privacy.anonymize(container, customer_id, "staff:x")["erasure"]["status"] == "completed"


def test_the_export_has_everything_held(api: Api, staff: dict[str, str]) -> None:
    customer_id, pair = full_person(api, staff)
    mine = api.call("GET", "/me/export", token=pair["access_token"])
    assert mine.status_code == 200, mine.body
    export = mine.json_body
    assert export["profile"]["email"] == EMAIL and export["profile"]["phone"] == PHONE
    assert export["consents"] == {"newsletter": False}
    assert export["addresses"][0]["line1"] == STREET
    assert export["address_book"]["default_billing"]
    assert export["wishlist"][0]["note"] == f"for {NAME}"
    assert export["payment_methods"][0]["token_ref"] == "pm_123"
    assert export["documents"][0]["document_id"] == "ord-1"
    assert {"invitation_accepted", "profile_changed", "address_added"} <= {
        e["kind"] for e in export["activity"]
    }
    assert export["invitations"][0]["email"] == EMAIL
    assert export["invitation_requests"][0]["name"] == NAME
    assert len(export["sessions"]) == 1
    assert {link["purpose"] for link in export["emailed_links"]} >= {"invite", "reset"}
    staff_export = staff_call(api, staff, "GET", f"/admin/customers/{customer_id}/export").json_body
    assert staff_export.keys() == export.keys()


def test_every_table_with_a_customer_key_contributes_to_the_export(
    api: Api, staff: dict[str, str], container: Container
) -> None:
    customer_id, _ = full_person(api, staff)
    keyed = [model for model in ALL_TABLES if model.CUSTOMER_KEY is not None]
    silent = _silent_exporters(container, customer_id, keyed)
    # what exists only once erased (the erasure's record, the tombstone) is checked then
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    assert sorted(_silent_exporters(container, customer_id, silent)) == []


def _silent_exporters(container: Container, customer_id: str, models: list[Any]) -> list[Any]:
    silent = []
    for model in models:
        exporters = [h for h in registry.covering(model) if h.export is not None]
        assert exporters, f"{model.TABLE_SUFFIX}: no exporter"
        for handler in exporters:
            assert handler.export is not None
            if not any(v for v in handler.export(container, customer_id).values()):
                silent.append(model)
    return silent


def test_a_tombstone_tells_the_importer_and_reapplies_after_a_restore(
    api: Api, staff: dict[str, str], container: Container
) -> None:
    customer_id, _ = full_person(api, staff)
    before = Customer.get(customer_id)
    assert not privacy.is_erased(container, EMAIL)
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    assert privacy.is_erased(container, EMAIL) and privacy.is_erased(container, EMAIL.upper())
    assert not privacy.is_erased(container, "someone.else@example.com")
    assert not privacy.is_erased(container, "not an address")
    # a restore brings the old record back, whole
    restored = Customer(
        customer_id, **{k: v for k, v in before.attribute_values.items() if k != "customer_id"}
    )
    restored.save(add_version_condition=False)
    progress: list[tuple[int, int]] = []
    assert privacy.reapply_all(container, lambda done, total: progress.append((done, total))) == {
        "tombstones": 1,
        "erased_again": 1,
    }
    assert progress == [(1, 1)]
    again = Customer.get(customer_id)
    assert again.status == "anonymized" and again.name == "" and again.email.endswith("@anonymized.invalid")


def test_a_new_account_after_the_erasure_is_never_erased_by_its_tombstone(
    api: Api, staff: dict[str, str], container: Container
) -> None:
    customer_id, _ = full_person(api, staff)
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    container.clock.advance(5)
    pair = api.verified_account(EMAIL, "another good passphrase")
    assert privacy.reapply(container, EMAIL) == []
    assert api.call("GET", "/me", token=pair["access_token"]).status_code == 200


def test_an_address_erased_twice_keeps_one_tombstone_naming_both_records(
    api: Api, staff: dict[str, str], container: Container
) -> None:
    first_id, _ = full_person(api, staff)
    staff_call(api, staff, "POST", f"/admin/customers/{first_id}/anonymize")
    container.clock.advance(5)
    pair = api.verified_account(EMAIL, "another good passphrase")
    second_id = api.call("GET", "/me", token=pair["access_token"]).json_body["customer_id"]
    container.clock.advance(5)
    staff_call(api, staff, "POST", f"/admin/customers/{second_id}/anonymize")
    [tombstone] = list(Tombstone.scan())  # the test reads all
    assert tombstone.customer_ids == {first_id, second_id}
    assert privacy.last_erased_at(container, EMAIL) == int(container.clock.now())
    assert privacy.erased_among(container, [EMAIL.upper(), "other@example.com", "not an address"]) == {EMAIL}
    assert privacy.reapply_all(container) == {"tombstones": 2, "erased_again": 0}


def test_a_late_write_is_swept_by_the_second_pass(
    api: Api, staff: dict[str, str], container: Container
) -> None:
    """A request that checked the session just before the erasure may still write after
    its steps ran (here: an address and a session); the worker's second pass removes them."""
    from chalicelib import jobs
    from chalicelib.identity.models import Session
    from chalicelib.portal.models import PortalItem

    customer_id, _ = full_person(api, staff)
    staff_call(api, staff, "POST", f"/admin/customers/{customer_id}/anonymize")
    now = int(container.clock.now())
    late = json.dumps({"line1": STREET, "city": CITY})
    PortalItem(customer_id, "address#adr_late", data=late, created_at=now, updated_at=now).save()
    Session(
        "ses_late", customer_id=customer_id, refresh_hash="x", epoch=0, created_at=now, expires_at=now + 60
    ).save()
    assert jobs.advance_erasures() == 0, "not before the in-flight requests are done"
    container.clock.advance(91)
    assert jobs.advance_erasures() == 1
    assert scan_for(NEEDLES) == [] and list(Session.scan()) == []
    assert jobs.advance_erasures() == 0, "the erasure has left the worker's index"


def test_concurrent_erasures_of_one_customer_are_one(
    api: Api, staff: dict[str, str], container: Container
) -> None:
    from devtools.probes import at_once

    customer_id, _ = full_person(api, staff)
    path = f"/admin/customers/{customer_id}/anonymize"
    answers = at_once(lambda i: staff_call(api, staff, "POST", path), 10)
    assert [a.status_code for a in answers] == [200] * 10, [a.body for a in answers if a.status_code != 200]
    assert all(a.json_body["status"] == "anonymized" and a.json_body["erasure"] for a in answers)
    activity = staff_call(api, staff, "GET", f"/admin/customers/{customer_id}/activity").json_body["activity"]
    assert [e["kind"] for e in activity].count("anonymized") == 1
    assert scan_for(NEEDLES) == []


def test_a_guest_is_erased_with_its_checkout_address_and_register_later_link(
    api: Api, staff: dict[str, str]
) -> None:
    order = {"document_id": "ord-g", "type": "order", "status": "open", "date": "2026-11-02", "lines": []}
    address = {"name": NAME, "line1": STREET, "city": CITY, "postal_code": POSTCODE, "country": "FR"}
    body = {"email": EMAIL, "name": NAME, "phone": PHONE, "address": address, "order": order}
    guest = api.storefront("POST", "/guests", body)
    assert guest.status_code == 201, guest.body
    guest_id = guest.json_body["customer_id"]
    assert scan_for(NEEDLES)
    answer = staff_call(api, staff, "POST", f"/admin/customers/{guest_id}/anonymize")
    assert answer.status_code == 200 and answer.json_body["erasure"]["status"] == "completed"
    assert scan_for(NEEDLES) == []
    export = staff_call(api, staff, "GET", f"/admin/customers/{guest_id}/export").json_body
    assert [d["document_id"] for d in export["documents"]] == ["ord-g"]
