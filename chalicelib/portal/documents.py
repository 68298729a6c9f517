"""The customer's documents: newest first, filtered by type, status and date, a page at a
time; only the types the website shows (``DOCUMENT_TYPES``); reorder from an order."""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any

from chalicelib.checkout import Document
from chalicelib.identity import current_customer
from chalicelib.kernel.clock import iso
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import ValidationFailed
from chalicelib.kernel.security import AccessClaims
from chalicelib.portal import documents_store as store
from chalicelib.portal.common import missing

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PAGE, MAX_PAGE = 20, 50
ALL_TYPES = ("quotation", "order", "invoice", "subscription", "payment")
HIGH = "\uffff"  # sorts after any date or id: the upper end of a key range


def view(document: Document, *, lines: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "document_id": document.document_id,
        "type": document.type,
        "status": document.status,
        "date": document.date,
        "number": document.number,
        "currency": document.currency,
        "totals": json.loads(document.totals) if document.totals else None,
        "updated_at": iso(document.updated_at),
    }
    if lines:
        body["lines"] = json.loads(document.lines) if document.lines else []
    return body


def _date(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value[:10]).isoformat()
    except ValueError as e:
        raise ValidationFailed(f"{name} must be a date (YYYY-MM-DD).", fields={name: "date"}) from e


def listing(c: Container, claims: AccessClaims, query: dict[str, str]) -> dict[str, Any]:
    """One ``Query`` of at most ``limit`` items (a filter may leave a page short: follow the cursor)."""
    shown = c.settings.DOCUMENT_TYPES
    doc_type, status = query.get("type"), query.get("status")
    if doc_type is not None and doc_type not in shown:
        raise ValidationFailed(f"type must be one of: {', '.join(shown)}.", fields={"type": "choice"})
    try:
        limit = min(int(query.get("limit", PAGE)), MAX_PAGE)
    except ValueError as e:
        raise ValidationFailed("limit must be a number.", fields={"limit": "number"}) from e
    if limit < 1:
        raise ValidationFailed("limit must be at least 1.", fields={"limit": "range"})
    low, high = _date(query.get("from"), "from") or "0", (_date(query.get("to"), "to") or "9999") + HIGH
    customer = current_customer(c, claims)
    hidden = [t for t in ALL_TYPES if t not in shown]
    return _page(c, customer.customer_id, doc_type, (low, high), status, hidden, limit, query.get("cursor"))


def staff_listing(c: Container, customer_id: str, query: dict[str, str]) -> dict[str, Any]:
    """Staff read every type of a customer's documents, newest first (``type``, ``cursor``)."""
    doc_type = query.get("type")
    if doc_type is not None and doc_type not in ALL_TYPES:
        raise ValidationFailed(f"type must be one of: {', '.join(ALL_TYPES)}.", fields={"type": "choice"})
    return _page(c, customer_id, doc_type, ("0", "9999" + HIGH), None, [], PAGE, query.get("cursor"))


def last_orders(c: Container, customer_id: str, count: int) -> list[dict[str, Any]]:
    """The customer's ``count`` newest orders (one ``Query``)."""
    page = _page(c, customer_id, "order", ("0", "9999" + HIGH), None, [], count, None)
    documents: list[dict[str, Any]] = page["documents"]
    return documents


def _page(
    c: Container,
    customer_id: str,
    doc_type: str | None,
    dates: tuple[str, str],
    status: str | None,
    hidden: list[str],
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    items, next_cursor = store.page(
        customer_id,
        doc_type,
        dates,
        status=status,
        hidden=hidden,
        limit=limit,
        cursor=cursor,
        sealed=seal(c, "documents", customer_id, doc_type or ""),
    )
    return {"documents": [view(d) for d in items], "next_cursor": next_cursor}


def one(c: Container, claims: AccessClaims, document_id: str) -> dict[str, Any]:
    document = store.get(current_customer(c, claims).customer_id, document_id)
    if document is None or document.type not in c.settings.DOCUMENT_TYPES:
        raise missing("document")
    return view(document, lines=True)


def reorder(c: Container, claims: AccessClaims, order_id: str, line_ids: list[str]) -> dict[str, Any]:
    """Cart lines for the storefront from the chosen lines of one of the customer's orders."""
    document = store.get(current_customer(c, claims).customer_id, order_id)
    if document is None or document.type != "order" or "order" not in c.settings.DOCUMENT_TYPES:
        raise missing("order")
    lines = {line["line_id"]: line for line in json.loads(document.lines or "[]")}
    unknown = [line_id for line_id in line_ids if line_id not in lines]
    if unknown:
        raise ValidationFailed(
            f"No such lines in this order: {', '.join(unknown[:10])}.", fields={"line_ids": "unknown"}
        )
    cart = []
    for line_id in dict.fromkeys(line_ids):
        line = lines[line_id]
        cart.append(
            {
                "product_id": line.get("sku") or line_id,
                "name": line.get("name"),
                "quantity": line.get("quantity", 1),
            }
        )
    return {"order_id": order_id, "lines": cart}
