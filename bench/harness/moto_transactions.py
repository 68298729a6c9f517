"""moto's ``TransactWriteItems`` without its whole-table copies.

moto (5.x) backs up every table a transaction touches with ``copy.deepcopy(table)``
before applying it, once per item, so one transaction costs time in proportion to
everything stored so far, outbox stream records included. DynamoDB has no such cost.
With a few thousand invitation rows, customers and outbox messages in the tables, one
8-item transaction took ~0.2 s in moto; the bulk-invitation figures would measure
that copy instead of the service.

``install()`` wraps ``DynamoDBBackend.transact_write_items``: the original still does
all the work (conditions, writes, cancellation reasons), but its backup copies are
replaced by a snapshot of only the items the transaction names (deep copies of those
items, ``None`` where absent) and the length of the table's stream shard. On any
failure the original would roll back, and the snapshot puts exactly those items and
the stream back, which is all a transaction can change. ``uninstall()`` restores moto.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

_original: Callable[..., None] | None = None
_local = threading.local()

#: what the report says of this patch, in its Method and caveats
CAVEAT = (
    "moto backs up every table a `TransactWriteItems` touches with a deep copy before applying "
    "it, so in stock moto one transaction costs time in proportion to everything stored (about "
    "0.2-0.35 s per invitation row once the bulk runs have filled the tables). "
    "`bench.harness.moto_transactions` replaces those copies with snapshots of only the items the "
    "transaction names, restored the same way on cancellation; conditions, writes and "
    "cancellation reasons are still moto's own. All rows are measured with it."
)


class _NoTableCopies:
    """Stands in for the ``copy`` module inside ``moto.dynamodb.models`` during a transaction."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(obj: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(obj, Table) and getattr(_local, "active", False):
            return obj  # the original's rollback then puts the same table back: a no-op
        return copy.deepcopy(obj, memo)


def _key(table: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    source = op["Item"] if op_type == "Put" else op["Key"]
    hash_value = DynamoType(source[table.hash_key_attr])
    range_value = DynamoType(source[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _snapshot(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    saved: list[tuple[Any, ...]] = []
    seen: set[tuple[int, Any, Any]] = set()
    for entry in transact_items:
        if len(entry) != 1:
            continue  # the original refuses it before writing anything
        op_type, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        if table is None:
            continue
        try:
            hash_value, range_value = _key(table, op_type, op)
        except (KeyError, TypeError, AttributeError):
            continue  # a malformed key: the original fails it before writing
        if (id(table), hash_value, range_value) in seen:
            continue
        seen.add((id(table), hash_value, range_value))
        had_hash = hash_value in table.items
        current = table.items.get(hash_value)
        if range_value is not None:
            current = (current or {}).get(range_value)
        shard = table.stream_shard
        stream_len = len(shard.items) if shard is not None else 0
        saved.append((table, hash_value, range_value, copy.deepcopy(current), had_hash, stream_len))
    return saved


def _restore(saved: list[tuple[Any, ...]]) -> None:
    for table, hash_value, range_value, item, had_hash, stream_len in reversed(saved):
        if range_value is not None:
            inner = table.items[hash_value]
            if item is None:
                inner.pop(range_value, None)
            else:
                inner[range_value] = item
            if not inner and not had_hash:
                table.items.pop(hash_value, None)
        elif item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
        if table.stream_shard is not None:
            del table.stream_shard.items[stream_len:]


def install() -> None:
    """Replace moto's whole-table backups with per-item snapshots (idempotent)."""
    global _original
    if _original is not None:
        return
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items
    setattr(models, "copy", _NoTableCopies())  # noqa: B010  # the module's own name for ``copy``

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _snapshot(self, transact_items) if len(transact_items) <= 100 else []
        _local.active = True
        try:
            original(self, transact_items)
        except BaseException:
            _restore(saved)
            raise
        finally:
            _local.active = False

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _original = original


def uninstall() -> None:
    global _original
    if _original is None:
        return
    from moto.dynamodb import models

    models.DynamoDBBackend.transact_write_items = _original  # type: ignore[method-assign]
    setattr(models, "copy", copy)  # noqa: B010
    _original = None
