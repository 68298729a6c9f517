"""The documents feed: the order system records quotations, orders, invoices,
subscriptions and payments for a guest or an account, idempotently by their id.

A document for a guest restarts the guest's expiry (``GUEST_TTL_DAYS`` after its last
order event); a document for a merged guest lands on the account it was merged into.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import identity
from chalicelib.checkout.models import Document
from chalicelib.checkout.schemas import DocumentIn
from chalicelib.identity import Customer
from chalicelib.kernel.clock import expiry_bucket
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.models import is_live
from chalicelib.kernel.transactions import Step, run_or_conflict

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def owner_for(c: Container, customer_id: str) -> Customer:
    """The customer a document belongs to, following a merged guest to its account."""
    customer = identity.get_customer(customer_id)
    if customer is not None and customer.merged_into:
        customer = identity.get_customer(customer.merged_into)
    # an expired guest is gone, even before the cleanup deletes it
    if (
        customer is None
        or customer.namespace != c.settings.account_namespace
        or not is_live(customer, c.clock.now())
    ):
        raise NotFound("No such customer.")
    return customer


def document_step(c: Container, customer_id: str, data: DocumentIn) -> tuple[str, Step]:
    """An upsert of the document (``created_at`` kept) as a transaction step."""
    now = int(c.clock.now())
    date = data.date.isoformat()
    actions: list[Action] = [
        Document.type.set(data.type),
        Document.status.set(data.status),
        Document.date.set(date),
        Document.date_key.set(f"{date}#{data.document_id}"),
        Document.type_date_key.set(f"{data.type}#{date}#{data.document_id}"),
        Document.lines.set(json.dumps([line.model_dump(exclude_none=True) for line in data.lines])),
        Document.created_at.set(Document.created_at | now),
        Document.updated_at.set(now),
    ]
    pairs = (
        (Document.number, data.number),
        (Document.currency, data.currency),
        (Document.company_id, data.company_id),
    )
    for attribute, value in pairs:
        actions.append(attribute.set(value) if value else attribute.remove())
    totals = json.dumps(data.totals.model_dump(exclude_none=True)) if data.totals else None
    actions.append(Document.totals.set(totals) if totals else Document.totals.remove())
    document = Document(customer_id, data.document_id)
    return ("document", lambda tx: tx.update(document, actions=actions))


def guest_expiry_step(c: Container, guest: Customer) -> tuple[str, Step]:
    """Restart a guest's expiry: ``GUEST_TTL_DAYS`` from this order event."""
    expires = int(c.clock.now()) + c.settings.GUEST_TTL_DAYS * 86400
    actions: list[Action] = [
        Customer.expires_at.set(expires),
        Customer.expiry_bucket.set(expiry_bucket(expires)),
        Customer.updated_at.set(int(c.clock.now())),
    ]
    return ("guest", lambda tx: tx.update(guest, actions=actions, condition=Customer.status == "guest"))


def record(c: Container, customer_id: str, data: DocumentIn, actor: str) -> dict[str, Any]:
    """Record the document, in the owner's activity as the staff key ``actor`` (its id only:
    never the document's content)."""
    owner = owner_for(c, customer_id)
    event = identity.activity.event(
        c, owner.customer_id, "document_recorded", actor, document_id=data.document_id, type=data.type
    )
    steps = [document_step(c, owner.customer_id, data), identity.activity.step(event)]
    if owner.status == "guest":
        steps.append(guest_expiry_step(c, owner))
    run_or_conflict(steps)
    body = {
        "customer_id": owner.customer_id,
        "document_id": data.document_id,
        "type": data.type,
        "status": data.status,
    }
    return {**body, "company_id": data.company_id} if data.company_id else body
