"""Outbox items: claim, mark sent, record failure, find what is due (sparse ``due`` index)."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from chalicelib.kernel.dynamo import error_code, take_lease, translated
from chalicelib.kernel.transactions import Step
from chalicelib.mail.models import OutboxMessage


@translated
def claim(message_id: str, now: int, lease_until: int) -> OutboxMessage | None:
    """Take a lease on a pending message; None when it is not ours to send."""
    message = OutboxMessage(message_id)
    pending, attempt = OutboxMessage.status == "pending", [OutboxMessage.attempts.add(1)]
    taken = take_lease(message, OutboxMessage.lease_until, now, lease_until, pending, also=attempt)
    return message if taken else None


def _sent(now: int, ses_message_id: str | None) -> list[Action]:
    """A pending message becomes sent: out of the due index, its payload gone."""
    actions: list[Action] = [
        OutboxMessage.status.set("sent"),
        OutboxMessage.sent_at.set(now),
        OutboxMessage.due_shard.remove(),
        OutboxMessage.payload.remove(),
        OutboxMessage.lease_until.remove(),
    ]
    if ses_message_id is not None:
        actions.append(OutboxMessage.ses_message_id.set(ses_message_id))
    return actions


def sent_step(message_id: str, now: int) -> tuple[str, Step]:
    """``mark_sent`` as the ``task`` step of a transaction (only while still pending)."""
    actions, pending = _sent(now, None), OutboxMessage.status == "pending"
    return ("task", lambda tx: tx.update(OutboxMessage(message_id), actions=actions, condition=pending))


@translated
def mark_sent(message_id: str, ses_message_id: str | None, now: int) -> None:
    try:
        OutboxMessage(message_id).update(
            actions=_sent(now, ses_message_id), condition=OutboxMessage.status == "pending"
        )
    except UpdateError as e:
        if error_code(e) != "ConditionalCheckFailedException":
            raise


@translated
def record_failure(message_id: str, attempts: int, error: str, retry_at: int, *, dead: bool) -> None:
    actions: list[Action] = [
        OutboxMessage.attempts.set(attempts),
        OutboxMessage.last_error.set(error[:500]),
        OutboxMessage.lease_until.remove(),
    ]
    if dead:
        actions += [OutboxMessage.status.set("dead"), OutboxMessage.due_shard.remove()]
    else:
        actions.append(OutboxMessage.next_attempt_at.set(retry_at))
    try:
        OutboxMessage(message_id).update(actions=actions, condition=OutboxMessage.status == "pending")
    except UpdateError as e:
        if error_code(e) != "ConditionalCheckFailedException":
            raise


@translated
def due(shard: str, now: int, limit: int) -> list[str]:
    """Ids of pending messages in ``shard`` whose next attempt time has come, oldest first."""
    query = OutboxMessage.due_index.query(shard, OutboxMessage.next_attempt_at <= now, limit=limit)
    return [item.message_id for item in query]


@translated
def get(message_id: str) -> OutboxMessage | None:
    try:
        return OutboxMessage.get(message_id, consistent_read=True)
    except OutboxMessage.DoesNotExist:
        return None
