"""The back office's reads: notes, and the customer listings (one ``Query`` a page)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.condition import Condition

from chalicelib.backoffice.models import Note
from chalicelib.identity import Customer, SearchEntry
from chalicelib.kernel.cursors import Seal, decode, one_page, seal
from chalicelib.kernel.dynamo import translated

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

NOTE_KEYS = frozenset({"customer_id", "note_key"})
SEARCH_KEYS = frozenset({"scope", "term"})
CREATED_KEYS = frozenset({"customer_id", "namespace", "created_at"})
STATUS_KEYS = frozenset({"customer_id", "status", "created_at"})


@translated
def notes_page(
    customer_id: str, cursor: str | None, limit: int, sealed: Seal
) -> tuple[list[Note], str | None]:
    query = Note.query(
        customer_id,
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
        last_evaluated_key=decode(cursor, NOTE_KEYS, sealed),
    )
    return one_page(Note, query, cursor, sealed)


@translated
def all_notes(customer_id: str) -> list[Note]:
    """Every note of the customer, oldest first (GDPR erasure and export): one ``Query``."""
    return list(Note.query(customer_id))


@translated
def notes_count(customer_id: str) -> int:
    """A ``Query`` of the customer's notes, their keys only (a page per 1 MB)."""
    return sum(1 for _ in Note.query(customer_id, attributes_to_get=["note_key"]))


@translated
def search_page(
    scope: str, prefix: str, created: tuple[int, int] | None, limit: int, cursor: str | None, sealed: Seal
) -> tuple[list[SearchEntry], str | None]:
    """One ``Query`` of at most ``limit`` search keys starting with ``prefix``."""
    query = SearchEntry.query(
        scope,
        SearchEntry.term.startswith(prefix),
        filter_condition=SearchEntry.created_at.between(*created) if created else None,
        limit=limit,
        page_size=limit,
        last_evaluated_key=decode(cursor, SEARCH_KEYS, sealed),
    )
    return one_page(SearchEntry, query, cursor, sealed)


@translated
def customers(ids: Sequence[str]) -> dict[str, Customer]:
    """One ``BatchGetItem`` (pynamodb retries what DynamoDB leaves unprocessed)."""
    if not ids:
        return {}
    return {c.customer_id: c for c in Customer.batch_get(list(dict.fromkeys(ids)), consistent_read=True)}


@translated
def listing_page(
    namespace: str,
    status: str | None,
    created: tuple[int, int],
    limit: int,
    cursor: str | None,
    sealed: Seal,
) -> tuple[list[Customer], str | None]:
    """One ``Query`` on ``by_status`` or ``by_created``, newest first, at most ``limit`` read."""
    index: Any
    filters: Condition | None = None
    if status is None:
        index, hash_key, keys = Customer.by_created, namespace, CREATED_KEYS
    else:
        index, hash_key, keys = Customer.by_status, status, STATUS_KEYS
        filters = Customer.namespace == namespace  # a pool's table: this namespace only
    query = index.query(
        hash_key,
        Customer.created_at.between(*created),
        filter_condition=filters,
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
        last_evaluated_key=decode(cursor, keys, sealed),
    )
    return one_page(Customer, query, cursor, sealed)


def backfill_seal(c: Container) -> Seal:
    return seal(c, "backfill", c.settings.account_namespace)


@translated
def customers_estimate() -> int:
    """DynamoDB's item count of the customers table (refreshed about every 6 hours)."""
    return int(Customer.describe_table().get("ItemCount", 0))
