"""Emit a lifecycle event: one more item of the transaction that makes the change.

How a feature emits (the whole API)::

    from chalicelib import events

    steps.append(events.emit(c, events.CUSTOMER_UPDATED, customer.customer_id, fields=["name"]))
    run_steps(steps, outbox)          # the change, its activity, its emails and its event

The event is written only if the change commits (never lost, never sent for a change that
rolled back) and costs no DynamoDB call of its own. ``data`` is thin: ids, the names of
the fields that changed, and enumerated values (a status), never personal data: a
consumer that wants the record reads ``GET /admin/customers/{customer_id}``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.events.models import LifecycleEvent
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

ENVELOPE_VERSION = 1
RETENTION_DAYS = 14
LABEL = "lifecycle_event"  # the step's label in ``transactions.run``

CUSTOMER_CREATED = "customer.created"
CUSTOMER_VERIFIED = "customer.verified"
CUSTOMER_UPDATED = "customer.updated"
CUSTOMER_STATUS_CHANGED = "customer.status_changed"
CUSTOMER_EMAIL_CHANGED = "customer.email_changed"
CUSTOMER_PASSWORD_CHANGED = "customer.password_changed"
CUSTOMER_MERGED = "customer.merged"
CUSTOMER_ANONYMIZED = "customer.anonymized"
#: data: company_id, role (the role now; the removed role for ``removed``), change
#: (``added`` | ``removed`` | ``role_changed``)
CUSTOMER_COMPANY_MEMBERSHIP_CHANGED = "customer.company_membership_changed"
CUSTOMER_ERP_LINKED = "customer.erp_linked"  # chalicelib.erp: data = erp_account, role, by
CUSTOMER_ERP_LINK_SUSPENDED = "customer.erp_link_suspended"  # data = erp_account

#: every event type; a feature adding one adds it here (webhooks subscribe to these names)
TYPES: tuple[str, ...] = (
    CUSTOMER_CREATED,
    CUSTOMER_VERIFIED,
    CUSTOMER_UPDATED,
    CUSTOMER_STATUS_CHANGED,
    CUSTOMER_EMAIL_CHANGED,
    CUSTOMER_PASSWORD_CHANGED,
    CUSTOMER_MERGED,
    CUSTOMER_ANONYMIZED,
    CUSTOMER_COMPANY_MEMBERSHIP_CHANGED,
    CUSTOMER_ERP_LINKED,
    CUSTOMER_ERP_LINK_SUSPENDED,
)

Value = str | int | bool | None | Sequence[str]


def new_event(
    c: Container, type: str, customer_id: str, fields: Sequence[str], data: dict[str, Value]
) -> LifecycleEvent:
    if type not in TYPES:
        raise ValueError(f"unknown event type {type!r}: add it to events.TYPES")
    now_ms = int(c.clock.now() * 1000)
    body: dict[str, Any] = {"fields": sorted(set(fields))} if fields else {}
    body.update({k: list(v) if isinstance(v, (list, tuple)) else v for k, v in data.items()})
    return LifecycleEvent(
        f"evt_{now_ms:012x}{secrets.token_hex(8)}",
        type=type,
        occurred_at=now_ms,
        website=c.settings.WEBSITE_ID,
        customer_id=customer_id,
        data=json.dumps(body, sort_keys=True, separators=(",", ":")),
        version=ENVELOPE_VERSION,
        expires_at=now_ms // 1000 + RETENTION_DAYS * 86400,
    )


def emit(
    c: Container, type: str, customer_id: str, *, fields: Sequence[str] = (), **data: Value
) -> tuple[str, Step]:
    """The event as one labelled step of the caller's transaction (created, never replaced)."""
    item = new_event(c, type, customer_id, fields, data)
    condition = LifecycleEvent.event_id.does_not_exist()
    return (LABEL, lambda tx: tx.save(item, condition=condition))


def envelope(event: LifecycleEvent) -> dict[str, Any]:
    """What consumers receive: the same id on every delivery, to deduplicate on."""
    at = datetime.fromtimestamp(int(event.occurred_at) / 1000, UTC)
    return {
        "id": event.event_id,
        "type": event.type,
        "occurred_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "website": event.website,
        "customer_id": event.customer_id,
        "data": json.loads(event.data),
        "version": int(event.version),
    }


def body(event: LifecycleEvent) -> str:
    """The envelope as sent: compact JSON, signed as these exact bytes."""
    return json.dumps(envelope(event), sort_keys=True, separators=(",", ":"))
