"""Scheduled and event-driven work: the outbox sweeper and the outbox stream sender."""

from __future__ import annotations

from typing import Any

from chalicelib.bootstrap import get_container
from chalicelib.mail import outbox
from chalicelib.observability import flush_metrics, logger


def sweep_outbox() -> dict[str, int]:
    """Retry pending emails whose time has come (scheduled every minute)."""
    outcomes = outbox.sweep(get_container())
    logger.info("outbox sweep", extra={"outcomes": outcomes})
    flush_metrics()
    return outcomes


def send_from_stream(event: dict[str, Any]) -> dict[str, int]:
    """Send each message just inserted in the outbox (DynamoDB stream, KEYS_ONLY)."""
    c = get_container()
    outcomes: dict[str, int] = {}
    for record in event.get("Records", []):
        if record.get("eventName") != "INSERT":
            continue
        message_id = record["dynamodb"]["Keys"]["message_id"]["S"]
        outcome = outbox.deliver(c, message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    flush_metrics()
    return outcomes
