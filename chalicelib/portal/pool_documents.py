"""Read-only: the customer's documents on the pool's other websites, where this website
opted in (``POOL_DOCUMENTS_FROM``). A website's documents stay in its own table; this
reads another website's table (one ``Query`` on its ``by_date`` index, newest first)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.identity import current_customer
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.security import AccessClaims
from chalicelib.portal import documents_store as store
from chalicelib.portal.documents import view

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PAGE = 20


def listing(c: Container, claims: AccessClaims, website_id: str, cursor: str | None) -> dict[str, Any]:
    """A page of this customer's documents on ``website_id`` (only the types this website shows)."""
    prefix = dict(c.settings.POOL_DOCUMENTS_FROM).get(website_id)
    if prefix is None:
        raise NotFound("This website shows no documents of that website.")
    customer = current_customer(c, claims)
    sealed = seal(c, "pool-documents", customer.customer_id, website_id)
    items, next_cursor = store.other_website_page(
        f"{prefix}-documents", customer.customer_id, PAGE, cursor, sealed
    )
    shown = [d for d in items if d.type in c.settings.DOCUMENT_TYPES]
    return {"website_id": website_id, "documents": [view(d) for d in shown], "next_cursor": next_cursor}
