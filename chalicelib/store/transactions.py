"""One helper for ``TransactWriteItems``: run it, and say which item's condition failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.models import Customer, OutboxMessage
from chalicelib.store import cancellation_codes


class Cancelled(Exception):
    """The transaction was cancelled; ``failed`` holds the labels of failed conditions."""

    def __init__(self, failed: set[str]) -> None:
        super().__init__(", ".join(sorted(failed)))
        self.failed = failed


Step = Callable[[TransactWrite], None]


def run(steps: Sequence[tuple[str, Step]], outbox: Sequence[OutboxMessage] = ()) -> None:
    """Apply labelled steps and outbox items in one transaction (all or nothing).

    Raises ``Cancelled`` with the labels whose condition failed. Call it inside a
    ``@translated`` function so throttling becomes ``ServiceUnavailable``.
    """
    labels = [label for label, _ in steps] + ["outbox"] * len(outbox)
    try:
        with TransactWrite(connection=Customer._get_connection().connection) as tx:
            for _, step in steps:
                step(tx)
            for message in outbox:
                tx.save(message, condition=OutboxMessage.message_id.does_not_exist())
    except TransactWriteError as e:
        codes = cancellation_codes(e)
        failed = {
            label for label, code in zip(labels, codes, strict=False) if code == "ConditionalCheckFailed"
        }
        if not failed:
            raise
        raise Cancelled(failed) from e
