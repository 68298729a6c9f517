"""Reading the account activity (its items are written by the transactions they describe)."""

from __future__ import annotations

from chalicelib.identity.models import Activity
from chalicelib.kernel.cursors import Seal, decode, listed_page
from chalicelib.kernel.dynamo import translated

ACTIVITY_KEYS = frozenset({"customer_id", "at"})


@translated
def activity_page(
    customer_id: str, cursor: str | None, limit: int, sealed: Seal
) -> tuple[list[Activity], str | None]:
    """One page of a customer's activity, newest first."""
    start = decode(cursor, ACTIVITY_KEYS, sealed)
    query = Activity.query(customer_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    return listed_page(query, cursor, limit, sealed)


@translated
def all_activity(customer_id: str) -> list[Activity]:
    """Every event of a customer, newest first (erasure and export: a few hundred at most)."""
    return list(Activity.query(customer_id, scan_index_forward=False))
