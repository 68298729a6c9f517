"""ERP trade contacts: one item per (email, ERP account), and the sync state item."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.kernel.models import BaseTable

#: the state item's key: an email never starts with "~" once validated
STATE_EMAIL, STATE_ACCOUNT = "~sync", "~state"


class GenerationIndex(GlobalSecondaryIndex[Any]):
    """Sparse: a live contact's ``gen_key`` = ``<generation>#<shard>``, removed with it.

    Finishing a full sync reads here only the contacts the new snapshot did not write
    (their generation is an older one): the reads grow with what left, not with the list."""

    class Meta:
        index_name = "by_generation"
        projection = KeysOnlyProjection()

    gen_key = UnicodeAttribute(hash_key=True)


class ErpContact(BaseTable):
    """A trade contact as the ERP sent it, or (``~sync``/``~state``) the sync state."""

    TABLE_SUFFIX = "erp-contacts"
    PERSONAL = ("email", "name")
    CUSTOMER_KEY = None  # a contact is the ERP's record of a person, found by email

    class Meta:
        table_name = "unconfigured"

    email = UnicodeAttribute(hash_key=True)  # normalised
    erp_account = UnicodeAttribute(range_key=True)  # the ERP account number (code)
    name = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)  # admin | buyer | viewer
    company = UnicodeAttribute(null=True)  # the ERP account's company name
    account_type = UnicodeAttribute(null=True)  # trade | cash
    status = UnicodeAttribute(null=True)  # live | removed
    generation = UnicodeAttribute(null=True)  # the sync (or "base") that last wrote it
    gen_key = UnicodeAttribute(null=True)
    updated_at = NumberAttribute(null=True)
    removed_at = NumberAttribute(null=True)
    # the state item only
    open_sync = UnicodeAttribute(null=True)  # the full sync being sent, if any
    current = UnicodeAttribute(null=True)  # the generation of the last finished snapshot
    generations = UnicodeSetAttribute(null=True)  # generations live contacts may still carry

    by_generation = GenerationIndex()
