"""Portal items in the customer's own partition: one ``Query`` lists a kind."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError

from chalicelib.kernel.dynamo import error_code, translated
from chalicelib.portal.models import PortalItem


@translated
def items(customer_id: str, kind: str, limit: int = 500) -> list[PortalItem]:
    """Every item of ``kind`` (``address``, ``wish``, ``list``, ``payment``), in key order."""
    condition = PortalItem.item_key.startswith(f"{kind}#")
    return list(PortalItem.query(customer_id, condition, limit=limit, consistent_read=True))


@translated
def get(customer_id: str, key: str) -> PortalItem | None:
    try:
        return PortalItem.get(customer_id, key, consistent_read=True)
    except PortalItem.DoesNotExist:
        return None


@translated
def put(item: PortalItem, *, new: bool = False) -> None:
    item.save(condition=PortalItem.item_key.does_not_exist() if new else None)


@translated
def replace(item: PortalItem, *, unchanged_since: int) -> None:
    """Overwrite an item that still exists, unchanged since ``unchanged_since``; else 409."""
    from pynamodb.exceptions import PutError

    from chalicelib.kernel.errors import StaleWrite

    try:
        item.save(condition=PortalItem.updated_at == unchanged_since)
    except PutError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            raise StaleWrite("The list changed or was deleted meanwhile; read it again.") from e
        raise


@translated
def delete(customer_id: str, key: str) -> bool:
    """Delete if it exists; False when there was nothing to delete."""
    try:
        PortalItem(customer_id, key).delete(condition=PortalItem.item_key.exists())
    except DeleteError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            return False
        raise
    return True


@translated
def everything(customer_id: str) -> list[PortalItem]:
    """Every portal item of a customer (erasure and export), every page of the partition."""
    return list(PortalItem.query(customer_id, consistent_read=True))
