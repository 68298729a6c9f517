"""Webhooks and their deliveries in DynamoDB (events are written by their causes' transactions)."""

from __future__ import annotations

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.events.models import LifecycleEvent, Webhook, WebhookDelivery
from chalicelib.kernel.cursors import Seal, decode, listed_page
from chalicelib.kernel.dynamo import error_code, take_lease, translated
from chalicelib.kernel.transactions import Cancelled, Step, run

DELIVERY_KEYS = frozenset({"webhook_id", "event_id"})
WEBHOOK_KEYS = frozenset({"webhook_id", "website", "created_at"})


def _conditional_failed(e: Exception) -> bool:
    return error_code(e) == "ConditionalCheckFailedException"


@translated
def get_event(event_id: str) -> LifecycleEvent | None:
    try:
        return LifecycleEvent.get(event_id, consistent_read=True)
    except LifecycleEvent.DoesNotExist:
        return None


@translated
def get_webhook(webhook_id: str) -> Webhook | None:
    try:
        return Webhook.get(webhook_id, consistent_read=True)
    except Webhook.DoesNotExist:
        return None


def _count(website: str) -> Webhook:
    return Webhook(f"count#{website}")


@translated
def save_webhook(webhook: Webhook, cap: int) -> bool:
    """The webhook and its website's count, in one transaction; False at the cap."""
    under = Webhook.webhook_count.does_not_exist() | (Webhook.webhook_count < cap)
    steps: list[tuple[str, Step]] = [
        (
            "count",
            lambda tx: tx.update(
                _count(webhook.website), actions=[Webhook.webhook_count.add(1)], condition=under
            ),
        ),
        ("webhook", lambda tx: tx.save(webhook, condition=Webhook.webhook_id.does_not_exist())),
    ]
    try:
        run(steps)
    except Cancelled as e:
        if "count" in e.failed:
            return False
        raise
    return True


@translated
def update_webhook(webhook: Webhook, actions: list[Action]) -> bool:
    """False when the webhook is gone."""
    try:
        webhook.update(actions=actions, condition=Webhook.webhook_id.exists())
    except UpdateError as e:
        if _conditional_failed(e):
            return False
        raise
    return True


@translated
def delete_webhook(webhook: Webhook) -> None:
    """The webhook and one off its website's count; nothing when it is already gone."""
    steps: list[tuple[str, Step]] = [
        ("webhook", lambda tx: tx.delete(Webhook(webhook.webhook_id), condition=Webhook.webhook_id.exists())),
        ("count", lambda tx: tx.update(_count(webhook.website), actions=[Webhook.webhook_count.add(-1)])),
    ]
    try:
        run(steps)
    except Cancelled as e:
        if e.failed != {"webhook"}:
            raise


@translated
def webhooks_of(
    website: str, cursor: str | None, limit: int, sealed: Seal
) -> tuple[list[Webhook], str | None]:
    start = decode(cursor, WEBHOOK_KEYS, sealed)
    query = Webhook.by_website.query(website, limit=limit, last_evaluated_key=start)
    return listed_page(query, cursor, limit, sealed)


@translated
def all_webhooks(website: str) -> list[Webhook]:
    """Every webhook of the website (the publisher's fan-out: one Query per batch)."""
    return list(Webhook.by_website.query(website))


@translated
def create_delivery(delivery: WebhookDelivery) -> bool:
    """False when this event already has a delivery for this webhook (a replayed batch)."""
    try:
        delivery.save(condition=WebhookDelivery.event_id.does_not_exist())
    except PutError as e:
        if _conditional_failed(e):
            return False
        raise
    return True


@translated
def claim(webhook_id: str, event_id: str, now: int, lease_until: int) -> WebhookDelivery | None:
    """Lease a pending delivery for one attempt; None when it is not ours to send."""
    delivery = WebhookDelivery(webhook_id, event_id)
    pending, attempt = WebhookDelivery.status == "pending", [WebhookDelivery.attempts.add(1)]
    taken = take_lease(delivery, WebhookDelivery.lease_until, now, lease_until, pending, also=attempt)
    return delivery if taken else None


@translated
def record_attempt(delivery: WebhookDelivery, actions: list[Action]) -> None:
    """The outcome of an attempt on a delivery this sender holds."""
    try:
        delivery.update(actions=actions, condition=WebhookDelivery.status == "pending")
    except UpdateError as e:
        if not _conditional_failed(e):
            raise


@translated
def restart(webhook_id: str, event_id: str, actions: list[Action]) -> WebhookDelivery | None:
    """A new round for a delivery that exists; None when it does not (or is being sent)."""
    delivery = WebhookDelivery(webhook_id, event_id)
    condition = WebhookDelivery.event_id.exists() & (
        (WebhookDelivery.status != "pending") | WebhookDelivery.lease_until.does_not_exist()
    )
    try:
        delivery.update(actions=actions, condition=condition)
    except UpdateError as e:
        if _conditional_failed(e):
            return None
        raise
    return delivery


@translated
def deliveries_of(
    webhook_id: str, cursor: str | None, limit: int, sealed: Seal
) -> tuple[list[WebhookDelivery], str | None]:
    """One page of a webhook's deliveries, newest event first."""
    start = decode(cursor, DELIVERY_KEYS, sealed)
    query = WebhookDelivery.query(webhook_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    return listed_page(query, cursor, limit, sealed)


@translated
def due(shard: str, now: int, limit: int) -> list[tuple[str, str]]:
    query = WebhookDelivery.due_index.query(shard, WebhookDelivery.next_attempt_at <= now, limit=limit)
    return [(item.webhook_id, item.event_id) for item in query]


@translated
def note_failure(webhook: Webhook, now: int) -> Webhook:
    """One more failure since the last success (the streak starts now if none is running)."""
    webhook.update(
        actions=[Webhook.failures.add(1), Webhook.failing_since.set(Webhook.failing_since | now)],
        condition=Webhook.webhook_id.exists(),
    )
    return webhook


@translated
def note_success(webhook: Webhook) -> None:
    webhook.update(actions=[Webhook.failures.set(0), Webhook.failing_since.remove()])


def disable_step(webhook: Webhook, now: int, reason: str) -> tuple[str, Step]:
    """Disable an active webhook (the staff notice rides in the same transaction)."""
    actions = [
        Webhook.status.set("disabled"),
        Webhook.disabled_at.set(now),
        Webhook.disabled_reason.set(reason),
        Webhook.updated_at.set(now),
    ]
    return ("webhook", lambda tx: tx.update(webhook, actions=actions, condition=Webhook.status == "active"))
