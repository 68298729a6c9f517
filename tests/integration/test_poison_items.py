"""A poison item never blocks a worker: every schedule and stream consumer records the item
it cannot work, skips it, and works the others (the invitation worker's rows: see
test_invitations)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import jobs
from chalicelib.checkout import Document
from chalicelib.cleanup import service as cleanup
from chalicelib.identity import Customer
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from chalicelib.kernel.errors import ServiceUnavailable
from chalicelib.mail.models import OutboxMessage
from chalicelib.mail.outbox import sweep
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, mails_to, staff_headers

DAY = 86400


def _pending_messages() -> list[OutboxMessage]:
    return [m for shard in range(4) for m in OutboxMessage.due_index.query(f"due#{shard}")]


def _insert(message_id: str, sequence: str) -> dict[str, Any]:
    return {
        "eventID": sequence,
        "eventName": "INSERT",
        "dynamodb": {"Keys": {"message_id": {"S": message_id}}},
    }


def test_the_outbox_stream_skips_a_malformed_record_and_sends_the_rest(
    api: Api, container: Container, aws_hooks: Hooks
) -> None:
    aws_hooks.fail("sesv2", "SendEmail", "ServiceUnavailable", status=503, times=1)  # left for the stream
    api.signup("ada@example.com")
    (message,) = _pending_messages()
    event = {
        "Records": [
            {"eventID": "1", "eventName": "INSERT", "dynamodb": {}},  # no keys
            "not a record",
            {"eventID": "2", "eventName": "INSERT", "dynamodb": {"Keys": {"message_id": {"N": "7"}}}},
            _insert(message.message_id, "3"),
        ]
    }
    assert jobs.send_from_stream(event) == {"poison": 2, "sent": 1}
    assert len(mails_to("ada@example.com")) == 1


def test_the_outbox_stream_fails_the_batch_when_the_database_is_busy(
    api: Api, container: Container, aws_hooks: Hooks
) -> None:
    """Busy is not poison: the stream retries the batch (bisecting it), nothing is skipped."""
    aws_hooks.fail("sesv2", "SendEmail", "ServiceUnavailable", status=503, times=1)
    api.signup("ada@example.com")
    (message,) = _pending_messages()
    aws_hooks.fail("dynamodb", "UpdateItem", "ThrottlingException", times=10)
    with pytest.raises(ServiceUnavailable):
        jobs.send_from_stream({"Records": [_insert(message.message_id, "1")]})
    aws_hooks.reset()
    assert jobs.send_from_stream({"Records": [_insert(message.message_id, "1")]}) == {"sent": 1}


def test_the_sweeper_skips_a_message_it_cannot_claim_and_sends_the_others(
    api: Api, container: Container, clock: ManualClock, aws_hooks: Hooks
) -> None:
    aws_hooks.fail("sesv2", "SendEmail", "ServiceUnavailable", status=503, times=2)
    api.signup("ada@example.com")
    api.signup("bob@example.com")
    clock.advance(61)
    aws_hooks.fail("dynamodb", "UpdateItem", "ValidationException", times=1)  # the first claim: poison
    assert sweep(container) == {"poison": 1, "sent": 1}
    clock.advance(121)
    assert sweep(container) == {"sent": 1}  # the skipped one is still pending, and goes next time
    assert len(mails_to("ada@example.com")) == len(mails_to("bob@example.com")) == 1


def _guest_with_documents(api: Api, container: Container, email: str, documents: int) -> str:
    guest_id: str = api.storefront("POST", "/guests", {"email": email, "name": "G"}).json_body["customer_id"]
    staff = {"Content-Type": "application/json", **staff_headers(container, f"erp-{email}")}
    for i in range(documents):
        body = {"document_id": f"D{i}", "type": "order", "status": "completed", "date": "2026-11-01"}
        api.client.http.post(f"/admin/customers/{guest_id}/documents", headers=staff, body=json.dumps(body))
    return guest_id


def test_the_cleanup_skips_a_customer_it_cannot_remove_and_removes_the_others(
    api: Api, container: Container, clock: ManualClock, aws_hooks: Hooks
) -> None:
    guests = [_guest_with_documents(api, container, f"g{i}@example.com", 1) for i in range(3)]
    clock.advance(31 * DAY)
    aws_hooks.fail("dynamodb", "DeleteItem", "ValidationException", times=1)  # one customer: poison
    report = cleanup.run(container)
    assert report["poison"] == 1 and report["removed"]["guests"] == 2 and report["complete"] is True
    left = [g for g in guests if Customer.count(g) == 1]
    assert len(left) == 1
    assert cleanup.run(container)["removed"]["guests"] == 1  # the next run takes it


def test_the_customers_stream_skips_a_malformed_record(api: Api, container: Container) -> None:
    guest = _guest_with_documents(api, container, "old@example.com", 2)
    Customer(guest).delete(add_version_condition=False)  # what DynamoDB TTL does
    ttl = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    good = {
        "eventID": "2",
        "eventName": "REMOVE",
        "userIdentity": ttl,
        "dynamodb": {"Keys": {"customer_id": {"S": guest}}},
    }
    bad = {"eventID": "1", "eventName": "REMOVE", "userIdentity": ttl, "dynamodb": {"Keys": {}}}
    assert jobs.remove_children({"Records": [bad, good]}) == {"documents": 2, "poison": 1}
    assert Document.count(guest) == 0
    assert jobs.remove_children({"Records": "garbage"}) == {"documents": 0}
