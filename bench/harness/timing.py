"""Timing one piece of work with the AWS calls it made, and the result of one measured operation.

``timed()`` opens a window on the call counter (``bench.harness.awscalls``) and a stopwatch
together; a ``Result`` is what ``World.measure`` keeps of an operation's runs. Argon2 work
is timed apart by ``TimedHasher``, a hasher with the service's exact parameters, so the
figures can show what a request costs besides the deliberate password hashing.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher

from bench.harness.awscalls import RECORDER, Call


@dataclass
class Timed:
    """The calls made inside a ``timed()`` block, its wall time and the part inside AWS calls."""

    calls: list[Call]
    seconds: float = 0.0
    in_calls: float = 0.0  # from botocore building each call's parameters to its parsed answer


@contextmanager
def timed() -> Iterator[Timed]:
    with RECORDER.window() as calls:
        timing = Timed(calls)
        before, started = RECORDER.call_seconds, time.perf_counter()
        try:
            yield timing
        finally:
            timing.seconds = time.perf_counter() - started
            timing.in_calls = RECORDER.call_seconds - before


def dynamodb(calls: tuple[Call, ...] | list[Call]) -> tuple[Call, ...]:
    return tuple(c for c in calls if c.service == "dynamodb")


def scans(calls: tuple[Call, ...] | list[Call]) -> int:
    return sum(1 for c in dynamodb(calls) if c.operation == "Scan")


@dataclass
class Result:
    """One operation, measured: the calls of a run and the latencies of every run."""

    key: str
    name: str
    calls: tuple[Call, ...]  # the calls of one measured run (the most common list)
    variants: int  # distinct call lists seen across runs (1 = deterministic)
    latencies: list[float]  # seconds, per measured run
    argon2_seconds: list[float]  # of which spent in argon2, per measured run
    argon2_ops: Counter[str] = field(default_factory=Counter)
    note: str = ""
    aws_seconds: list[float] = field(default_factory=list)  # inside AWS calls (botocore + moto), per run
    # items DynamoDB read per call (see ``Call.read``), per measured run that made ``calls``
    read_runs: list[tuple[int, ...]] = field(default_factory=list)
    runs: list[tuple[Call, ...]] = field(default_factory=list)  # every measured run's calls

    def items_read(self) -> list[tuple[int, int]]:
        """Per DynamoDB call of ``calls``: the fewest and most items it read across runs."""
        runs = self.read_runs or [tuple(c.read for c in self.dynamodb())]
        return [(min(column), max(column)) for column in zip(*runs, strict=True)]

    def dynamodb(self) -> list[Call]:
        return list(dynamodb(self.calls))

    def others(self) -> list[Call]:
        return [c for c in self.calls if c.service != "dynamodb"]

    def writes(self) -> list[Call]:
        """DynamoDB calls that write (PutItem, UpdateItem, DeleteItem, Batch/TransactWriteItems)."""
        return [c for c in self.dynamodb() if c.writes]

    def reads(self) -> list[Call]:
        return [c for c in self.dynamodb() if not c.writes]

    def p(self, q: int, *, net_of_argon2: bool = False, net_of_aws: bool = False) -> float:
        """The ``q``-th percentile in milliseconds (inclusive method)."""
        values = self.latencies
        if net_of_argon2:
            values = [t - a for t, a in zip(self.latencies, self.argon2_seconds, strict=True)]
        if net_of_aws:
            values = [t - a for t, a in zip(values, self.aws_seconds, strict=True)]
        if len(values) == 1:
            return values[0] * 1000
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


class TimedHasher(PasswordHasher):
    """The service's argon2id hasher (same parameters), counting and timing its work."""

    def __init__(self, real: PasswordHasher) -> None:
        super().__init__(
            time_cost=real.time_cost,
            memory_cost=real.memory_cost,
            parallelism=real.parallelism,
            hash_len=real.hash_len,
            salt_len=real.salt_len,
            type=real.type,
        )
        self.ops: Counter[str] = Counter()
        self.seconds = 0.0

    def reset(self) -> None:
        self.ops = Counter()
        self.seconds = 0.0

    @contextmanager
    def _timed(self, op: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.ops[op] += 1
            self.seconds += time.perf_counter() - started

    def hash(self, *args: Any, **kwargs: Any) -> str:
        with self._timed("hash"):
            return super().hash(*args, **kwargs)

    def verify(self, *args: Any, **kwargs: Any) -> Any:
        with self._timed("verify"):
            return super().verify(*args, **kwargs)
