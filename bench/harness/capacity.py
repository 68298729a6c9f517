"""DynamoDB request units of one call, as on-demand DynamoDB bills them, from item sizes.

moto answers every call but its ``ConsumedCapacity`` is a constant, so the units are worked
out here from the items themselves, read from moto's in-process backend (the bench runs
moto in-process): a write costs 1 write request unit per started KB of the larger of the
item before and after it (2 in a transaction), plus one per global secondary index the item
is in; a read costs 1 read request unit per started 4 KB of the item (half for an
eventually consistent read, 2 in a transaction), a ``Query`` per started 4 KB of all the
items it read, and a miss still costs its minimum. ``before`` runs when botocore builds the
call (the item as it was), ``after`` with the parsed answer (the item as it is).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from typing import Any

KB = 1024
READ_BLOCK = 4 * KB
ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"  # the bench's (bench.harness.world)


@dataclass
class Pending:
    """What ``before`` saw of a call: its operation, parameters and the items' sizes then."""

    operation: str
    params: dict[str, Any]
    items_before: list[dict[str, Any] | None] = field(default_factory=list)


@dataclass(frozen=True)
class Units:
    read: float = 0.0
    write: float = 0.0


def value_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value in its JSON form (``{"S": "..."}``)."""
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "N":
        return len(str(data))
    if kind == "B":
        return len(data) if isinstance(data, bytes) else len(base64.b64decode(data))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        member = kind[0]
        return sum(value_size({member: v}) for v in data)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + 1 + value_size(v) for k, v in data.items())
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def _backend(region: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT_ID][region]


def _table(region: str, name: str) -> Any:
    try:
        return _backend(region).get_table(name)
    except Exception:  # not a moto table of this process (e.g. another backend): sized from the call
        return None


def _stored_size(region: str, table_name: str, key: dict[str, Any]) -> int:
    return item_size(_stored_item(region, table_name, key))


def _key_of(table: Any, item: dict[str, Any]) -> dict[str, Any]:
    names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    return {name: item[name] for name in names}


def _indexes_holding(region: str, table_name: str, item: dict[str, Any] | None) -> int:
    """Global secondary indexes whose keys the item has (each is one more write)."""
    table = _table(region, table_name)
    if table is None or not item:
        return 0
    return sum(1 for index in table.global_indexes if all(k in item for k in index.schema_key_attrs))


def _stored_item(region: str, table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    table = _table(region, table_name)
    if table is None:
        return None
    try:
        found = _backend(region).get_item(table_name, _key_of(table, key))
    except Exception:
        return None
    if found is None:
        return None
    attributes: dict[str, Any] = found.to_json()["Attributes"]
    return attributes


def _writes(params: dict[str, Any], operation: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, table, key-or-item) of every item a write call touches."""
    if operation == "PutItem":
        return [("Put", params["TableName"], params["Item"])]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(operation[:-4], params["TableName"], params["Key"])]
    if operation == "BatchWriteItem":
        found = []
        for table, requests in params.get("RequestItems", {}).items():
            for r in requests:
                if "PutRequest" in r:
                    found.append(("Put", table, r["PutRequest"]["Item"]))
                else:
                    found.append(("Delete", table, r["DeleteRequest"]["Key"]))
        return found
    if operation == "TransactWriteItems":
        found = []
        for entry in params.get("TransactItems", []):
            kind, body = next(iter(entry.items()))
            found.append((kind, body["TableName"], body.get("Item") or body["Key"]))
        return found
    return []


def before(operation: str, params: dict[str, Any], region: str = REGION) -> Pending:
    pending = Pending(operation, params)
    for _, table, key in _writes(params, operation):
        pending.items_before.append(_stored_item(region, table, key))
    return pending


def after(pending: Pending, parsed: dict[str, Any], region: str = REGION) -> Units:
    operation, params = pending.operation, pending.params
    writes = _writes(params, operation)
    if writes:
        factor = 2 if operation == "TransactWriteItems" else 1
        units = 0.0
        for (kind, table, key), then in zip(writes, pending.items_before, strict=True):
            now = _stored_item(region, table, key)
            size = max(item_size(then), item_size(now), item_size(key) if kind == "Put" else 0)
            units += factor * max(1, math.ceil(size / KB))
            units += _indexes_holding(region, table, now or then)
        return Units(write=units)
    return Units(read=_read_units(operation, params, parsed, region))


def _read_units(operation: str, params: dict[str, Any], parsed: dict[str, Any], region: str) -> float:
    half = 1.0 if params.get("ConsistentRead") else 0.5
    if operation == "GetItem":
        size = _stored_size(region, params["TableName"], params["Key"])
        return half * max(1, math.ceil(size / READ_BLOCK))
    if operation == "Query":
        items = parsed.get("Items", [])
        returned = sum(item_size(i) for i in items)
        scanned, count = int(parsed.get("ScannedCount", 0)), max(int(parsed.get("Count", 0)), 1)
        size = returned * max(scanned, count) / count if items else 0
        return half * max(1, math.ceil(size / READ_BLOCK))
    if operation == "BatchGetItem":
        total = 0.0
        for table, request in params.get("RequestItems", {}).items():
            strong = 1.0 if request.get("ConsistentRead") else 0.5
            for key in request.get("Keys", []):
                total += strong * max(1, math.ceil(_stored_size(region, table, key) / READ_BLOCK))
        return total
    if operation == "TransactGetItems":
        total = 0.0
        for entry in params.get("TransactItems", []):
            body = entry["Get"]
            total += 2 * max(1, math.ceil(_stored_size(region, body["TableName"], body["Key"]) / READ_BLOCK))
        return total
    return 0.0
