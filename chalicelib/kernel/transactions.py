"""One helper for ``TransactWriteItems``: run it, and say which item's condition failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.kernel.dynamo import cancellation_codes, translated
from chalicelib.kernel.models import BaseTable, Token


class Cancelled(Exception):
    """The transaction was cancelled; ``failed`` holds the labels of failed conditions."""

    def __init__(self, failed: set[str]) -> None:
        super().__init__(", ".join(sorted(failed)))
        self.failed = failed


Step = Callable[[TransactWrite], None]


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

    ``outbox`` items (the mail feature's messages) are created, never overwritten.

    Raises ``Cancelled`` with the labels whose condition failed. Call it inside a
    ``@translated`` function so throttling becomes ``ServiceUnavailable``.
    """
    recorder: _Labelled | None = None
    try:
        # every table shares one botocore client: any model's connection serves the transaction
        with TransactWrite(connection=Token._get_connection().connection) as tx:
            recorder = _Labelled(tx)
            for label, step in steps:
                recorder.label = label
                step(recorder)  # type: ignore[arg-type]
            recorder.label = "outbox"
            for message in outbox:
                recorder.save(message, condition=type(message)._hash_key_attribute().does_not_exist())
    except TransactWriteError as e:
        labels = recorder.labels() if recorder else []
        codes = cancellation_codes(e)
        failed = {
            label for label, code in zip(labels, codes, strict=False) if code == "ConditionalCheckFailed"
        }
        if not failed:
            raise
        raise Cancelled(failed) from e


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
