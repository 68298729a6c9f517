"""Checkout's part of GDPR erasure and export (``kernel.privacy``): documents.

Orders, invoices and the other documents stay after an erasure, under the customer's id
(and reference), for the legal retention of sales records: they hold what was sold, when
and for how much, never the person's name or address (the feed's schema has no such field).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.checkout.models import Document
from chalicelib.checkout.store import all_documents
from chalicelib.kernel import privacy
from chalicelib.kernel.clock import iso

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def _export(c: Container, customer_id: str) -> dict[str, Any]:
    return {
        "documents": [
            {
                "document_id": d.document_id,
                "type": d.type,
                "status": d.status,
                "date": d.date,
                "number": d.number,
                "currency": d.currency,
                "totals": json.loads(d.totals) if d.totals else None,
                "lines": json.loads(d.lines) if d.lines else [],
                "updated_at": iso(d.updated_at),
            }
            for d in all_documents(customer_id)
        ]
    }


privacy.register(
    "documents",
    Document,
    export=_export,
    kept="sales records (orders, invoices) kept for their legal retention; no personal field",
)
privacy.not_personal(Document, "the lines of a sale: products, quantities, prices", "lines")
