"""Count AWS API calls per service and operation, from botocore's own events.

``install()`` appends one handler to ``botocore.handlers.BUILTIN_HANDLERS``, which every
botocore session copies when it is created (moto hooks its in-process stubber the same
way). It must therefore run before the first session exists: ``bench.run`` calls it
before anything imports the app. The handler fires once per API call, before retries,
so a call that fails its condition still counts as the one round trip it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

EVENT = "before-parameter-build"


@dataclass(frozen=True)
class Call:
    service: str  # botocore service name: dynamodb, sesv2, secretsmanager
    operation: str  # GetItem, TransactWriteItems, SendEmail, ...
    items: int = 0  # items in a TransactWriteItems / TransactGetItems


class Recorder:
    """Every call the process makes (``everything``), and the calls of one open window."""

    def __init__(self) -> None:
        self.everything: Counter[tuple[str, str]] = Counter()
        self._window: list[Call] | None = None
        self.installed = False

    def on_call(self, model: Any = None, params: Any = None, **_: Any) -> None:
        service = model.service_model.service_name
        items = len(params.get("TransactItems", ())) if isinstance(params, dict) else 0
        call = Call(service, model.name, items)
        self.everything[(service, model.name)] += 1
        if self._window is not None:
            self._window.append(call)
        # None: a non-None answer from this event would replace the call's parameters.

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
        return sum(
            n for (s, op), n in self.everything.items() if s == service and operation in (None, op)
        )


RECORDER = Recorder()


def install() -> Recorder:
    """Hook every botocore session created from now on (idempotent)."""
    if not RECORDER.installed:
        from botocore import handlers

        handlers.BUILTIN_HANDLERS.append((EVENT, RECORDER.on_call))
        RECORDER.installed = True
    return RECORDER


def breakdown(calls: list[Call], service: str) -> Counter[str]:
    """``{"GetItem": 1, "TransactWriteItems[4]": 1}`` for one service's calls."""
    labels: Counter[str] = Counter()
    for call in calls:
        if call.service == service:
            labels[f"{call.operation}[{call.items}]" if call.items else call.operation] += 1
    return labels
