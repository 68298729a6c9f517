"""Count AWS API calls per service and operation, from botocore's own events.

``install()`` appends one handler to ``botocore.handlers.BUILTIN_HANDLERS``, which every
botocore session copies when it is created (moto hooks its in-process stubber the same
way). It must therefore run before the first session exists: ``bench.run`` calls it
before anything imports the app. The handler fires once per API call, before retries,
so a call that fails its condition still counts as the one round trip it is. The time
from one event to the other (botocore's own work and, here, moto's) adds up in
``Recorder.call_seconds``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

EVENT = "before-parameter-build"  # once per API call, with the call's own parameters
RESULT_EVENT = "after-call"  # once per API call, with the parsed answer (errors included)
#: DynamoDB operations that write; every other one this service uses reads
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


@dataclass(frozen=True)
class Call:
    service: str  # botocore service name: dynamodb, sesv2, secretsmanager
    operation: str  # GetItem, TransactWriteItems, SendEmail, ...
    items: int = 0  # items in a TransactWriteItems / TransactGetItems
    error: str = ""  # the error code AWS answered, if any (a failed condition, ...)
    # Not part of a call's identity (two runs that read different numbers of items made
    # the same calls): items DynamoDB read to answer (a Query's ScannedCount, 1 for a
    # GetItem that found its item, a BatchGetItem's items), and the put or delete
    # requests a BatchWriteItem carried.
    read: int = field(default=0, compare=False)
    batch_puts: int = field(default=0, compare=False)
    batch_deletes: int = field(default=0, compare=False)
    table: str = field(default="", compare=False)  # the table a single-table call names
    # on-demand request units, from item sizes (``bench.harness.capacity``)
    read_units: float = field(default=0.0, compare=False)
    write_units: float = field(default=0.0, compare=False)

    @property
    def writes(self) -> bool:
        return self.service == "dynamodb" and self.operation in WRITE_OPERATIONS

    @property
    def label(self) -> str:
        label = f"{self.operation}[{self.items}]" if self.items else self.operation
        return f"{label}✗" if self.error else label


class Recorder:
    """Every call the process makes (``everything``), and the calls of one open window."""

    def __init__(self) -> None:
        self.everything: Counter[tuple[str, str]] = Counter()
        self._window: list[Call] | None = None
        self.installed = False
        self.call_seconds = 0.0  # inside AWS calls, from parameter building to the parsed answer
        self._started: float | None = None
        self._pending: Any = None  # the DynamoDB call in flight, for its request units

    def on_call(self, model: Any = None, params: Any = None, **_: Any) -> None:
        service = model.service_model.service_name
        items = len(params.get("TransactItems", ())) if isinstance(params, dict) else 0
        puts = deletes = 0
        if isinstance(params, dict) and model.name == "BatchWriteItem":
            for requests in params.get("RequestItems", {}).values():
                puts += sum(1 for r in requests if "PutRequest" in r)
                deletes += sum(1 for r in requests if "DeleteRequest" in r)
        table = str(params.get("TableName", "")) if isinstance(params, dict) else ""
        call = Call(service, model.name, items, batch_puts=puts, batch_deletes=deletes, table=table)
        self.everything[(service, model.name)] += 1
        if self._window is not None:
            self._window.append(call)
            if service == "dynamodb" and isinstance(params, dict):
                from bench.harness import capacity

                self._pending = capacity.before(model.name, params)
        self._started = time.perf_counter()
        # None: a non-None answer from this event would replace the call's parameters.

    def on_result(self, parsed: Any = None, **_: Any) -> None:
        if self._started is not None:
            self.call_seconds += time.perf_counter() - self._started
            self._started = None
        if not self._window or not isinstance(parsed, dict):
            return
        pending, self._pending = self._pending, None
        error = parsed.get("Error")
        if error:
            self._window[-1] = replace(self._window[-1], error=str(error.get("Code", "?")))
        elif self._window[-1].service == "dynamodb":
            self._window[-1] = replace(self._window[-1], read=items_read(parsed))
        if pending is not None and self._window[-1].service == "dynamodb":
            from bench.harness import capacity

            units = capacity.after(pending, parsed)
            self._window[-1] = replace(self._window[-1], read_units=units.read, write_units=units.write)

    @contextmanager
    def window(self) -> Iterator[list[Call]]:
        """Collect the calls made inside the ``with`` block."""
        calls: list[Call] = []
        self._window = calls
        try:
            yield calls
        finally:
            self._window = None

    def count(self, service: str, operation: str | None = None) -> int:
        return sum(n for (s, op), n in self.everything.items() if s == service and operation in (None, op))


def items_read(parsed: dict[str, Any]) -> int:
    """Items DynamoDB read to answer a call (before any filter), from its parsed answer."""
    if "ScannedCount" in parsed:  # Query, Scan
        return int(parsed["ScannedCount"])
    if "Item" in parsed:  # GetItem that found its item
        return 1
    responses = parsed.get("Responses")
    if isinstance(responses, dict):  # BatchGetItem
        return sum(len(found) for found in responses.values())
    if isinstance(responses, list):  # TransactGetItems
        return sum(1 for found in responses if found.get("Item"))
    return 0


RECORDER = Recorder()


def install() -> Recorder:
    """Hook every botocore session created from now on (idempotent)."""
    if not RECORDER.installed:
        from botocore import handlers

        handlers.BUILTIN_HANDLERS.append((EVENT, RECORDER.on_call))
        handlers.BUILTIN_HANDLERS.append((RESULT_EVENT, RECORDER.on_result))
        RECORDER.installed = True
    return RECORDER


def sequence(calls: list[Call], service: str | None = None) -> str:
    """One service's calls in order, repeats folded: ``GetItem → 2x UpdateItem``."""
    labels = [c.label if service else f"{c.service}:{c.label}" for c in calls if service in (None, c.service)]
    folded: list[str] = []
    count = 0
    for i, label in enumerate(labels):
        count += 1
        if i + 1 == len(labels) or labels[i + 1] != label:
            folded.append(f"{count}x {label}" if count > 1 else label)
            count = 0
    return " → ".join(folded)
