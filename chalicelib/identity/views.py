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
    }


def staff_view(customer: Customer) -> dict[str, Any]:
    return {
        **customer_view(customer),
        "reference": customer.reference,
        "website_id": customer.website_id,
        "account_namespace": customer.namespace,
        "verified_at": iso(customer.verified_at),
        "updated_at": iso(customer.updated_at),
        "version": customer.version,
        "merged_into": customer.merged_into,
    }
