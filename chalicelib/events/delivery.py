"""Webhook deliveries: the first attempt right after the event, retries with backoff for
about four hours, then a dead letter; an endpoint failing that long is disabled.

An attempt is a POST of the event's envelope (the same bytes every time), signed
(``signing``). 2xx is delivered. A network error, a timeout, 408, 429 and 5xx are retried
after ``RETRY_DELAYS`` (jittered); any other answer (3xx: redirects are never followed;
4xx) is dead at once. Each attempt holds a lease on its delivery, so the publisher and the
sweeper never send one delivery at the same time.
"""

from __future__ import annotations

import json
import random
import secrets
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from pynamodb.expressions.update import Action

from chalicelib.events import sealing, signing, store, transport
from chalicelib.events.emit import body
from chalicelib.events.models import LifecycleEvent, Webhook, WebhookDelivery
from chalicelib.kernel.clock import iso
from chalicelib.kernel.observability import logger, metric
from chalicelib.kernel.transactions import Cancelled, run_steps
from chalicelib.kernel.workers import each_item
from chalicelib.mail import after_commit, compose

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

SHARDS = 4
LEASE_SECONDS = 60
SENDERS = 8  # attempts side by side (each waits at most 2 s to connect and 5 s to answer)
SWEEP_LIMIT = 100  # per run: 100 / 8 x 7 s fits the sweeper's 120-second timeout
#: waits after each failed attempt: 8 retries, 4 h 1 min in all (Shopify: 8 over 4 h)
RETRY_DELAYS = (60, 300, 600, 1200, 1800, 2700, 3600, 4200)
JITTER = 0.1
RETENTION_SECONDS = 30 * 86400
LOG_ATTEMPTS = 10
USER_AGENT = "customer-accounts-webhooks/1"


def retry_delay(attempts: int, first: int = RETRY_DELAYS[0]) -> int | None:
    """Seconds before the next attempt after ``attempts`` failed ones; None: no more.

    ``first`` is the stage's first wait (``WEBHOOK_RETRY_SECONDS``); the others scale with it."""
    if attempts > len(RETRY_DELAYS):
        return None
    base = RETRY_DELAYS[attempts - 1] * first / RETRY_DELAYS[0]
    return max(1, int(base * (1 + random.uniform(-JITTER, JITTER))))  # noqa: S311 (jitter, not a secret)


def retryable(status: int | None) -> bool:
    return status is None or status >= 500 or status in (408, 429)


def headers(webhook: Webhook, delivery: WebhookDelivery, secret: str, now: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Event-Id": delivery.event_id,
        "X-Event-Type": delivery.event_type,
        "X-Delivery-Id": f"{webhook.webhook_id}.{delivery.event_id}",
        "X-Delivery-Attempt": str(int(delivery.attempts)),
        "X-Timestamp": str(now),
        "X-Signature": signing.sign(secret, now, delivery.body),
    }


def start(c: Container, webhook: Webhook, event: LifecycleEvent) -> str:
    """The publisher's part: a new delivery, leased, and its first attempt at once."""
    now = int(c.clock.now())
    delivery = WebhookDelivery(
        webhook.webhook_id,
        event.event_id,
        event_type=event.type,
        body=body(event),
        status="pending",
        attempts=1,
        next_attempt_at=now + LEASE_SECONDS,  # the sweeper's, should this sender die
        due_shard=f"due#{secrets.randbelow(SHARDS)}",
        lease_until=now + LEASE_SECONDS,
        created_at=now,
        expires_at=now + RETENTION_SECONDS,
    )
    if not store.create_delivery(delivery):
        return "duplicate"  # a replayed batch: the first delivery goes on by itself
    return attempt(c, webhook, delivery)


def attempt(c: Container, webhook: Webhook, delivery: WebhookDelivery) -> str:
    """One attempt of a delivery this sender holds; records it. Returns the outcome."""
    now = int(c.clock.now())
    secret = sealing.unseal(c, webhook.webhook_id, webhook.secret)
    sent = transport.post(
        webhook.url, delivery.body, headers(webhook, delivery, secret, now), c.settings.WEBHOOK_LOCAL_TARGETS
    )
    entry = {"at": iso(now), "attempt": int(delivery.attempts), "status": sent.status, "ms": sent.ms}
    if sent.error:
        entry["error"] = sent.error
    log = ([*json.loads(delivery.log or "[]"), entry])[-LOG_ATTEMPTS:]
    common: list[Action] = [
        WebhookDelivery.log.set(json.dumps(log)),
        WebhookDelivery.lease_until.remove(),
        WebhookDelivery.last_error.set(sent.error) if sent.error else WebhookDelivery.last_error.remove(),
    ]
    if sent.status is not None:
        common.append(WebhookDelivery.last_status.set(sent.status))
    if sent.status is not None and 200 <= sent.status < 300:
        done = [WebhookDelivery.status.set("delivered"), WebhookDelivery.delivered_at.set(now)]
        store.record_attempt(delivery, [*common, *done, WebhookDelivery.due_shard.remove()])
        if webhook.failures:
            store.note_success(webhook)
        metric("WebhooksDelivered")
        return "delivered"
    first = c.settings.WEBHOOK_RETRY_SECONDS
    delay = retry_delay(int(delivery.attempts), first) if retryable(sent.status) else None
    if delay is None:
        store.record_attempt(
            delivery, [*common, WebhookDelivery.status.set("dead"), WebhookDelivery.due_shard.remove()]
        )
    else:
        store.record_attempt(delivery, [*common, WebhookDelivery.next_attempt_at.set(now + delay)])
    webhook = store.note_failure(webhook, now)
    metric("WebhooksDeadLettered" if delay is None else "WebhooksFailed")
    logger.warning(
        "webhook attempt failed",
        extra={
            "webhook_id": webhook.webhook_id,
            "event_id": delivery.event_id,
            "status": sent.status,
            "error": sent.error,
        },
    )
    exhausted = delay is None and retryable(sent.status)
    if (
        exhausted
        and webhook.failing_since is not None
        and int(webhook.failing_since) <= int(delivery.created_at)
    ):
        disable(c, webhook, now, "failing: no successful delivery during a whole retry window")
    return "failed" if delay is not None else "dead"


def disable(c: Container, webhook: Webhook, now: int, reason: str) -> bool:
    """Disable an active webhook and tell staff (``STAFF_ALERT_EMAIL``) in one transaction."""
    s = c.settings
    outbox, envelopes = [], []
    if s.STAFF_ALERT_EMAIL:
        context = {
            "website": s.WEBSITE_ID,
            "webhook_id": webhook.webhook_id,
            "url": webhook.url,
            "failing_since": iso(webhook.failing_since) or "",
            "name": None,
        }
        message, envelope = compose(c, "webhook_disabled", s.STAFF_ALERT_EMAIL, s.DEFAULT_LOCALE, context)
        outbox, envelopes = [message], [envelope]
    try:
        run_steps([store.disable_step(webhook, now, reason)], outbox)
    except Cancelled:
        return False  # disabled meanwhile
    after_commit(c, envelopes)
    metric("WebhooksDisabled")
    logger.warning("webhook disabled", extra={"webhook_id": webhook.webhook_id, "reason": reason})
    return True


def sweep(c: Container, limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """Retry the deliveries whose time has come (every minute), ``SENDERS`` side by side."""
    now = int(c.clock.now())
    due = [key for shard in range(SHARDS) for key in store.due(f"due#{shard}", now, limit)][:limit]
    webhooks = {webhook_id: store.get_webhook(webhook_id) for webhook_id in {w for w, _ in due}}
    outcomes: Counter[str] = Counter()

    def one(key: tuple[str, str]) -> Counter[str]:
        counted: Counter[str] = Counter()
        with each_item("webhook_sweeper", ".".join(key), counted):
            counted[_retry(c, webhooks.get(key[0]), *key, now)] += 1
        return counted

    if due:
        with ThreadPoolExecutor(max_workers=min(SENDERS, len(due))) as pool:
            for counted in pool.map(one, due):
                outcomes.update(counted)
    return dict(outcomes)


def _retry(c: Container, webhook: Webhook | None, webhook_id: str, event_id: str, now: int) -> str:
    delivery = store.claim(webhook_id, event_id, now, now + LEASE_SECONDS)
    if delivery is None:
        return "skipped"
    if webhook is None or webhook.status != "active":
        reason = "webhook_deleted" if webhook is None else "webhook_disabled"
        actions = [WebhookDelivery.status.set("dead"), WebhookDelivery.due_shard.remove()]
        store.record_attempt(
            delivery, [*actions, WebhookDelivery.lease_until.remove(), WebhookDelivery.last_error.set(reason)]
        )
        return "dead"
    return attempt(c, webhook, delivery)


def restart(c: Container, webhook_id: str, event_id: str) -> WebhookDelivery | None:
    """A new round of attempts for a delivery (staff's redeliver), due at once."""
    now = int(c.clock.now())
    actions: list[Action] = [
        WebhookDelivery.status.set("pending"),
        WebhookDelivery.attempts.set(0),
        WebhookDelivery.next_attempt_at.set(now),
        WebhookDelivery.due_shard.set(f"due#{secrets.randbelow(SHARDS)}"),
        WebhookDelivery.created_at.set(now),  # the round's start (the disabling rule reads it)
        WebhookDelivery.expires_at.set(now + RETENTION_SECONDS),
    ]
    return store.restart(webhook_id, event_id, actions)
