"""moto's ``Query`` without its whole-table sort, for the cleanup at scale and the portal.

moto (5.x) answers every ``Query``, on the table or on an index, by listing the whole
table sorted by primary key (``Table.all_items``: a sort comparing ``DynamoType``
objects, which casts each value on every comparison), then keeping the items whose
hash key matches. On a 10,000-customer table that is ~50 ms per query, and the cleanup
makes hundreds: the figures would measure moto's sort. DynamoDB reads only the
partition asked for.

``install()`` wraps ``Table.query``: the original still does all the work (key
conditions, sort, limit, pages, projection, filters, ``ScannedCount``), but the items
it starts from are only those whose hash key can match: the partition for a table
query, and for an index query the items whose index hash key attributes are equal
strings (the service's index hash keys are all strings; any other query is left as
it is). The original sorts its results by the full key afterwards (``sorted_items``
for an index, the range key within a partition for the table), so the answer is the
same, item for item, in the same order. ``uninstall()`` restores moto.

``install(presort=True)`` (the portal's documents paging, where one partition holds
5,000 items) also hands moto those items already in the order it sorts them by, when
every key it sorts by is a string: moto's own sort then runs over sorted input, which
Python's sort checks in one pass (n - 1 comparisons of moto's values instead of
n log n). moto still sorts, compares, pages and counts; only the work shrinks.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

_original: Callable[..., Any] | None = None
_presort = False

#: what the report says of this patch, in its Method and caveats
CAVEAT = (
    "moto answers every `Query` by sorting the whole table by primary key, comparing moto's "
    "`DynamoType` values, cast anew on each comparison, then keeping the partition asked for: "
    "~50 ms a query on the 10,000-customer table, hundreds of queries per cleanup run. For the "
    "cleanup at scale and the customer portal only, `bench.harness.moto_queries` hands moto's "
    "query the items whose hash key can match (the partition, or the items whose index hash key "
    "is that string); moto still applies the key conditions, sorts the results by the full key, "
    "pages and counts them, so every answer is the same item for item. Other rows use stock moto "
    "queries."
)
PRESORT_CAVEAT = (
    "The customer portal part uses `bench.harness.moto_queries` too, with `presort=True`: the items "
    "handed to moto's query come already in the order moto sorts them by (when every sort key is a "
    "string), so moto's own sort checks them in one pass. moto still sorts, applies the key "
    "conditions and filters, pages and counts; the answers are the same. The portal rows are "
    "measured that way."
)


def _partition(table: Any, hash_key: Any) -> list[Any]:
    found = table.items.get(hash_key)
    if found is None:
        return []
    return list(found.values()) if table.range_key_attr else [found]


def _index_matches(
    table: Any, index_name: str, hash_key: Any, conditions: list[Any] | None
) -> list[Any] | None:
    pairs = list(conditions or [])
    if not pairs:
        index = {i.name: i for i in table.all_indexes()}.get(index_name)
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"] if index else []
        if hash_key is None or len(hashes) != 1:
            return None
        pairs = [(hashes[0], hash_key)]
    if any(value.type != "S" for _, value in pairs):
        return None  # equal numbers may be spelt differently: let moto compare them
    wanted = [(name, value.value) for name, value in pairs]
    candidates = []
    for stored in table.items.values():
        for item in stored.values() if table.range_key_attr else (stored,):
            attrs = item.attrs
            if all(
                (a := attrs.get(name)) is not None and a.type == "S" and a.value == v for name, v in wanted
            ):
                candidates.append(item)
    return candidates


def _sort_attributes(table: Any, index_name: str | None) -> list[str] | None:
    """The attributes moto sorts a query's items by (``Table.sorted_items``), in order."""
    if not index_name:
        return [table.range_key_attr] if table.range_key_attr else None
    index = {i.name: i for i in table.all_indexes()}.get(index_name)
    if index is None:
        return None
    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    if not ranges:
        return None  # moto then sorts by the table's keys: leave it its own way
    return [*hashes, *ranges, table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]


def _presorted(table: Any, index_name: str | None, candidates: list[Any]) -> list[Any]:
    """``candidates`` in moto's sort order, when every sort key is a string; else as they were."""
    names = _sort_attributes(table, index_name)
    if not names:
        return candidates
    keyed = []
    for item in candidates:
        values = []
        for name in names:
            value = item.attrs.get(name)
            if value is None or value.type != "S":
                return candidates
            values.append(value.value)
        keyed.append((tuple(values), item))
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]


def install(*, presort: bool = False) -> None:
    """Start moto's queries from the items that can match (idempotent)."""
    global _original, _presort
    _presort = presort
    if _original is not None:
        return
    from moto.dynamodb.models.table import Table

    original = Table.query
    signature = inspect.signature(original)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs).arguments
        hash_key, index_name = bound.get("hash_key"), bound.get("index_name")
        try:
            if index_name:
                candidates = _index_matches(self, index_name, hash_key, bound.get("hash_key_conditions"))
            else:
                candidates = _partition(self, hash_key) if hash_key is not None else None
        except (AttributeError, KeyError, TypeError):
            candidates = None  # an unusual shape: moto's own way
        if candidates is not None and _presort:
            with contextlib.suppress(AttributeError, KeyError, TypeError):  # moto sorts them anyway
                candidates = _presorted(self, index_name, candidates)
        if candidates is not None:
            self.all_items = lambda: candidates  # this call only; the class's method is back after
        try:
            return original(self, *args, **kwargs)
        finally:
            self.__dict__.pop("all_items", None)

    Table.query = query  # type: ignore[method-assign]
    _original = original


def uninstall() -> None:
    global _original, _presort
    _presort = False
    if _original is None:
        return
    from moto.dynamodb.models.table import Table

    Table.query = _original  # type: ignore[method-assign]
    _original = None
