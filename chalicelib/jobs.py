"""Scheduled and event-driven work: outbox sweeper and stream sender, invitation worker."""

from __future__ import annotations

from typing import Any

from chalicelib.cleanup import service as cleanup
from chalicelib.invitations import jobs as invitation_jobs
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.observability import flush_metrics, logger
from chalicelib.mail import outbox


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


INVITATION_WORKER_BUDGET = 50.0  # seconds of a run (the function's timeout is 60 s)


def advance_invitations(budget: float = INVITATION_WORKER_BUDGET) -> int:
    """Carry on with unfinished bulk invitations at the SES sending rate (every minute)."""
    done = invitation_jobs.advance_open_jobs(get_container(), budget)
    logger.info("invitation worker", extra={"rows": done})
    flush_metrics()
    return done


CLEANUP_BUDGET = 240.0  # seconds of a run (the function's timeout is 300 s)


def run_cleanup(budget: float = CLEANUP_BUDGET) -> dict[str, Any]:
    """Remove what expired (every hour); a run that runs out of time goes on next hour."""
    report = cleanup.run(get_container(), budget=budget)
    logger.info("cleanup", extra=report)
    flush_metrics()
    return report


def remove_children(event: dict[str, Any]) -> dict[str, int]:
    """Customers stream: documents of a removed customer (TTL may remove it first)."""
    outcome = cleanup.children_of_removed(event)
    flush_metrics()
    return outcome
