"""The signed-in customer's profile: name, phone, locale, preferences, newsletter."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import events, identity
from chalicelib.identity import Customer, activity, current_customer, customer_view, views
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
    return customer_view(apply(c, customer, data, "customer", allowed=("active",)), views.profile_website(c))


def apply(
    c: Container, customer: Customer, data: ProfileIn, actor: str, *, allowed: tuple[str, ...]
) -> Customer:
    """Change what was sent (never the email) on a customer whose status is ``allowed``: one
    version-checked transaction with its search keys and its activity (also staff's edits).
    In a shared pool, phone, newsletter and preferences are this website's own profile."""
    actions: list[Action] = [Customer.updated_at.set(int(c.clock.now()))]
    changed = sorted(data.model_fields_set)
    after: dict[str, Any] = {}
    if data.name is not None:
        actions.append(Customer.name.set(data.name))
        after["name"] = data.name
    if data.locale is not None:
        actions.append(Customer.locale.set(negotiate([data.locale], c.settings.DEFAULT_LOCALE)))
    website = views.profile_website(c)
    own = _website_fields(customer, data, website)
    if website is None:  # a website with its own accounts: the record's own attributes
        if "phone" in data.model_fields_set:
            actions.append(Customer.phone.set(own["phone"]) if own["phone"] else Customer.phone.remove())
            after["phone"] = own["phone"]
        if data.newsletter is not None:
            actions.append(Customer.newsletter.set(own["newsletter"]))
        if data.preferences is not None:
            actions.append(Customer.preferences.set(json.dumps(own["preferences"], sort_keys=True)))
    else:  # a shared pool: this website's own profile, beside the other websites'
        sites = json.loads(customer.websites or "{}")
        sites[website] = own
        actions.append(Customer.websites.set(json.dumps(sites, sort_keys=True)))
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


def _website_fields(customer: Customer, data: ProfileIn, website: str | None) -> dict[str, Any]:
    """Phone, newsletter and preferences after the change, as this website keeps them."""
    own = views.website_profile(customer, website)
    if "phone" in data.model_fields_set:
        own["phone"] = data.phone or None
    if data.newsletter is not None:
        own["newsletter"] = data.newsletter
    if data.preferences is not None:
        merged = {**own["preferences"], **data.preferences}
        kept = {k: v for k, v in merged.items() if v is not None}
        if len(kept) > MAX_PREFERENCES:
            raise ValidationFailed(f"At most {MAX_PREFERENCES} preferences.", fields={"preferences": "count"})
        own["preferences"] = kept
    return own
