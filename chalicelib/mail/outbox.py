"""The email outbox: compose in the caller's transaction, deliver right after, retry later.

An email is never lost: ``compose`` returns an ``OutboxMessage`` the caller writes in
the same ``TransactWriteItems`` as the change that causes it. The payload (recipient
and links, which carry raw tokens) is encrypted with a key derived from the stage
secret, and dropped once sent. Right after commit the email leaves either inline
(``MAIL_DISPATCH=inline``) or through the outbox table's stream (``stream``); the
scheduled sweeper retries whatever failed, with exponential backoff, then
dead-letters it after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from typing import TYPE_CHECKING, Any

from chalicelib.kernel.choices import MailDispatch
from chalicelib.kernel.clock import expiry_bucket
from chalicelib.kernel.observability import logger, mask_email, metric
from chalicelib.kernel.security import new_id
from chalicelib.kernel.workers import each_item
from chalicelib.mail import store, tasks
from chalicelib.mail.budget import recipient_charge
from chalicelib.mail.models import OutboxMessage
from chalicelib.mail.sender import Envelope, SendFailed, send_email

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

SHARDS = 4
GRACE_SECONDS = 60  # the inline/stream sender's head start before the sweeper may retry
LEASE_SECONDS = 120
MAX_ATTEMPTS = 8
RETENTION_SECONDS = 14 * 86400


def backoff_seconds(attempts: int) -> int:
    """1, 2, 4, ... minutes after each failure, capped at one hour."""
    return int(min(60 * 2 ** max(attempts - 1, 0), 3600))


def _cipher(c: Container) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(c.key("outbox-payload"))


def compose(
    c: Container, template: str, to: str, language: str, context: dict[str, Any]
) -> tuple[OutboxMessage, Envelope]:
    """An outbox item to write in the caller's transaction, and its clear envelope.

    An email a caller can trigger to someone else's address charges the recipient's budget
    in that transaction (``mail.budget``); past it the item is dropped, the envelope marked.
    """
    now = int(c.clock.now())
    envelope = Envelope(new_id("msg"), template, to, language, context)
    nonce = os.urandom(12)
    payload = nonce + _cipher(c).encrypt(nonce, envelope.to_json(), envelope.message_id.encode())
    item = OutboxMessage(
        envelope.message_id,
        template=template,
        to_hint=mask_email(to),
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=now + GRACE_SECONDS,
        due_shard=f"due#{secrets.randbelow(SHARDS)}",
        created_at=now,
        expires_at=now + RETENTION_SECONDS,
        expiry_bucket=expiry_bucket(now + RETENTION_SECONDS),
    )
    item.charge = recipient_charge(c, template, to)
    item.envelope = envelope
    return item, envelope


def defer(c: Container, name: str, data: dict[str, Any]) -> tuple[OutboxMessage, Envelope]:
    """A task (see ``tasks``) to write in the caller's transaction, worked after the commit."""
    return compose(c, f"{tasks.PREFIX}{name}", "", "", data)


def open_payload(c: Container, message: OutboxMessage) -> Envelope:
    assert message.payload is not None
    data = bytes(message.payload)
    clear = _cipher(c).decrypt(data[:12], data[12:], message.message_id.encode())
    return Envelope.from_json(message.message_id, clear)


def after_commit(c: Container, envelopes: list[Envelope]) -> None:
    """Send what a committed transaction queued, when this stage sends inline."""
    if c.settings.MAIL_DISPATCH is not MailDispatch.INLINE:
        return  # the outbox stream's Lambda sends them
    for envelope in envelopes:
        if not envelope.dropped:  # over its recipient's budget: never queued
            _attempt(c, envelope, attempts=1)


def deliver(c: Container, message_id: str) -> str:
    """Claim a pending message and send it (stream handler and sweeper). Returns the outcome."""
    now = int(c.clock.now())
    message = store.claim(message_id, now, now + LEASE_SECONDS)
    if message is None:
        return "skipped"  # sent, dead, gone, or leased by another sender
    try:
        envelope = open_payload(c, message)
    except Exception as e:  # a payload that can't be opened can never be sent
        return _failed(
            message_id, int(message.attempts), f"unreadable payload: {type(e).__name__}", now, dead=True
        )
    return _attempt(c, envelope, attempts=int(message.attempts))


def _attempt(c: Container, envelope: Envelope, attempts: int) -> str:
    if tasks.is_task(envelope.template):
        return _work(c, envelope, attempts)
    now = int(c.clock.now())
    try:
        ses_id = send_email(c, envelope)
    except SendFailed as e:
        return _failed(envelope.message_id, attempts, str(e), now, dead=attempts >= MAX_ATTEMPTS)
    except Exception as e:  # a rendering bug must neither lose the email nor fail the caller
        logger.exception("email could not be built", extra={"message_id": envelope.message_id})
        return _failed(envelope.message_id, attempts, type(e).__name__, now, dead=attempts >= MAX_ATTEMPTS)
    store.mark_sent(envelope.message_id, ses_id, now)
    metric("EmailsSent")
    logger.info("email sent", extra={"message_id": envelope.message_id, "template": envelope.template})
    return "sent"


def _work(c: Container, envelope: Envelope, attempts: int) -> str:
    """Work a task; the emails it queued leave right after (the sweeper retries them)."""
    now = int(c.clock.now())
    done = tasks.done_step(envelope.message_id, now)
    try:
        queued = tasks.handler_for(envelope.template)(c, envelope.context, done)
    except tasks.AlreadyDone:
        return "skipped"
    except Exception as e:  # busy, or a bug: retried with backoff, then dead-lettered, never lost
        logger.exception("task failed", extra={"message_id": envelope.message_id, "task": envelope.template})
        return _failed(envelope.message_id, attempts, type(e).__name__, now, dead=attempts >= MAX_ATTEMPTS)
    if all(email.dropped for email in queued):  # it wrote nothing, so not its done mark either
        store.mark_sent(envelope.message_id, None, now)
    metric("TasksDone")
    after_commit(c, queued)  # inline stages send now; elsewhere the outbox stream sends them
    return "done"


def _failed(message_id: str, attempts: int, error: str, now: int, *, dead: bool) -> str:
    store.record_failure(message_id, attempts, error, now + backoff_seconds(attempts), dead=dead)
    metric("EmailsDeadLettered" if dead else "EmailsFailed")
    logger.warning("email not sent", extra={"message_id": message_id, "attempts": attempts, "error": error})
    return "dead" if dead else "failed"


def sweep(c: Container, limit: int = 200) -> dict[str, int]:
    """Retry every pending message whose time has come, at most ``limit`` per run."""
    now = int(c.clock.now())
    outcomes: Counter[str] = Counter()
    for shard in range(SHARDS):
        for message_id in store.due(f"due#{shard}", now, limit):
            with each_item("outbox_sweeper", message_id, outcomes):
                outcomes[deliver(c, message_id)] += 1
    return dict(outcomes)
