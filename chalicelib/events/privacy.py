"""Events' part of GDPR erasure and export (``kernel.privacy``).

An event is thin (``emit``): ids, the names of the fields that changed and enumerated
values, never a field's value, so an erased customer's events are kept (the
``customer.anonymized`` event among them, which consumers need to erase their own copies)
and leave with their TTL. A delivery's body is that same envelope. The customer's events are
exported (one ``Query`` of the ``by_customer`` index).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.events.emit import envelope
from chalicelib.events.models import LifecycleEvent, WebhookDelivery
from chalicelib.kernel import privacy
from chalicelib.kernel.dynamo import translated

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

THIN = "a lifecycle event's envelope: ids, changed field names and enumerated values, never a value"


@translated
def _events_of(customer_id: str) -> list[LifecycleEvent]:
    return list(LifecycleEvent.by_customer.query(customer_id))


def _export(c: Container, customer_id: str) -> dict[str, Any]:
    now = c.clock.now()
    return {"events": [envelope(e) for e in _events_of(customer_id) if int(e.expires_at) > now]}


privacy.register(
    "events",
    LifecycleEvent,
    export=_export,
    kept="thin events (no personal data) are kept for consumers until their TTL (14 days)",
)
privacy.register(
    "webhook_deliveries",
    WebhookDelivery,
    expires="the body is a thin event envelope; a delivery's TTL removes it with its log",
)
privacy.not_personal(LifecycleEvent, THIN, "data")
privacy.not_personal(WebhookDelivery, THIN, "body")
