"""Documents fed by the order system (orders, invoices, quotations, subscriptions, payments)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.kernel.models import BaseTable


class DocumentDateIndex(GlobalSecondaryIndex[Any]):
    """A customer's documents newest first: ``date_key`` is "<ISO date>#<document id>"."""

    class Meta:
        index_name = "by_date"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    date_key = UnicodeAttribute(range_key=True)


class DocumentTypeIndex(GlobalSecondaryIndex[Any]):
    """A customer's documents of one type, newest first: "<type>#<ISO date>#<id>"."""

    class Meta:
        index_name = "by_type"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    type_date_key = UnicodeAttribute(range_key=True)


class DocumentCompanyIndex(GlobalSecondaryIndex[Any]):
    """A company's documents newest first (sparse: only documents fed with a ``company_id``)."""

    class Meta:
        index_name = "by_company"
        projection = AllProjection()

    company_id = UnicodeAttribute(hash_key=True)
    date_key = UnicodeAttribute(range_key=True)


class Document(BaseTable):
    """A quotation, order, invoice, subscription or payment, fed by the order system."""

    TABLE_SUFFIX = "documents"
    CUSTOMER_KEY = "customer_id"  # lines name products; kept after erasure (orders, invoices)

    class Meta:
        table_name = "unconfigured"

    customer_id = UnicodeAttribute(hash_key=True)
    document_id = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()
    status = UnicodeAttribute()
    date = UnicodeAttribute()  # ISO 8601 date or date-time, as the order system sent it
    date_key = UnicodeAttribute()
    number = UnicodeAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    totals = UnicodeAttribute(null=True)  # JSON
    lines = UnicodeAttribute(null=True)  # JSON list
    created_at = NumberAttribute()
    updated_at = NumberAttribute()

    type_date_key = UnicodeAttribute(null=True)  # "<type>#<ISO date>#<document id>"
    company_id = UnicodeAttribute(null=True)  # the company it was ordered for, if any

    by_date = DocumentDateIndex()
    by_type = DocumentTypeIndex()
    by_company = DocumentCompanyIndex()
