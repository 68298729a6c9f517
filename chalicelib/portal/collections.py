"""Wishlist (every account) and, on B2B websites (``B2B_LISTS``), shopping lists and saved
carts: named lists of product lines that turn into cart lines for the storefront."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.identity import current_customer
from chalicelib.kernel.errors import B2BOnly, LimitReached, ValidationFailed
from chalicelib.kernel.security import AccessClaims
from chalicelib.portal import store
from chalicelib.portal.common import item_id, missing, new_item, new_key, payload, stamped
from chalicelib.portal.models import PortalItem
from chalicelib.portal.schemas import ListIn, ListLineIn, WishIn

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

MAX_WISHES = 500
MAX_LISTS = 100
MAX_LINES = 200


# -- wishlist -----------------------------------------------------------------------------


def wishlist(c: Container, claims: AccessClaims) -> dict[str, Any]:
    customer = current_customer(c, claims)
    items = store.items(customer.customer_id, "wish", limit=MAX_WISHES)
    return {"products": [{"product_id": item_id(i), **payload(i), **stamped(i)} for i in items]}


def wish(c: Container, claims: AccessClaims, product_id: str, data: WishIn) -> dict[str, Any]:
    """Add a product (adding it again only updates its note)."""
    customer = current_customer(c, claims)
    key = f"wish#{_product(product_id)}"
    existing = store.get(customer.customer_id, key)
    if existing is None and len(store.items(customer.customer_id, "wish", limit=MAX_WISHES)) >= MAX_WISHES:
        raise LimitReached(f"A wishlist holds at most {MAX_WISHES} products.")
    item = new_item(c, customer.customer_id, key, data.model_dump(exclude_none=True))
    if existing is not None:
        item.created_at = existing.created_at
    store.put(item)
    return {"product_id": product_id, **payload(item), **stamped(item)}


def unwish(c: Container, claims: AccessClaims, product_id: str) -> None:
    customer = current_customer(c, claims)
    if not store.delete(customer.customer_id, f"wish#{_product(product_id)}"):
        raise missing("product in the wishlist")


def _product(product_id: str) -> str:
    if not product_id or len(product_id) > 100 or not all(ch.isalnum() or ch in "_-:." for ch in product_id):
        raise ValidationFailed(
            "A product id is 1-100 characters of A-Z a-z 0-9 _ - : .", fields={"product_id": "pattern"}
        )
    return product_id


# -- shopping lists and saved carts (B2B) --------------------------------------------------


def _b2b(c: Container) -> None:
    if not c.settings.B2B_LISTS:
        raise B2BOnly()


def _list_view(item: PortalItem) -> dict[str, Any]:
    return {"list_id": item_id(item), **payload(item), **stamped(item)}


def lists(c: Container, claims: AccessClaims, kind: str | None) -> dict[str, Any]:
    _b2b(c)
    if kind not in (None, "list", "cart"):
        raise ValidationFailed("kind is list or cart.", fields={"kind": "choice"})
    customer = current_customer(c, claims)
    items = [_list_view(i) for i in store.items(customer.customer_id, "list", limit=MAX_LISTS)]
    return {"lists": [i for i in items if kind is None or i["kind"] == kind]}


def get_list(c: Container, claims: AccessClaims, list_id: str) -> dict[str, Any]:
    _b2b(c)
    return _list_view(_own_list(current_customer(c, claims).customer_id, list_id))


def _own_list(customer_id: str, list_id: str) -> PortalItem:
    item = store.get(customer_id, f"list#{list_id}")
    if item is None:
        raise missing("list")
    return item


def create_list(c: Container, claims: AccessClaims, data: ListIn) -> dict[str, Any]:
    _b2b(c)
    customer = current_customer(c, claims)
    if len(store.items(customer.customer_id, "list", limit=MAX_LISTS)) >= MAX_LISTS:
        raise LimitReached(f"At most {MAX_LISTS} lists and saved carts.")
    lines: list[dict[str, Any]] = []
    for line in data.lines:  # the same product twice is one line with both quantities
        same = next((x for x in lines if x["product_id"] == line.product_id), None)
        if same is None:
            lines.append(line.model_dump(exclude_none=True))
        else:
            same["quantity"] += line.quantity
    item = new_item(
        c,
        customer.customer_id,
        new_key("list", "lst"),
        {"name": data.name, "kind": data.kind, "lines": lines},
    )
    store.put(item, new=True)
    return _list_view(item)


def _save(c: Container, item: PortalItem, data: dict[str, Any]) -> dict[str, Any]:
    """Write the list back only if nobody changed or deleted it since it was read."""
    updated = new_item(c, item.customer_id, item.item_key, data)
    updated.created_at = item.created_at
    if updated.updated_at == item.updated_at:
        updated.updated_at = int(item.updated_at) + 1  # keep the version moving
    store.replace(updated, unchanged_since=int(item.updated_at))
    return _list_view(updated)


def rename_list(c: Container, claims: AccessClaims, list_id: str, name: str) -> dict[str, Any]:
    _b2b(c)
    customer = current_customer(c, claims)
    item = _own_list(customer.customer_id, list_id)
    return _save(c, item, {**payload(item), "name": name})


def delete_list(c: Container, claims: AccessClaims, list_id: str) -> None:
    _b2b(c)
    customer = current_customer(c, claims)
    if not store.delete(customer.customer_id, f"list#{list_id}"):
        raise missing("list")


def add_line(c: Container, claims: AccessClaims, list_id: str, line: ListLineIn) -> dict[str, Any]:
    """Add a product line; a product already on the list gets the quantities added up."""
    _b2b(c)
    customer = current_customer(c, claims)
    item = _own_list(customer.customer_id, list_id)
    data = payload(item)
    lines = data.get("lines", [])
    for existing in lines:
        if existing["product_id"] == line.product_id:
            existing["quantity"] += line.quantity
            break
    else:
        if len(lines) >= MAX_LINES:
            raise LimitReached(f"A list holds at most {MAX_LINES} lines.")
        lines.append(line.model_dump(exclude_none=True))
    return _save(c, item, {**data, "lines": lines})


def remove_line(c: Container, claims: AccessClaims, list_id: str, product_id: str) -> dict[str, Any]:
    _b2b(c)
    customer = current_customer(c, claims)
    item = _own_list(customer.customer_id, list_id)
    data = payload(item)
    kept = [line for line in data.get("lines", []) if line["product_id"] != product_id]
    if len(kept) == len(data.get("lines", [])):
        raise missing("line")
    return _save(c, item, {**data, "lines": kept})


def to_cart(c: Container, claims: AccessClaims, list_id: str) -> dict[str, Any]:
    """The list's lines as cart lines for the storefront (the list itself stays)."""
    _b2b(c)
    item = _own_list(current_customer(c, claims).customer_id, list_id)
    lines = [
        {"product_id": ln["product_id"], "quantity": ln["quantity"]} for ln in payload(item).get("lines", [])
    ]
    return {"lines": lines}
