"""Saved payment methods: the payment provider's references only, never card data."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chalicelib.identity import activity, current_customer
from chalicelib.kernel.errors import CardDataRefused, LimitReached
from chalicelib.kernel.security import AccessClaims
from chalicelib.kernel.transactions import Step, run_or_conflict
from chalicelib.portal import store
from chalicelib.portal.common import item_id, missing, new_item, new_key, payload, stamped
from chalicelib.portal.schemas import PaymentMethodIn

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

MAX_METHODS = 20
DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d){12,18}(?!\d)")


def luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def looks_like_a_card_number(text: str) -> bool:
    """13-19 digits (spaces and dashes allowed between them) that pass the Luhn check."""
    for match in DIGIT_RUN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn(digits):
            return True
    return False


def methods(c: Container, claims: AccessClaims) -> dict[str, Any]:
    customer = current_customer(c, claims)
    items = store.items(customer.customer_id, "payment", limit=MAX_METHODS)
    return {"payment_methods": [{"payment_method_id": item_id(i), **payload(i), **stamped(i)} for i in items]}


def add(c: Container, claims: AccessClaims, data: PaymentMethodIn) -> dict[str, Any]:
    fields = data.model_dump(exclude_none=True)
    if any(isinstance(v, str) and looks_like_a_card_number(v) for v in fields.values()):
        raise CardDataRefused()
    customer = current_customer(c, claims)
    if len(store.items(customer.customer_id, "payment", limit=MAX_METHODS)) >= MAX_METHODS:
        raise LimitReached(f"At most {MAX_METHODS} saved payment methods.")
    item = new_item(c, customer.customer_id, new_key("payment", "pm"), fields)
    event = activity.event(
        c, customer.customer_id, "payment_method_added", "customer", provider=data.provider
    )
    steps: list[tuple[str, Step]] = [("method", lambda tx: tx.save(item)), activity.step(event)]
    run_or_conflict(steps)
    return {"payment_method_id": item_id(item), **fields, **stamped(item)}


def remove(c: Container, claims: AccessClaims, method_id: str) -> None:
    customer = current_customer(c, claims)
    if not store.delete(customer.customer_id, f"payment#{method_id}"):
        raise missing("payment method")
