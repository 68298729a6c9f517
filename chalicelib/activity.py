"""Account activity: what happened to an account, by whom (never secrets)."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from chalicelib.models import Activity
from chalicelib.store.transactions import Step

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container


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


def view(item: Activity) -> dict[str, Any]:
    from chalicelib.views import iso

    return {
        "at": iso(int(item.at.split("#")[0]) / 1000),
        "kind": item.kind,
        "actor": item.actor,
        "detail": json.loads(item.detail) if item.detail else {},
    }
