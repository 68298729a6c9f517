"""What the cleanup reads and deletes: expiry-index pages, a guest's documents, batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DeleteError

from chalicelib.checkout import Document
from chalicelib.identity import Customer, Login
from chalicelib.kernel.dynamo import error_code, translated
from chalicelib.kernel.models import BaseTable


@translated
def expired(
    model: type[BaseTable], bucket: str, now: int, limit: int, start: dict[str, Any] | None
) -> tuple[list[BaseTable], dict[str, Any] | None]:
    """One page of the items in a day#shard bucket whose time has passed, and where to go on."""
    index = model.expiry_index  # type: ignore[attr-defined]
    condition = model.expires_at <= now  # type: ignore[attr-defined]
    query = index.query(bucket, condition, limit=limit, last_evaluated_key=start)
    items = list(query)
    return items, query.last_evaluated_key if len(items) == limit else None


@translated
def documents_of(customer_id: str, limit: int) -> list[Document]:
    return list(Document.query(customer_id, limit=limit, attributes_to_get=["customer_id", "document_id"]))


@translated
def document_keys(customer_id: str) -> list[Document]:
    """All of a customer's document keys (the dry run counts them without deleting)."""
    return list(Document.query(customer_id, attributes_to_get=["customer_id", "document_id"]))


@translated
def delete_batch(items: Sequence[BaseTable]) -> None:
    """Unconditional deletes, 25 a call; pynamodb resends the UnprocessedItems."""
    by_model: dict[type[BaseTable], list[BaseTable]] = {}
    for item in items:
        by_model.setdefault(type(item), []).append(item)
    for model, group in by_model.items():
        with model.batch_write() as batch:
            for item in group:
                batch.delete(item)


@translated
def delete_if_expired(item: BaseTable, now: int) -> bool:
    """Delete a record whose expiry could still move (a guest, a sign-up) only if it is past."""
    condition = type(item).expires_at <= now  # type: ignore[attr-defined]
    if isinstance(item, Login):
        condition &= Login.status == "pending"
    try:
        item.delete(condition=condition, add_version_condition=False)
    except DeleteError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            return False
        raise
    return True


@translated
def get_customer(customer_id: str) -> Customer | None:
    try:
        return Customer.get(customer_id, attributes_to_get=["customer_id", "status", "email", "namespace"])
    except Customer.DoesNotExist:
        return None
