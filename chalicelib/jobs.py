"""Scheduled and event-driven work: outbox sweeper and stream sender, invitation worker."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chalicelib import events, privacy
from chalicelib.cleanup import service as cleanup
from chalicelib.imports import worker as import_worker
from chalicelib.invitations import jobs as invitation_jobs
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.observability import flush_metrics, logger
from chalicelib.kernel.workers import each_item, stream_records
from chalicelib.mail import outbox


def sweep_outbox() -> dict[str, int]:
    """Retry pending emails whose time has come (scheduled every minute)."""
    outcomes = outbox.sweep(get_container())
    logger.info("outbox sweep", extra={"outcomes": outcomes})
    flush_metrics()
    return outcomes


def send_from_stream(event: dict[str, Any]) -> dict[str, int]:
    """Send each message just inserted in the outbox (DynamoDB stream, KEYS_ONLY).

    A record that cannot be read or worked is logged and skipped (the sweeper still has
    the message); a busy database fails the batch, which the stream retries."""
    c = get_container()
    outcomes: Counter[str] = Counter()
    for record in stream_records(event):
        if record.get("eventName") != "INSERT":
            continue
        with each_item("outbox_sender", str(record.get("eventID")), outcomes):
            outcomes[outbox.deliver(c, record["dynamodb"]["Keys"]["message_id"]["S"])] += 1
    flush_metrics()
    return dict(outcomes)


INVITATION_WORKER_BUDGET = 50.0  # seconds of a run (the function's timeout is 60 s)


def advance_invitations(budget: float = INVITATION_WORKER_BUDGET) -> int:
    """Carry on with unfinished bulk invitations at the SES sending rate (every minute)."""
    done = invitation_jobs.advance_open_jobs(get_container(), budget)
    logger.info("invitation worker", extra={"rows": done})
    flush_metrics()
    return done


ERASURE_WORKER_BUDGET = 50.0  # seconds of a run (the function's timeout is 60 s)


def advance_erasures(budget: float = ERASURE_WORKER_BUDGET) -> int:
    """Finish the erasures a request left unfinished or a crash interrupted (every minute)."""
    done = privacy.advance_open(get_container(), budget)
    logger.info("erasure worker", extra={"erasures": done})
    flush_metrics()
    return done


IMPORT_WORKER_BUDGET = 240.0  # seconds of a run (the function's timeout is 300 s)


def advance_imports(budget: float = IMPORT_WORKER_BUDGET) -> int:
    """Carry on with unfinished customer imports (every minute; a lease keeps runs apart)."""
    done = import_worker.advance_open(get_container(), budget)
    logger.info("import worker", extra={"rows": done})
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
    pooled = get_container().settings.shared_table_prefix is not None
    outcome = cleanup.children_of_removed(event, every_removal=pooled)
    flush_metrics()
    return outcome


def publish_events(event: dict[str, Any]) -> dict[str, int]:
    """Events stream (new images): EventBridge, then the webhooks. A refused batch fails
    (``ServiceUnavailable``) and the stream gives it again."""
    outcomes = events.publish(get_container(), event)
    flush_metrics()
    return outcomes


def sweep_webhooks() -> dict[str, int]:
    """Retry webhook deliveries whose time has come (scheduled every minute)."""
    outcomes = events.sweep(get_container())
    if outcomes:
        logger.info("webhook sweep", extra={"outcomes": outcomes})
    flush_metrics()
    return outcomes
