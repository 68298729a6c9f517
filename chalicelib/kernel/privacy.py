"""The privacy registry: what each feature erases and exports of a customer (GDPR).

Every table declares the attributes holding personal data (``PERSONAL``) and the attribute
naming the customer an item belongs to (``CUSTOMER_KEY``) on its model. Each feature then
registers, for its tables, how a customer's items are erased (an ``Eraser``: delete or
scrub, idempotent, so a crashed erasure is finished by running it again), what is kept on
purpose and why (``kept``), or how items leave by themselves (``expires``, for tables with
no customer key), and how they are exported (an ``Exporter``). The privacy feature runs
every eraser in registration order and merges every exporter's sections; a unit test walks
every table and fails on one whose personal data or customer key nobody covers, so a new
feature cannot forget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.models import BaseTable

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


@dataclass(frozen=True)
class Subject:
    """Whom an erasure is for. Never the address: the erasure's record holds nothing personal,
    so a step resumed later knows the customer by id only."""

    customer_id: str
    namespace: str


Eraser = Callable[["Container", Subject], None]
Exporter = Callable[["Container", str], dict[str, Any]]


@dataclass(frozen=True)
class Handler:
    """One feature's part: its tables, and how their items of a customer are erased and exported."""

    name: str
    tables: tuple[type[BaseTable], ...]
    erase: Eraser | None = None
    export: Exporter | None = None
    kept: str | None = None  # items kept on purpose (e.g. invoices): why
    expires: str | None = None  # no customer key: how the items leave by themselves


_handlers: dict[str, Handler] = {}
_not_personal: dict[type[BaseTable], dict[str, str]] = {}


def register(
    name: str,
    *tables: type[BaseTable],
    erase: Eraser | None = None,
    export: Exporter | None = None,
    kept: str | None = None,
    expires: str | None = None,
) -> Handler:
    """Register a feature's part (once per name; registering again replaces it)."""
    if not tables:
        raise ValueError("a privacy handler names the tables it covers")
    handler = Handler(name, tables, erase, export, kept, expires)
    _handlers[name] = handler
    return handler


def not_personal(table: type[BaseTable], reason: str, *attributes: str) -> None:
    """Attributes whose names look personal but are not a customer's data (say why)."""
    _not_personal.setdefault(table, {}).update(dict.fromkeys(attributes, reason))


def handlers() -> list[Handler]:
    """Every registered part, in registration order (the order erasure runs them)."""
    return list(_handlers.values())


def covering(table: type[BaseTable]) -> list[Handler]:
    return [h for h in _handlers.values() if table in h.tables]


def exempt(table: type[BaseTable]) -> dict[str, str]:
    """The attributes of ``table`` declared not personal, with the reason."""
    return dict(_not_personal.get(table, {}))


# -- helpers for the features' erasers and exporters ----------------------------------------


@translated
def keys_by_customer(model: type[BaseTable], customer_id: str) -> list[BaseTable]:
    """The items (keys only) of a customer in a table with a ``by_customer`` index."""
    index = model.by_customer  # type: ignore[attr-defined]
    return list(index.query(customer_id))


@translated
def items_by_customer(model: type[BaseTable], customer_id: str) -> list[BaseTable]:
    """The whole items of a customer in a table with a ``by_customer`` index (exports)."""
    keys = [_key(item) for item in keys_by_customer(model, customer_id)]
    return list(model.batch_get(keys)) if keys else []


@translated
def delete_items(items: Iterable[BaseTable]) -> int:
    """Delete items by key, 25 to a ``BatchWriteItem``; deleting an absent item is no error."""
    count = 0
    for chunk in _chunks(list(items), 25):
        with type(chunk[0]).batch_write() as batch:
            for item in chunk:
                batch.delete(item)
        count += len(chunk)
    return count


@translated
def put_items(items: Iterable[BaseTable]) -> int:
    """Write items whole, 25 to a ``BatchWriteItem`` (scrubbed copies of immutable items)."""
    count = 0
    for chunk in _chunks(list(items), 25):
        with type(chunk[0]).batch_write() as batch:
            for item in chunk:
                batch.save(item)
        count += len(chunk)
    return count


def _key(item: BaseTable) -> Any:
    model = type(item)
    hash_key = getattr(item, str(model._hash_keyname))
    return (hash_key, getattr(item, model._range_keyname)) if model._range_keyname else hash_key


def _chunks(items: list[BaseTable], size: int) -> Iterator[list[BaseTable]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
