"""What callers see of a customer: the customer's own view and the staff view."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.identity.models import Customer
from chalicelib.kernel.choices import AccountScope
from chalicelib.kernel.clock import iso

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

#: what each website of a shared pool keeps of its own (the rest is the pool's identity)
WEBSITE_FIELDS = ("phone", "newsletter", "preferences")


def profile_website(c: Container) -> str | None:
    """The website whose own profile fields apply: this one in a shared pool, else none."""
    s = c.settings
    return s.WEBSITE_ID if s.ACCOUNT_SCOPE is AccountScope.SHARED else None


def website_profile(customer: Customer, website: str | None) -> dict[str, Any]:
    """Phone, newsletter and preferences as ``website`` sees them: in a pool, each website's
    own (the website signed up on starts with what the sign-up sent); else the record's."""
    own = {
        "phone": customer.phone,
        "newsletter": bool(customer.newsletter),
        "preferences": json.loads(customer.preferences) if customer.preferences else {},
    }
    if website is None:
        return own
    sites = json.loads(customer.websites) if customer.websites else {}
    if website in sites:
        return {**{"phone": None, "newsletter": False, "preferences": {}}, **sites[website]}
    if website == customer.website_id:
        return own
    return {"phone": None, "newsletter": False, "preferences": {}}


def customer_view(customer: Customer, website: str | None = None) -> dict[str, Any]:
    profile = website_profile(customer, website)
    return {
        "customer_id": customer.customer_id,
        "email": customer.email,
        "name": customer.name,
        "locale": customer.locale,
        "newsletter": profile["newsletter"],
        "status": customer.status,
        "email_verified": customer.verified_at is not None,
        "phone": profile["phone"],
        "preferences": profile["preferences"],
        "created_at": iso(customer.created_at),
        "erp": _erp(customer),
    }


def _erp(customer: Customer) -> dict[str, Any] | None:
    """The ERP account the customer's email was matched to (ERP instant accounts)."""
    if not customer.erp_account:
        return None
    return {
        "account": customer.erp_account,
        "role": customer.erp_role,
        "company": customer.erp_company,
        "link": customer.erp_link,
    }


def staff_view(customer: Customer, website: str | None = None) -> dict[str, Any]:
    return {
        **customer_view(customer, website),
        "reference": customer.reference,
        "website_id": customer.website_id,
        "account_namespace": customer.namespace,
        "verified_at": iso(customer.verified_at),
        "updated_at": iso(customer.updated_at),
        "version": customer.version,
        "merged_into": customer.merged_into,
    }
