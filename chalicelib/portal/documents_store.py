"""A page of a customer's documents: one ``Query`` on ``by_date`` or ``by_type``, newest first."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition

from chalicelib.checkout import Document
from chalicelib.kernel.cursors import Seal, decode, encode, one_page
from chalicelib.kernel.dynamo import translated

DATE_KEYS = frozenset({"customer_id", "document_id", "date_key"})
TYPE_KEYS = frozenset({"customer_id", "document_id", "type_date_key"})


@translated
def page(
    customer_id: str,
    doc_type: str | None,
    dates: tuple[str, str],
    *,
    status: str | None,
    hidden: list[str],
    limit: int,
    cursor: str | None,
    sealed: Seal,
) -> tuple[list[Document], str | None]:
    """``Limit`` caps the items DynamoDB reads, so a page never reads more than ``limit``."""
    low, high = dates
    filters: Condition | None = None
    if status is not None:
        filters = Document.status == status
    if hidden and doc_type is None:
        visible = ~Document.type.is_in(*hidden)
        filters = visible if filters is None else filters & visible
    index: Any
    if doc_type is None:
        index, key_condition, keys = Document.by_date, Document.date_key.between(low, high), DATE_KEYS
    else:
        prefix = f"{doc_type}#"
        index, keys = Document.by_type, TYPE_KEYS
        key_condition = Document.type_date_key.between(prefix + low, prefix + high)
    query = index.query(
        customer_id,
        key_condition,
        filter_condition=filters,
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
        last_evaluated_key=decode(cursor, keys, sealed),
    )
    return one_page(Document, query, cursor, sealed)  # exactly one Query: at most ``limit`` items read


@translated
def get(customer_id: str, document_id: str) -> Document | None:
    try:
        return Document.get(customer_id, document_id)
    except Document.DoesNotExist:
        return None


@translated
def other_website_page(
    table: str, customer_id: str, limit: int, cursor: str | None, sealed: Seal
) -> tuple[list[Document], str | None]:
    """One page of a customer's documents in another website's table (same model, another
    name): newest first on its ``by_date`` index, ``Limit`` items read at most."""
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": Document.by_date.Meta.index_name,
        "KeyConditionExpression": "customer_id = :customer",
        "ExpressionAttributeValues": {":customer": {"S": customer_id}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    start = decode(cursor, DATE_KEYS, sealed)
    if start is not None:
        request["ExclusiveStartKey"] = start
    raw = Document._get_connection().connection.client.query(**request)
    items = [Document.from_raw_data(item) for item in raw.get("Items", [])]
    return items, encode(raw.get("LastEvaluatedKey"), sealed)
