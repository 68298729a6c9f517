"""Account activity: what happened to an account, by whom (never secrets)."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from chalicelib.identity.activity_store import activity_page
from chalicelib.identity.models import Activity
from chalicelib.kernel.clock import iso
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def event(c: Container, customer_id: str, kind: str, actor: str, **detail: Any) -> Activity:
    now = c.clock.now()
    return Activity(
        customer_id,
        f"{int(now * 1000):013d}#{secrets.token_hex(4)}",
        kind=kind,
        actor=actor,
        detail=json.dumps(detail, sort_keys=True) if detail else None,
        expires_at=int(now) + c.settings.ACTIVITY_RETENTION_DAYS * 86400,
    )


def step(item: Activity) -> tuple[str, Step]:
    """The event as one item of the transaction that makes it true."""
    return ("activity", lambda tx: tx.save(item))


def page(c: Container, customer_id: str, cursor: str | None, limit: int) -> tuple[list[Activity], str | None]:
    """One page of a customer's activity, newest first, with the cursor to the next."""
    return activity_page(customer_id, cursor, limit, seal(c, "activity", customer_id))


def view(item: Activity) -> dict[str, Any]:
    body = {
        "at": iso(int(item.at.split("#")[0]) / 1000),
        "kind": item.kind,
        "actor": item.actor,
        "detail": json.loads(item.detail) if item.detail else {},
    }
    if item.actor.startswith("staff:"):  # "staff:<key id>:<key name>": the key and its name
        parts = item.actor.split(":", 2)
        body["actor"], body["actor_name"] = ":".join(parts[:2]), parts[2] if len(parts) > 2 else None
    return body
