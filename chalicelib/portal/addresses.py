"""The address book: up to ``MAX_ADDRESSES``, one default billing and one default shipping.

The defaults and the count live on one item (``address#~book``) in the same partition, so
one ``Query`` lists everything, setting a default replaces the old one in a single write,
and the cap is a condition of the transaction that adds an address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import events
from chalicelib.identity import Customer, activity, current_customer
from chalicelib.kernel.errors import LimitReached
from chalicelib.kernel.security import AccessClaims
from chalicelib.kernel.transactions import Cancelled, Step, run_or_conflict, run_steps
from chalicelib.portal import store
from chalicelib.portal.common import item_id, missing, new_item, new_key, payload, stamped
from chalicelib.portal.models import PortalItem
from chalicelib.portal.schemas import AddressBookIn

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

MAX_ADDRESSES = 100
BOOK = "address#~book"


def _fields(data: AddressBookIn) -> dict[str, Any]:
    return data.model_dump(exclude_none=True, exclude={"default_billing", "default_shipping"})


def _view(item: PortalItem, book: PortalItem | None) -> dict[str, Any]:
    address_id = item_id(item)
    return {
        "address_id": address_id,
        **payload(item),
        "default_billing": bool(book and book.default_billing == address_id),
        "default_shipping": bool(book and book.default_shipping == address_id),
        **stamped(item),
    }


def listing(c: Container, claims: AccessClaims) -> dict[str, Any]:
    return listing_of(c, current_customer(c, claims).customer_id)


def listing_of(c: Container, customer_id: str) -> dict[str, Any]:
    """One ``Query``: every address and the book with the defaults."""
    items = store.items(customer_id, "address", limit=MAX_ADDRESSES + 1)
    book = next((i for i in items if i.item_key == BOOK), None)
    addresses = [_view(i, book) for i in items if i.item_key != BOOK]
    return {"addresses": addresses, "count": len(addresses), "limit": MAX_ADDRESSES}


def _book_actions(c: Container, address_id: str, data: AddressBookIn, delta: int) -> list[Action]:
    now = int(c.clock.now())
    actions: list[Action] = [
        PortalItem.updated_at.set(now),
        PortalItem.created_at.set(PortalItem.created_at | now),
    ]
    if delta:
        actions.append(PortalItem.size.set((PortalItem.size | 0) + delta))
    if data.default_billing:
        actions.append(PortalItem.default_billing.set(address_id))
    if data.default_shipping:
        actions.append(PortalItem.default_shipping.set(address_id))
    return actions


def _updated(c: Container, customer_id: str, address_id: str) -> tuple[str, Step]:
    return events.emit(c, events.CUSTOMER_UPDATED, customer_id, fields=["addresses"], address_id=address_id)


def add(c: Container, claims: AccessClaims, data: AddressBookIn) -> dict[str, Any]:
    return add_for(c, current_customer(c, claims), data, "customer")


def add_for(c: Container, customer: Customer, data: AddressBookIn, actor: str) -> dict[str, Any]:
    """Add an address to ``customer``'s book (the customer, or staff as ``actor``)."""
    item = new_item(c, customer.customer_id, new_key("address", "adr"), _fields(data))
    address_id = item_id(item)
    room = PortalItem.size.does_not_exist() | (PortalItem.size < MAX_ADDRESSES)
    book = PortalItem(customer.customer_id, BOOK)
    book_actions = _book_actions(c, address_id, data, +1)
    event = activity.event(c, customer.customer_id, "address_added", actor, address_id=address_id)
    steps: list[tuple[str, Step]] = [
        ("address", lambda tx: tx.save(item, condition=PortalItem.item_key.does_not_exist())),
        ("book", lambda tx: tx.update(book, actions=book_actions, condition=room)),
        activity.step(event),
        _updated(c, customer.customer_id, address_id),
    ]
    try:
        run_steps(steps)
    except Cancelled as e:
        raise LimitReached(f"The address book holds at most {MAX_ADDRESSES} addresses.") from e
    return _view(item, store.get(customer.customer_id, BOOK))


def first_address_steps(c: Container, customer_id: str, data: AddressBookIn) -> list[tuple[str, Step]]:
    """A new customer's first address (its default billing and shipping) and the book, as
    steps of the transaction that creates the customer (an import's row, whose
    ``account_created`` event stands for the address's too)."""
    data = data.model_copy(update={"default_billing": True, "default_shipping": True})
    item = new_item(c, customer_id, new_key("address", "adr"), _fields(data))
    address_id = item_id(item)
    book = PortalItem(customer_id, BOOK)
    book_actions = _book_actions(c, address_id, data, +1)
    return [
        ("address", lambda tx: tx.save(item, condition=PortalItem.item_key.does_not_exist())),
        ("book", lambda tx: tx.update(book, actions=book_actions)),
    ]


def change(c: Container, claims: AccessClaims, address_id: str, data: AddressBookIn) -> dict[str, Any]:
    return change_for(c, current_customer(c, claims), address_id, data, "customer")


def change_for(
    c: Container, customer: Customer, address_id: str, data: AddressBookIn, actor: str
) -> dict[str, Any]:
    """Replace one address of ``customer``'s book."""
    key = f"address#{address_id}"
    existing = None if address_id.startswith("~") else store.get(customer.customer_id, key)
    if existing is None:
        raise missing("address")
    item = new_item(c, customer.customer_id, key, _fields(data))
    item.created_at = existing.created_at
    book = PortalItem(customer.customer_id, BOOK)
    book_actions = _book_actions(c, address_id, data, 0)
    event = activity.event(c, customer.customer_id, "address_changed", actor, address_id=address_id)
    steps: list[tuple[str, Step]] = [
        ("address", lambda tx: tx.save(item, condition=PortalItem.item_key.exists())),
        ("book", lambda tx: tx.update(book, actions=book_actions)),
        activity.step(event),
        _updated(c, customer.customer_id, address_id),
    ]
    run_or_conflict(steps)
    return _view(item, store.get(customer.customer_id, BOOK))


def remove(c: Container, claims: AccessClaims, address_id: str) -> None:
    remove_for(c, current_customer(c, claims), address_id, "customer")


def remove_for(c: Container, customer: Customer, address_id: str, actor: str) -> None:
    """Remove one address from ``customer``'s book."""
    book_item = store.get(customer.customer_id, BOOK)
    if address_id.startswith("~") or book_item is None:
        raise missing("address")
    actions: list[Action] = [
        PortalItem.size.set(PortalItem.size - 1),
        PortalItem.updated_at.set(int(c.clock.now())),
    ]
    for attribute in (PortalItem.default_billing, PortalItem.default_shipping):
        if getattr(book_item, attribute.attr_name) == address_id:
            actions.append(attribute.remove())
    book = PortalItem(customer.customer_id, BOOK)
    target = PortalItem(customer.customer_id, f"address#{address_id}")
    event = activity.event(c, customer.customer_id, "address_removed", actor, address_id=address_id)
    steps: list[tuple[str, Step]] = [
        ("address", lambda tx: tx.delete(target, condition=PortalItem.item_key.exists())),
        ("book", lambda tx: tx.update(book, actions=actions, condition=PortalItem.size > 0)),
        activity.step(event),
        _updated(c, customer.customer_id, address_id),
    ]
    try:
        run_steps(steps)
    except Cancelled as e:
        raise missing("address") from e
