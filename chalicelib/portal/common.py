"""What the portal modules share: item ids, JSON payloads, the 404 for someone else's id."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import NotFound
from chalicelib.portal.models import PortalItem

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def new_key(kind: str, prefix: str) -> str:
    return f"{kind}#{prefix}_{secrets.token_hex(8)}"


def item_id(item: PortalItem) -> str:
    return item.item_key.split("#", 1)[1]


def payload(item: PortalItem) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(item.data) if item.data else {}
    return data


def new_item(c: Container, customer_id: str, key: str, data: dict[str, Any]) -> PortalItem:
    now = int(c.clock.now())
    return PortalItem(customer_id, key, data=json.dumps(data), created_at=now, updated_at=now)


def stamped(item: PortalItem) -> dict[str, Any]:
    return {"created_at": iso(item.created_at), "updated_at": iso(item.updated_at)}


def missing(what: str) -> NotFound:
    return NotFound(f"No such {what}.")
