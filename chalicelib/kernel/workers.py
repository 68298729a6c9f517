"""What every schedule and stream consumer does with an item it cannot work.

A poison item (a malformed stream record, a message or row that fails for a reason that
will not go away) must never block the items behind it: it is logged with its id,
counted, and the run goes on. "The database is busy" is different: the whole run stops
and the next run (or the stream's retry) takes it up again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.kernel.errors import ServiceUnavailable
from chalicelib.kernel.observability import logger, metric


@contextmanager
def each_item(worker: str, item: str, outcomes: Counter[str]) -> Iterator[None]:
    """Work one item of ``worker``'s run; a failure counts as ``poison``, logged and skipped."""
    try:
        yield
    except ServiceUnavailable:
        raise
    except Exception:  # any other failure is this item's alone: record it, go on
        logger.exception("item skipped", extra={"worker": worker, "item": item})
        metric("WorkerItemsFailed")
        outcomes["poison"] += 1


def stream_records(event: Any) -> list[dict[str, Any]]:
    """The records of a stream event; anything else is no record at all."""
    records = event.get("Records") if isinstance(event, dict) else None
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
