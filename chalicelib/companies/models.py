"""The companies table: one partition per company (the company, its members, its requests,
its activity) and small lookup items (join code, claimed domain, ERP account), so every
read is one ``GetItem`` or one ``Query``.

| item | pk | sk |
|---|---|---|
| company | ``co#<company_id>`` | ``#company`` |
| member | ``co#<company_id>`` | ``member#<customer_id>`` |
| request (create or join; one per customer) | ``co#<company_id>`` | ``request#<customer_id>`` |
| activity | ``co#<company_id>`` | ``activity#<ms>#<random>`` |
| join code (hashed) | ``join#<sha256 of the code>`` | ``#lookup`` |
| claimed domain (unique) | ``domain#<domain>`` | ``#lookup`` |
| ERP account number (unique) | ``erp#<number>`` | ``#lookup`` |
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection

from chalicelib.kernel.models import BaseTable

COMPANY_SK = "#company"
LOOKUP_SK = "#lookup"


def company_pk(company_id: str) -> str:
    return f"co#{company_id}"


class ByCustomerIndex(GlobalSecondaryIndex[Any]):
    """A customer's memberships (``member#``) and requests (``request#``) in every company."""

    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class PendingIndex(GlobalSecondaryIndex[Any]):
    """Sparse: requests waiting for a decision, ``pending_key`` = "<company>#<ms>#<customer>",
    so staff count them (one ``Query``, ``Select=COUNT``) and filter by company (prefix)."""

    class Meta:
        index_name = "pending"
        projection = IncludeProjection(
            [
                "company_id",
                "customer_id",
                "name",
                "email",
                "company_name",
                "request_kind",
                "via",
                "status",
                "created_at",
            ]
        )

    pending = UnicodeAttribute(hash_key=True)  # "pending" while the request waits
    pending_key = UnicodeAttribute(range_key=True)


class CompanyItem(BaseTable):
    """Every item of the companies feature (see the module's table)."""

    TABLE_SUFFIX = "companies"
    TTL_ATTRIBUTE = "expires_at"  # activity items only
    # members' and requesters' names and emails, staff text to a customer, activity details
    # (a company's own name sits on its company item, which names no customer)
    PERSONAL = ("name", "email", "reason", "detail")
    CUSTOMER_KEY = "customer_id"  # members, requests, and the activity about a customer

    class Meta:
        table_name = "unconfigured"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # company | member | request | activity | join_code | domain | erp
    company_id = UnicodeAttribute(null=True)
    customer_id = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)  # the company's (company item) or the customer's (member, request)
    email = UnicodeAttribute(null=True)  # the customer's (member, request)
    company_name = UnicodeAttribute(null=True)  # on requests, for the staff's list
    # company
    status = UnicodeAttribute(
        null=True
    )  # company: pending|active|blocked|rejected; request: pending|approved|rejected
    erp_account = UnicodeAttribute(null=True)
    domains = UnicodeAttribute(null=True)  # JSON list of claimed email domains
    join_code_hash = UnicodeAttribute(null=True)
    admins = NumberAttribute(null=True)  # how many admin members: never taken below one
    # member
    role = UnicodeAttribute(null=True)  # admin | buyer | viewer
    # request
    request_kind = UnicodeAttribute(null=True)  # create | join
    via = UnicodeAttribute(null=True)  # join: code | domain
    reason = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    pending = UnicodeAttribute(null=True)
    pending_key = UnicodeAttribute(null=True)
    # activity
    actor = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)  # JSON
    created_by = UnicodeAttribute(null=True)
    created_at = NumberAttribute(null=True)
    updated_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)

    by_customer = ByCustomerIndex()
    pending_index = PendingIndex()
