"""The one way a customer record is born: every path (sign-up, invitation, guest checkout,
register later, staff creation, import, ERP) builds it with ``new_customer`` and writes it
with ``creation_steps``, so each gets a reference and its search keys in its own transaction.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from chalicelib.identity import search
from chalicelib.identity.models import Customer
from chalicelib.identity.references import next_reference
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def new_customer(
    c: Container,
    *,
    email: str,
    name: str,
    locale: str,
    status: str,
    reference: str | None = None,
    **fields: Any,
) -> Customer:
    """A new customer of this website with its id and reference (``references.take``, or
    the container's next one)."""
    s, now = c.settings, int(c.clock.now())
    values: dict[str, Any] = {"newsletter": False, "session_epoch": 0, "created_at": now, "updated_at": now}
    values.update(fields)
    return Customer(
        f"cus_{secrets.token_hex(12)}",
        namespace=s.account_namespace,
        website_id=s.WEBSITE_ID,
        email=email,
        name=name,
        locale=locale,
        status=status,
        reference=reference or next_reference(c),
        **values,
    )


def creation_steps(customer: Customer) -> list[tuple[str, Step]]:
    """The customer item and its search keys, for the creating transaction."""
    if not customer.reference:
        raise ValueError("a customer is built by new_customer, which gives it its reference")
    return [("customer", lambda tx: tx.save(customer)), *search.index_steps(None, customer)]


def reference_steps(c: Container, customer: Customer) -> list[tuple[str, Step]]:
    """For a customer made before references: a reference and every search key, to write
    in one transaction (``customer`` as read: its version guards the write)."""
    reference = next_reference(c)
    condition = Customer.reference.does_not_exist()
    after = search.changed(customer, reference=reference)
    return [
        (
            "customer",
            lambda tx: tx.update(customer, actions=[Customer.reference.set(reference)], condition=condition),
        ),
        *search.index_steps(None, after),
    ]
