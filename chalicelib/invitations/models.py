"""Invitations and the bulk invitation jobs."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.kernel.models import BaseTable, CustomerIndex


class PendingIndex(GlobalSecondaryIndex[Any]):
    """Sparse: only pending invitations carry ``pending_in`` (their namespace)."""

    class Meta:
        index_name = "pending"
        projection = AllProjection()

    pending_in = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class Invitation(BaseTable):
    """Portal access granted by staff to one customer; its current token is ``token_hash``."""

    TABLE_SUFFIX = "invitations"
    PERSONAL = ("email", "name")
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    invitation_id = UnicodeAttribute(hash_key=True)
    namespace = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | accepted | revoked
    token_hash = UnicodeAttribute(null=True)
    token_expires_at = NumberAttribute(null=True)
    sent_count = NumberAttribute(default=0)
    created_by = UnicodeAttribute()  # staff key id
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    job_id = UnicodeAttribute(null=True)
    pending_in = UnicodeAttribute(null=True)

    pending_index = PendingIndex()
    by_customer = CustomerIndex()  # erasure finds every invitation of the customer


class OpenJobIndex(GlobalSecondaryIndex[Any]):
    """Sparse: only unfinished jobs carry ``open_in`` (their namespace)."""

    class Meta:
        index_name = "open"
        projection = KeysOnlyProjection()

    open_in = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class InvitationJob(BaseTable):
    """A bulk grant: its rows are processed in order by the invitation worker."""

    TABLE_SUFFIX = "invitation-jobs"
    TTL_ATTRIBUTE = "expires_at"
    PERSONAL = ("email", "name", "detail")
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    job_id = UnicodeAttribute(hash_key=True)
    row = NumberAttribute(range_key=True)  # 0: the job itself; 1..n: its rows
    # the job item (row 0)
    namespace = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    total = NumberAttribute(null=True)
    next_row = NumberAttribute(null=True)
    invited = NumberAttribute(null=True)
    reinvited = NumberAttribute(null=True)
    existing = NumberAttribute(null=True)
    invalid = NumberAttribute(null=True)
    lease_until = NumberAttribute(null=True)
    finished_at = NumberAttribute(null=True)
    open_in = UnicodeAttribute(null=True)
    # a row
    email = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)
    customer_id = UnicodeAttribute(null=True)
    result = UnicodeAttribute(null=True)  # invited | already_invited | already_has_account | invalid
    detail = UnicodeAttribute(null=True)
    invitation_id = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()

    open_index = OpenJobIndex()
    by_customer = CustomerIndex()  # sparse: rows granted to a customer
