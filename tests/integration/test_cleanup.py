"""The scheduled cleanup: expired guests with their documents, never-verified sign-ups with
their claims, tokens, sessions and old outbox entries; bounded; a dry run; TTL first."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import jobs
from chalicelib.checkout.models import Document
from chalicelib.cleanup import service as cleanup
from chalicelib.identity.models import Customer, Login, Session
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from chalicelib.kernel.models import Token
from chalicelib.mail.models import OutboxMessage
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, staff_headers

DAY = 86400


def _guest_with_documents(api: Api, container: Container, email: str, documents: int) -> str:
    guest_id = api.storefront("POST", "/guests", {"email": email, "name": "G"}).json_body["customer_id"]
    staff = {"Content-Type": "application/json", **staff_headers(container, f"erp-{email}")}
    for i in range(documents):
        body = {"document_id": f"D{i}", "type": "order", "status": "completed", "date": "2026-11-01"}
        api.client.http.post(f"/admin/customers/{guest_id}/documents", headers=staff, body=json.dumps(body))
    return guest_id


def _count(model: Any, hash_key: str) -> int:
    return sum(1 for _ in model.query(hash_key))


def test_expired_guests_go_with_their_documents_and_live_records_stay(
    api: Api, container: Container, clock: ManualClock, aws_hooks: Hooks
) -> None:
    live = api.verified_account("ada@example.com")
    old = _guest_with_documents(api, container, "old@example.com", 3)
    clock.advance(20 * DAY)
    young = _guest_with_documents(api, container, "young@example.com", 2)
    clock.advance(11 * DAY)  # the first guest's 30 days are over, the second's are not
    aws_hooks.calls.clear()
    report = cleanup.run(container)
    assert report["removed"]["guests"] == 1 and report["removed"]["documents"] == 3
    assert report["complete"] is True
    assert Customer.get(young).status == "guest" and _count(Document, young) == 2
    assert _count(Document, old) == 0
    assert Customer.get(live["customer_id"]).status == "active"
    assert "Scan" not in aws_hooks.operations()
    assert cleanup.run(container)["removed"] == {}  # nothing twice


def test_never_verified_sign_ups_go_with_their_claim_after_7_days(
    api: Api, container: Container, clock: ManualClock
) -> None:
    api.signup("lazy@example.com")
    api.verified_account("ada@example.com")
    clock.advance(7 * DAY + 1)
    report = cleanup.run(container)
    assert report["removed"]["unverified_signups"] == 1
    assert Login.count() == 1 and Customer.count() == 1  # ada's
    assert api.signup("lazy@example.com").status_code == 202  # the address is free again


def test_tokens_sessions_and_old_outbox_entries_go(
    api: Api, container: Container, clock: ManualClock
) -> None:
    api.verified_account("ada@example.com")
    api.call("POST", "/password/forgot", {"email": "ada@example.com"})
    # two emails, and the tasks of the sign-up and the forgot-password requests
    assert Token.count() == 2 and Session.count() == 1 and OutboxMessage.count() == 4
    removed: dict[str, int] = {}
    for _ in range(31):  # a day at a time, as the hourly runs would
        clock.advance(DAY)
        for kind, count in cleanup.run(container)["removed"].items():
            removed[kind] = removed.get(kind, 0) + count
    assert removed == {"tokens": 2, "outbox": 4, "sessions": 1}
    assert Token.count() == Session.count() == OutboxMessage.count() == 0


def test_buckets_older_than_the_lookback_are_left_to_ttl(container: Container, clock: ManualClock) -> None:
    days = {bucket.split("#")[0] for bucket in cleanup.buckets(clock.now())}
    assert len(days) == cleanup.LOOKBACK_DAYS + 1


def test_the_dry_run_counts_without_removing(api: Api, container: Container, clock: ManualClock) -> None:
    guest = _guest_with_documents(api, container, "old@example.com", 2)
    clock.advance(31 * DAY)
    report = cleanup.run(container, dry_run=True)
    assert report["would_remove"]["guests"] == 1 and report["would_remove"]["documents"] == 2
    assert Customer.get(guest) and _count(Document, guest) == 2


def test_a_run_out_of_time_stops_and_the_next_run_goes_on(
    api: Api, container: Container, clock: ManualClock
) -> None:
    for i in range(3):
        _guest_with_documents(api, container, f"g{i}@example.com", 1)
    clock.advance(31 * DAY)
    assert cleanup.run(container, budget=0.0)["complete"] is False
    assert cleanup.run(container)["removed"]["guests"] == 3


def test_a_guest_removed_by_ttl_first_still_loses_its_documents(
    api: Api, container: Container, clock: ManualClock
) -> None:
    guest = _guest_with_documents(api, container, "old@example.com", 4)
    Customer(guest).delete(add_version_condition=False)  # what DynamoDB TTL does, days late
    keys = {"Keys": {"customer_id": {"S": guest}}}
    by_app = {"Records": [{"eventName": "REMOVE", "dynamodb": keys}]}
    assert jobs.remove_children(by_app) == {"documents": 0}  # the cleanup's own deletions: not ours
    ttl = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    by_ttl = {"Records": [{"eventName": "REMOVE", "userIdentity": ttl, "dynamodb": keys}]}
    assert jobs.remove_children(by_ttl) == {"documents": 4}
    assert _count(Document, guest) == 0


def test_the_hourly_cleanup_is_wired(api: Api, container: Container, clock: ManualClock) -> None:
    _guest_with_documents(api, container, "old@example.com", 1)
    clock.advance(31 * DAY)
    event = api.client.events.generate_cw_event("Scheduled Event", "aws.events", {}, [])
    payload = api.client.lambda_.invoke("cleanup", event).payload
    assert payload["removed"]["guests"] == 1


def test_items_read_stay_close_to_items_removed(api: Api, container: Container, clock: ManualClock) -> None:
    for i in range(5):
        _guest_with_documents(api, container, f"g{i}@example.com", 3)
    api.verified_account("ada@example.com")
    clock.advance(31 * DAY)
    report = cleanup.run(container)
    removed = sum(report["removed"].values())
    assert report["items_read"] <= 1.2 * removed, report


def test_a_dry_run_counts_every_page_and_each_claim_once(
    api: Api, container: Container, clock: ManualClock
) -> None:
    for i in range(3):
        api.signup(f"lazy{i}@example.com")
    clock.advance(7 * DAY + 1)
    report = cleanup.run(container, dry_run=True)
    assert report["would_remove"]["unverified_signups"] == 3 and report["would_remove"]["logins"] == 3


def test_more_than_a_page_of_expired_items_in_one_bucket_all_go(
    container: Container, clock: ManualClock, monkeypatch: Any
) -> None:
    from chalicelib.kernel.clock import day_bucket

    monkeypatch.setattr(cleanup, "PAGE", 5)
    now = int(clock.now())
    with Session.batch_write() as batch:
        for i in range(12):
            batch.save(
                Session(
                    f"ses_{i}",
                    customer_id="c",
                    refresh_hash="h",
                    epoch=0,
                    created_at=now,
                    expires_at=now + 10,
                    expiry_bucket=day_bucket(now + 10, 0),
                )
            )
    clock.advance(60)
    assert cleanup.run(container, dry_run=True)["would_remove"]["sessions"] == 12
    assert cleanup.run(container)["removed"]["sessions"] == 12 and Session.count() == 0


def test_a_former_guest_that_never_verified_goes_with_its_documents(
    api: Api, container: Container, clock: ManualClock
) -> None:
    from tests.integration.conftest import token_from

    guest = api.storefront(
        "POST",
        "/guests",
        {
            "email": "gus@example.com",
            "name": "G",
            "order": {"document_id": "SO-1", "type": "order", "status": "open", "date": "2026-11-01"},
        },
    ).json_body
    api.call(
        "POST",
        "/register",
        {"token": token_from(guest["register_later_url"]), "password": "a fine passphrase"},
    )
    clock.advance(30 * DAY + 1)
    report = cleanup.run(container)
    assert report["removed"]["unverified_signups"] == 1 and report["removed"]["documents"] == 1
    assert _count(Document, guest["customer_id"]) == 0 and Login.count() == 0
