"""The events table's stream -> EventBridge, then the webhooks (``event_publisher``).

At least once: a batch that EventBridge refuses fails, and the stream gives it again (the
same events, the same ids: consumers deduplicate on ``id``); a replayed batch creates no
second webhook delivery (deliveries are keyed by webhook and event). A record that cannot
be read is logged and skipped; nothing else is.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.events import delivery, store
from chalicelib.events.emit import body
from chalicelib.events.models import LifecycleEvent, Webhook
from chalicelib.kernel.errors import ServiceUnavailable
from chalicelib.kernel.observability import logger, metric
from chalicelib.kernel.workers import each_item, stream_records

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

SOURCE = "customer-accounts"
BUS_BATCH = 10  # PutEvents' limit
BUS_ATTEMPTS = 3


def events_of(event: Any, outcomes: Counter[str]) -> list[LifecycleEvent]:
    items = []
    for record in stream_records(event):
        if record.get("eventName") != "INSERT":
            continue
        with each_item("event_publisher", str(record.get("eventID")), outcomes):
            items.append(LifecycleEvent.from_raw_data(record["dynamodb"]["NewImage"]))
    return items


def publish(c: Container, event: Any) -> dict[str, int]:
    """Put a stream batch's events on the stage's bus, then start their webhook deliveries."""
    outcomes: Counter[str] = Counter()
    items = events_of(event, outcomes)
    if not items:
        return dict(outcomes)
    put_on_bus(c, items)
    outcomes["published"] += len(items)
    hooks = [h for h in store.all_webhooks(c.settings.WEBSITE_ID) if h.status == "active"]
    work = [(h, e) for e in items for h in hooks if subscribed(h, e.type)]
    if work:
        with ThreadPoolExecutor(max_workers=min(delivery.SENDERS, len(work))) as pool:
            for outcome in pool.map(lambda job: _start(c, *job), work):
                outcomes[outcome] += 1
    return dict(outcomes)


def _start(c: Container, webhook: Webhook, event: LifecycleEvent) -> str:
    outcomes: Counter[str] = Counter()
    with each_item("event_publisher", f"{webhook.webhook_id}.{event.event_id}", outcomes):
        return delivery.start(c, webhook, event)
    return "poison"


def subscribed(webhook: Webhook, event_type: str) -> bool:
    for wanted in webhook.event_types:
        if wanted in ("*", event_type) or (wanted.endswith(".*") and event_type.startswith(wanted[:-1])):
            return True
    return False


def put_on_bus(c: Container, items: list[LifecycleEvent]) -> None:
    """PutEvents by tens; entries EventBridge refuses are retried, then the batch fails."""
    from botocore.exceptions import BotoCoreError, ClientError

    for start in range(0, len(items), BUS_BATCH):
        pending = [_entry(c, e) for e in items[start : start + BUS_BATCH]]
        for attempt in range(BUS_ATTEMPTS):
            try:
                answer = c.eventbridge.put_events(Entries=pending)
            except (BotoCoreError, ClientError) as e:
                logger.warning("PutEvents failed", extra={"error": type(e).__name__})
                results: list[dict[str, Any]] = [{"ErrorCode": type(e).__name__}] * len(pending)
            else:
                results = answer["Entries"]
            pending = [entry for entry, result in zip(pending, results, strict=True) if "ErrorCode" in result]
            if not pending:
                break
            time.sleep(0.2 * 2**attempt)
        if pending:
            metric("EventsNotPublished", len(pending))
            raise ServiceUnavailable("EventBridge did not take every event; the stream retries the batch.")
        metric("EventsPublished", min(BUS_BATCH, len(items) - start))


def _entry(c: Container, event: LifecycleEvent) -> dict[str, Any]:
    return {
        "Source": SOURCE,
        "DetailType": event.type,
        "Detail": body(event),
        "EventBusName": c.settings.event_bus_name,
        "Time": datetime.fromtimestamp(int(event.occurred_at) / 1000, UTC),
        "Resources": [],
    }
