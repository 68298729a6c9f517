"""The portal's own items: addresses, wishlist, lists and carts, payment method references."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
)

from chalicelib.kernel.models import BaseTable


class PortalItem(BaseTable):
    """What a customer keeps in the portal, in the customer's own partition.

    ``item_key`` is "<kind>#<id>": ``address#…``, ``address#~book`` (the defaults and the
    count), ``wish#<product>``, ``list#…`` (shopping lists and saved carts), ``payment#…``.
    Every listing is one ``Query`` on ``begins_with(item_key, "<kind>#")``.
    """

    TABLE_SUFFIX = "portal"
    PERSONAL = ("data",)
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    customer_id = UnicodeAttribute(hash_key=True)
    item_key = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute(null=True)  # JSON: the item's fields
    size = NumberAttribute(null=True)  # the address book: how many addresses
    default_billing = UnicodeAttribute(null=True)
    default_shipping = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
