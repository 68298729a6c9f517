"""What callers see of a customer: the customer's own view and the staff view."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.identity.models import Customer
from chalicelib.kernel.clock import iso


def customer_view(customer: Customer) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "email": customer.email,
        "name": customer.name,
        "locale": customer.locale,
        "newsletter": bool(customer.newsletter),
        "status": customer.status,
        "email_verified": customer.verified_at is not None,
        "phone": customer.phone,
        "preferences": json.loads(customer.preferences) if customer.preferences else {},
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


def staff_view(customer: Customer) -> dict[str, Any]:
    return {
        **customer_view(customer),
        "website_id": customer.website_id,
        "account_namespace": customer.namespace,
        "verified_at": iso(customer.verified_at),
        "updated_at": iso(customer.updated_at),
        "version": customer.version,
        "merged_into": customer.merged_into,
    }
