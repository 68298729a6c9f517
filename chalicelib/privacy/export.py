"""GDPR export: everything held about a customer, gathered from every registered part.

Each feature's exporter (``kernel.privacy``) gives its sections: the profile and consents,
addresses, wishlist, lists, payment references, documents, activity, sessions, emailed
links, invitations, and whatever a new feature registers. The answer is JSON, inline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.identity import current_customer
from chalicelib.kernel import privacy
from chalicelib.kernel.clock import iso
from chalicelib.kernel.observability import metric
from chalicelib.kernel.security import AccessClaims
from chalicelib.privacy.erasure import customer_for

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

FORMAT = "customer-export/1"


def gather(c: Container, customer_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT, "customer_id": customer_id, "exported_at": iso(c.clock.now())}
    for handler in privacy.handlers():
        if handler.export is not None:
            out.update(handler.export(c, customer_id))
    metric("Exports")
    return out


def for_staff(c: Container, customer_id: str) -> dict[str, Any]:
    return gather(c, customer_for(c, customer_id).customer_id)


def for_customer(c: Container, claims: AccessClaims) -> dict[str, Any]:
    return gather(c, current_customer(c, claims).customer_id)
