"""The portal's part of GDPR erasure and export (``kernel.privacy``): addresses, wishlist,
shopping lists and saved carts, payment method references, all in the customer's partition."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.kernel import privacy
from chalicelib.kernel.clock import iso
from chalicelib.portal.models import PortalItem
from chalicelib.portal.store import everything

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

SECTIONS = {"address": "addresses", "wish": "wishlist", "list": "lists", "payment": "payment_methods"}


def _erase(c: Container, subject: privacy.Subject) -> None:
    privacy.delete_items(everything(subject.customer_id))


def _export(c: Container, customer_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {section: [] for section in SECTIONS.values()}
    for item in everything(customer_id):
        kind, _, item_id = item.item_key.partition("#")
        if item.item_key == "address#~book":
            out["address_book"] = {
                "default_billing": item.default_billing,
                "default_shipping": item.default_shipping,
            }
            continue
        data = json.loads(item.data) if item.data else {}
        entry = {
            "id": item_id,
            **data,
            "created_at": iso(item.created_at),
            "updated_at": iso(item.updated_at),
        }
        out.setdefault(SECTIONS.get(kind, kind), []).append(entry)
    return out


privacy.register("portal", PortalItem, erase=_erase, export=_export)
