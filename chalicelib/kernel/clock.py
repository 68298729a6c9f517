"""The service's clock: one place to read time, so tests can move it."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told (tests, benchmarks, dry runs)."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


#: shards of each day in the sparse ``expiry`` indexes (spreads a busy day's writes)
EXPIRY_SHARDS = 8


def expiry_bucket(epoch: float) -> str:
    """The bucket of an item expiring at ``epoch``, on a random shard of its day."""
    return day_bucket(epoch, secrets.randbelow(EXPIRY_SHARDS))


def day_bucket(epoch: float, shard: int) -> str:
    """The cleanup index key of an item expiring at ``epoch``: ``YYYY-MM-DD#shard``."""
    return f"{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d}#{shard}"


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
