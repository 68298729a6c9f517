"""Back-fill: give every customer made before references its reference and search keys.

Reads the namespace's customers a page at a time through ``by_created`` (a ``Query``, never
a scan); each customer without a reference gets one transaction (its reference, with
``attribute_not_exists``, and its search keys), so a second run, or a run beside live
traffic, changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib import identity
from chalicelib.backoffice import store
from chalicelib.kernel.transactions import Cancelled, run_steps

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PAGE = 100


def backfill_references(c: Container, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """``progress(n)`` after each page (n customers read in it)."""
    report = {"read": 0, "assigned": 0}
    cursor: str | None = None
    sealed = store.backfill_seal(c)
    while True:
        page, cursor = store.listing_page(
            c.settings.account_namespace, None, (0, 99_999_999_999), PAGE, cursor, sealed
        )
        for listed in page:
            report["read"] += 1
            if listed.reference:
                continue
            customer = identity.get_customer(listed.customer_id)
            if customer is None or customer.reference:
                continue
            try:
                run_steps(identity.reference_steps(c, customer))
            except Cancelled:
                continue  # given one meanwhile
            report["assigned"] += 1
        if progress is not None and page:
            progress(len(page))
        if cursor is None:
            return report


def estimate() -> int:
    """About how many customers the table holds (for a progress bar's total)."""
    return store.customers_estimate()
