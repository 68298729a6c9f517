"""moto's ``Query`` without its whole-table sort, for the cleanup at scale.

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
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

_original: Callable[..., Any] | None = None


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


def install() -> None:
    """Start moto's queries from the items that can match (idempotent)."""
    global _original
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
        if candidates is not None:
            self.all_items = lambda: candidates  # this call only; the class's method is back after
        try:
            return original(self, *args, **kwargs)
        finally:
            self.__dict__.pop("all_items", None)

    Table.query = query  # type: ignore[method-assign]
    _original = original


def uninstall() -> None:
    global _original
    if _original is None:
        return
    from moto.dynamodb.models.table import Table

    Table.query = _original  # type: ignore[method-assign]
    _original = None
