"""One helper for ``TransactWriteItems``: run it, and say which item's condition failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.kernel.budgets import Charge
from chalicelib.kernel.dynamo import cancellation_codes, translated
from chalicelib.kernel.models import BaseTable, Token
from chalicelib.kernel.observability import logger, metric


class Cancelled(Exception):
    """The transaction was cancelled; ``failed`` holds the labels of failed conditions."""

    def __init__(self, failed: set[str]) -> None:
        super().__init__(", ".join(sorted(failed)))
        self.failed = failed


Step = Callable[[TransactWrite], None]
BUDGET = "budget#"  # label prefix of the budget counters charged by outbox items


class _Labelled:
    """Stands in for the ``TransactWrite`` a step writes to, noting each item's label.

    pynamodb sends condition checks, then deletes, then puts, then updates, whatever
    order the steps ran in; DynamoDB's cancellation reasons follow the order sent.
    """

    ORDER = ("condition_check", "delete", "save", "update")

    def __init__(self, tx: TransactWrite) -> None:
        self.tx = tx
        self.label = ""
        self.items: dict[str, list[str]] = {kind: [] for kind in self.ORDER}

    def __getattr__(self, kind: str) -> Any:
        if kind not in self.ORDER:
            raise AttributeError(kind)
        self.items[kind].append(self.label)
        return getattr(self.tx, kind)

    def labels(self) -> list[str]:
        return [label for kind in self.ORDER for label in self.items[kind]]


def run(steps: Sequence[tuple[str, Step]], outbox: Sequence[BaseTable] = ()) -> None:
    """Apply labelled steps and outbox items in one transaction (all or nothing).

    ``outbox`` items (the mail feature's messages) are created, never overwritten. An item
    may carry a ``charge`` on its recipient's budget (``mail.compose`` sets it): the budget's
    counter is one more item of the transaction, so a change that does not commit spends
    nothing. An item whose budget is spent is dropped silently: nothing of the change is
    written (a change whose other parts must stand writes its email in a task of its own),
    and its items are told (``drop()``), so the caller sends nothing for them.

    Raises ``Cancelled`` with the labels whose condition failed. Call it inside a
    ``@translated`` function so throttling becomes ``ServiceUnavailable``.
    """
    try:
        _write(steps, outbox)
    except Cancelled as e:
        over = {label for label in e.failed if label.startswith(BUDGET)}
        if not over:
            raise
        if e.failed - over:  # another condition failed too: that is the caller's answer
            raise Cancelled(e.failed - over) from e
        spent = {i for i in range(len(outbox)) if f"{BUDGET}{i}" in over}
        metric("EmailsOverBudget", len(spent))
        kinds = sorted(charge.budget.kind for i in spent if (charge := _charge(outbox[i])))
        logger.info("emails over budget dropped", extra={"kinds": kinds})
        for message in outbox:
            _drop(message)


def _charge(message: BaseTable) -> Charge | None:
    """The budget an outbox item charges (``mail.compose`` sets it), if any."""
    charge: Charge | None = getattr(message, "charge", None)
    return charge


def _drop(message: BaseTable) -> None:
    """Tell an outbox item it was not written, so nothing sends it."""
    drop = getattr(message, "drop", None)
    if drop is not None:
        drop()


def _write(steps: Sequence[tuple[str, Step]], outbox: Sequence[BaseTable]) -> None:
    recorder: _Labelled | None = None
    try:
        # every table shares one botocore client: any model's connection serves the transaction
        with TransactWrite(connection=Token._get_connection().connection) as tx:
            recorder = _Labelled(tx)
            for label, step in steps:
                recorder.label = label
                step(recorder)  # type: ignore[arg-type]
            for i, message in enumerate(outbox):
                recorder.label = "outbox"
                recorder.save(message, condition=type(message)._hash_key_attribute().does_not_exist())
                charge = _charge(message)
                if charge is not None:
                    recorder.label = f"{BUDGET}{i}"
                    charge.step(recorder)  # type: ignore[arg-type]
    except TransactWriteError as e:
        labels = recorder.labels() if recorder else []
        codes = cancellation_codes(e)
        failed = {
            label for label, code in zip(labels, codes, strict=False) if code == "ConditionalCheckFailed"
        }
        if not failed:
            raise
        raise Cancelled(failed) from e


def run_with_optional(required: Sequence[tuple[str, Step]], optional: Sequence[tuple[str, Step]]) -> None:
    """``run`` of ``required`` and ``optional`` steps in one transaction; when only optional
    steps' conditions failed (e.g. a link a concurrent request wrote first), ``required``
    alone. ``Cancelled`` when a required step's condition failed."""
    try:
        run([*required, *optional])
    except Cancelled as e:
        if not optional or e.failed & {label for label, _ in required}:
            raise
        run(required)


@translated
def run_steps(steps: Sequence[tuple[str, Step]], outbox: Sequence[BaseTable] = ()) -> None:
    """``run`` for services: throttling is ``ServiceUnavailable``; the caller reads ``Cancelled``."""
    run(steps, outbox)


def run_or_conflict(steps: Sequence[tuple[str, Step]], outbox: Sequence[BaseTable] = ()) -> None:
    """``run_steps``, where any failed condition means the records changed meanwhile (409)."""
    from chalicelib.kernel.errors import StaleWrite

    try:
        run_steps(steps, outbox)
    except Cancelled as e:
        raise StaleWrite() from e
