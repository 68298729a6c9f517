"""Webhooks staff register per website (``/admin/webhooks``), their delivery log, redelivery,
and the events themselves (``GET /admin/events/{id}``)."""

from __future__ import annotations

import json
import re
import secrets
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib.events import delivery, sealing, store, transport
from chalicelib.events.emit import envelope
from chalicelib.events.models import Webhook, WebhookDelivery
from chalicelib.events.schemas import WebhookIn, WebhookPatch
from chalicelib.kernel.clock import iso
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import InvalidState, InvalidWebhookUrl, LimitReached, NotFound
from chalicelib.kernel.models import is_live
from chalicelib.kernel.observability import metric

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

MAX_WEBHOOKS = 20  # per website: each event fans out to each of them
PAGE = 50


def _checked_url(c: Container, url: str) -> str:
    try:
        transport.check(url, c.settings.WEBHOOK_LOCAL_TARGETS)
    except transport.UnsafeUrl as e:
        raise InvalidWebhookUrl(str(e), fields={"url": str(e)}) from e
    return url


def register(c: Container, data: WebhookIn, actor: str) -> dict[str, Any]:
    """A new webhook; its signing secret is in this answer and never again."""
    s, now = c.settings, int(c.clock.now())
    url = _checked_url(c, data.url)
    webhook_id = f"whk_{secrets.token_hex(12)}"
    secret = sealing.new_secret()
    webhook = Webhook(
        webhook_id,
        website=s.WEBSITE_ID,
        url=url,
        event_types=set(data.event_types),
        secret=sealing.seal(c, webhook_id, secret),
        status="active",
        failures=0,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    if not store.save_webhook(webhook, MAX_WEBHOOKS):
        raise LimitReached(f"A website has at most {MAX_WEBHOOKS} webhooks.")
    metric("WebhooksRegistered")
    return {**view(webhook), "secret": secret}


WEBHOOK_ID = re.compile(r"whk_[0-9a-f]{24}")
EVENT_ID = re.compile(r"evt_[0-9a-f]{28}")


def get(c: Container, webhook_id: str) -> Webhook:
    webhook = store.get_webhook(webhook_id) if WEBHOOK_ID.fullmatch(webhook_id) else None
    if webhook is None or webhook.website != c.settings.WEBSITE_ID:
        raise NotFound("No such webhook.")
    return webhook


def page(c: Container, cursor: str | None) -> dict[str, Any]:
    sealed = seal(c, "webhooks", c.settings.WEBSITE_ID)
    items, next_cursor = store.webhooks_of(c.settings.WEBSITE_ID, cursor, PAGE, sealed)
    return {"webhooks": [view(w) for w in items], "next_cursor": next_cursor}


def change(c: Container, webhook_id: str, data: WebhookPatch) -> dict[str, Any]:
    """New URL or event types; ``status: active`` re-enables a disabled webhook (its failure
    count starts again), ``disabled`` stops deliveries."""
    webhook = get(c, webhook_id)
    now = int(c.clock.now())
    actions: list[Action] = [Webhook.updated_at.set(now)]
    if data.url is not None:
        actions.append(Webhook.url.set(_checked_url(c, data.url)))
    if data.event_types is not None:
        actions.append(Webhook.event_types.set(set(data.event_types)))
    if data.status == "active":
        actions += [Webhook.status.set("active"), Webhook.failures.set(0), Webhook.failing_since.remove()]
        actions += [Webhook.disabled_at.remove(), Webhook.disabled_reason.remove()]
    elif data.status == "disabled":
        actions += [Webhook.status.set("disabled"), Webhook.disabled_at.set(now)]
        actions.append(Webhook.disabled_reason.set("disabled by staff"))
    if not store.update_webhook(webhook, actions):
        raise NotFound("No such webhook.")
    return view(webhook)


def remove(c: Container, webhook_id: str) -> None:
    store.delete_webhook(get(c, webhook_id))


def deliveries(c: Container, webhook_id: str, cursor: str | None) -> dict[str, Any]:
    webhook = get(c, webhook_id)
    sealed = seal(c, "webhook-deliveries", webhook.webhook_id)
    items, next_cursor = store.deliveries_of(webhook.webhook_id, cursor, PAGE, sealed)
    now = c.clock.now()
    return {"deliveries": [delivery_view(d) for d in items if is_live(d, now)], "next_cursor": next_cursor}


def redeliver(c: Container, webhook_id: str, event_id: str) -> dict[str, Any]:
    """Send a delivery again (a new round of attempts, due at once), whatever its state."""
    webhook = get(c, webhook_id)
    if webhook.status != "active":
        raise InvalidState("The webhook is disabled: enable it first (PATCH status active).")
    restarted = delivery.restart(c, webhook.webhook_id, event_id) if EVENT_ID.fullmatch(event_id) else None
    if restarted is None:
        raise NotFound("No such delivery, or it is being sent right now.")
    metric("WebhooksRedelivered")
    return delivery_view(restarted)


def event(c: Container, event_id: str) -> dict[str, Any]:
    item = store.get_event(event_id) if EVENT_ID.fullmatch(event_id) else None
    if item is None or item.website != c.settings.WEBSITE_ID or not is_live(item, c.clock.now()):
        raise NotFound("No such event.")
    return envelope(item)


def view(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.webhook_id,
        "url": webhook.url,
        "event_types": sorted(webhook.event_types),
        "status": webhook.status,
        "failures": int(webhook.failures or 0),
        "failing_since": iso(webhook.failing_since),
        "disabled_at": iso(webhook.disabled_at),
        "disabled_reason": webhook.disabled_reason,
        "created_at": iso(webhook.created_at),
        "created_by": webhook.created_by,
    }


def delivery_view(item: WebhookDelivery) -> dict[str, Any]:
    return {
        "event_id": item.event_id,
        "event_type": item.event_type,
        "status": item.status,
        "attempts": int(item.attempts or 0),
        "next_attempt_at": iso(item.next_attempt_at) if item.status == "pending" else None,
        "last_status": int(item.last_status) if item.last_status is not None else None,
        "last_error": item.last_error,
        "delivered_at": iso(item.delivered_at),
        "log": json.loads(item.log or "[]"),
    }
