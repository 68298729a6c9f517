"""The outbox: an email is never lost, sent once, retried with backoff, then dead-lettered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib import jobs
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from chalicelib.mail.models import OutboxMessage
from chalicelib.mail.outbox import MAX_ATTEMPTS, sweep
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, mails_to


def _only_message() -> OutboxMessage:
    messages = list(OutboxMessage.batch_get([m.message_id for m in _all()]))
    assert len(messages) == 1
    return messages[0]


def _inserted(message_id: str) -> dict[str, Any]:
    return {"Records": [{"eventName": "INSERT", "dynamodb": {"Keys": {"message_id": {"S": message_id}}}}]}


def _all() -> list[OutboxMessage]:
    return [m for shard in range(4) for m in OutboxMessage.due_index.query(f"due#{shard}")]


def test_ses_down_the_email_arrives_later_and_once(
    api: Api, container: Container, clock: ManualClock, aws_hooks: Hooks
) -> None:
    aws_hooks.fail("sesv2", "SendEmail", "ServiceUnavailable", status=503, times=2)
    assert api.signup("ada@example.com").status_code == 202  # the caller does not wait on SES
    assert mails_to("ada@example.com") == []
    message = _only_message()
    assert message.status == "pending" and message.attempts == 1 and message.payload

    assert sweep(container) == {}  # not due yet: the backoff holds it
    clock.advance(61)
    assert sweep(container) == {"failed": 1}  # SES still down
    clock.advance(121)
    assert sweep(container) == {"sent": 1}
    clock.advance(3600)
    assert sweep(container) == {}  # nothing left to send
    assert len(mails_to("ada@example.com")) == 1
    sent = OutboxMessage.get(message.message_id)
    assert sent.status == "sent" and sent.payload is None and sent.due_shard is None


def test_an_email_that_keeps_failing_is_dead_lettered(
    api: Api, container: Container, clock: ManualClock, aws_hooks: Hooks
) -> None:
    aws_hooks.fail("sesv2", "SendEmail", "MessageRejected", times=MAX_ATTEMPTS)
    api.signup("ada@example.com")
    message_id = _only_message().message_id
    for _ in range(MAX_ATTEMPTS):
        clock.advance(3601)
        sweep(container)
    dead = OutboxMessage.get(message_id)
    assert dead.status == "dead" and dead.attempts == MAX_ATTEMPTS and dead.due_shard is None
    assert dead.last_error == "MessageRejected"
    assert mails_to("ada@example.com") == []


def test_the_outbox_payload_is_encrypted_at_rest(api: Api, aws_hooks: Hooks) -> None:
    aws_hooks.fail("sesv2", "SendEmail", "ServiceUnavailable", status=503)
    api.signup("ada@example.com")
    stored = _only_message()
    assert stored.payload is not None
    assert b"ada@example.com" not in bytes(stored.payload) and b"token=" not in bytes(stored.payload)
    assert stored.to_hint == "a***@e***.com"


def test_stream_mode_sends_from_the_outbox_stream_once(api: Api, configure: Callable[..., Container]) -> None:
    configure(MAIL_DISPATCH="stream")
    api.signup("ada@example.com")
    assert mails_to("ada@example.com") == []  # the request only wrote the outbox: the sign-up's task
    task = _only_message()
    assert task.template == "task:signup"
    assert jobs.send_from_stream(_inserted(task.message_id)) == {"done": 1}  # the account, its email queued
    assert jobs.send_from_stream(_inserted(task.message_id)) == {"skipped": 1}  # redelivered: done once
    assert mails_to("ada@example.com") == []
    (email,) = [m for m in _all() if m.message_id != task.message_id]
    assert jobs.send_from_stream(_inserted(email.message_id)) == {"sent": 1}
    assert jobs.send_from_stream(_inserted(email.message_id)) == {
        "skipped": 1
    }  # a redelivered record sends nothing
    assert len(mails_to("ada@example.com")) == 1


def test_the_scheduled_sweeper_is_wired(
    api: Api, container: Container, clock: ManualClock, aws_hooks: Hooks
) -> None:
    aws_hooks.fail("sesv2", "SendEmail", "Throttling", times=1)
    api.signup("ada@example.com")
    clock.advance(61)
    event = api.client.events.generate_cw_event("Scheduled Event", "aws.events", {}, [])
    assert api.client.lambda_.invoke("outbox_sweeper", event).payload == {"sent": 1}
    assert len(mails_to("ada@example.com")) == 1


def test_an_unreadable_payload_is_dead_lettered_and_does_not_block_the_others(
    api: Api, container: Container, clock: ManualClock, aws_hooks: Hooks
) -> None:
    aws_hooks.fail("sesv2", "SendEmail", "ServiceUnavailable", status=503, times=2)
    api.signup("ada@example.com")
    api.signup("bob@example.com")
    pending = OutboxMessage.batch_get([m.message_id for m in _all()])
    broken = next(m for m in pending if m.to_hint.startswith("a"))
    broken.update(actions=[OutboxMessage.payload.set(b"\x00" * 40)])  # e.g. the key was rotated
    clock.advance(61)
    assert sweep(container) == {"dead": 1, "sent": 1}
    assert OutboxMessage.get(broken.message_id).status == "dead"
    assert len(mails_to("bob@example.com")) == 1
