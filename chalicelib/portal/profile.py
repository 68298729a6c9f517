"""The signed-in customer's profile: name, phone, locale, preferences, newsletter."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import events, identity
from chalicelib.identity import Customer, activity, current_customer, customer_view
from chalicelib.kernel.errors import ValidationFailed
from chalicelib.kernel.i18n import negotiate
from chalicelib.kernel.security import AccessClaims
from chalicelib.kernel.transactions import Step, run_or_conflict
from chalicelib.portal.schemas import ProfileIn

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


MAX_PREFERENCES = 20


def update(c: Container, claims: AccessClaims, data: ProfileIn) -> dict[str, Any]:
    """The customer changes what was sent (never the email)."""
    customer = current_customer(c, claims)
    return customer_view(apply(c, customer, data, "customer", allowed=("active",)))


def apply(
    c: Container, customer: Customer, data: ProfileIn, actor: str, *, allowed: tuple[str, ...]
) -> Customer:
    """Change what was sent (never the email) on a customer whose status is ``allowed``: one
    version-checked transaction with its search keys and its activity (also staff's edits)."""
    actions: list[Action] = [Customer.updated_at.set(int(c.clock.now()))]
    changed = sorted(data.model_fields_set)
    after: dict[str, Any] = {}
    if data.name is not None:
        actions.append(Customer.name.set(data.name))
        after["name"] = data.name
    if "phone" in data.model_fields_set:
        actions.append(Customer.phone.set(data.phone) if data.phone else Customer.phone.remove())
        after["phone"] = data.phone or None
    if data.locale is not None:
        actions.append(Customer.locale.set(negotiate([data.locale], c.settings.DEFAULT_LOCALE)))
    if data.newsletter is not None:
        actions.append(Customer.newsletter.set(data.newsletter))
    if data.preferences is not None:
        merged = {**json.loads(customer.preferences or "{}"), **data.preferences}
        kept = {k: v for k, v in merged.items() if v is not None}
        if len(kept) > MAX_PREFERENCES:
            raise ValidationFailed(f"At most {MAX_PREFERENCES} preferences.", fields={"preferences": "count"})
        actions.append(Customer.preferences.set(json.dumps(kept, sort_keys=True)))
    event = activity.event(c, customer.customer_id, "profile_changed", actor, fields=changed)
    condition = Customer.status.is_in(*allowed)
    steps: list[tuple[str, Step]] = [
        ("customer", lambda tx: tx.update(customer, actions=actions, condition=condition)),
        activity.step(event),
        events.emit(c, events.CUSTOMER_UPDATED, customer.customer_id, fields=changed),
        *identity.search_index_steps(customer, identity.customer_as(customer, **after)),
    ]
    run_or_conflict(steps)
    fresh = identity.get_customer(customer.customer_id)
    assert fresh is not None
    return fresh
