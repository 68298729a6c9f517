"""The back office's table: staff notes about a customer."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.kernel.models import BaseTable


class Note(BaseTable):
    """A staff note: many per customer, newest first by ``note_key`` (``<epoch ms>#<random>``)."""

    TABLE_SUFFIX = "customer-notes"
    PERSONAL = ("text",)  # free text about a person
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    customer_id = UnicodeAttribute(hash_key=True)
    note_key = UnicodeAttribute(range_key=True)
    author = UnicodeAttribute()  # the staff key's name
    author_key = UnicodeAttribute()  # the staff key's id
    text = UnicodeAttribute()
    created_at = NumberAttribute()
