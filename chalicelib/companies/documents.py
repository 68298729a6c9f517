"""A company's documents (fed with a ``company_id``), seen by its members according to role.

Each read checks the membership as it is now (one ``TransactGetItems`` with the company), so
a removed member sees nothing from the next request on, whatever their token says.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import checkout
from chalicelib.checkout import Document, DocumentIn
from chalicelib.companies import store
from chalicelib.companies.common import company_missing, member_of
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import ValidationFailed
from chalicelib.kernel.security import AccessClaims

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

ALL_TYPES = ("quotation", "order", "invoice", "subscription", "payment")
#: what each role sees of the company's documents (then only the website's DOCUMENT_TYPES)
ROLE_TYPES = {
    "admin": ALL_TYPES,
    "buyer": ("quotation", "order", "invoice"),
    "viewer": ("quotation", "order"),
}
PAGE, MAX_PAGE = 20, 50


def record(c: Container, customer_id: str, data: DocumentIn, actor: str) -> dict[str, Any]:
    """The documents feed: a ``company_id`` must name a company (any status: history stays)."""
    if data.company_id is not None and store.get_company(data.company_id) is None:
        raise company_missing()
    return checkout.record_document(c, customer_id, data, actor)


def visible_types(c: Container, role: str) -> list[str]:
    return [t for t in ROLE_TYPES.get(role, ()) if t in c.settings.DOCUMENT_TYPES]


def listing(c: Container, claims: AccessClaims, company_id: str, query: dict[str, str]) -> dict[str, Any]:
    _, _, member = member_of(c, claims, company_id)
    types = visible_types(c, str(member.role))
    wanted = query.get("type")
    if wanted is not None:
        if wanted not in types:
            raise ValidationFailed(f"type must be one of: {', '.join(types)}.", fields={"type": "choice"})
        types = [wanted]
    try:
        limit = int(query.get("limit", PAGE))
    except ValueError as e:
        raise ValidationFailed("limit must be a number.", fields={"limit": "number"}) from e
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"limit must be 1-{MAX_PAGE}.", fields={"limit": "range"})
    if not types:
        return {"documents": [], "next_cursor": None}
    sealed = seal(c, "company-documents", company_id, ",".join(types))
    filters = types if len(types) < len(ALL_TYPES) else None
    items, cursor = store.documents_page(company_id, filters, limit, query.get("cursor"), sealed)
    return {"documents": [_view(d) for d in items], "next_cursor": cursor}


def _view(document: Document) -> dict[str, Any]:
    return {
        "document_id": document.document_id,
        "customer_id": document.customer_id,  # who ordered it
        "type": document.type,
        "status": document.status,
        "date": document.date,
        "number": document.number,
        "currency": document.currency,
        "totals": json.loads(document.totals) if document.totals else None,
    }
