"""The outbox: every email, written in the transaction of the change that causes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.attributes import (
    BinaryAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.kernel.models import BaseTable, ExpiryIndex

if TYPE_CHECKING:
    from chalicelib.kernel.budgets import Charge
    from chalicelib.mail.sender import Envelope


class DueIndex(GlobalSecondaryIndex[Any]):
    """Sparse: only pending messages carry ``due_shard``; the sweeper queries each shard."""

    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    next_attempt_at = NumberAttribute(range_key=True)


class OutboxMessage(BaseTable):
    """An email to send, written in the same transaction as the change that causes it."""

    TABLE_SUFFIX = "outbox"
    TTL_ATTRIBUTE = "expires_at"
    STREAM = True
    STREAM_CONSUMER = "outbox_sender"  # on stages with MAIL_DISPATCH=stream
    STREAM_EVENTS = ("INSERT",)
    PERSONAL = ("payload", "to_hint")  # encrypted recipient and links, dropped once sent; masked

    class Meta:
        table_name = "unconfigured"

    message_id = UnicodeAttribute(hash_key=True)
    template = UnicodeAttribute()
    to_hint = UnicodeAttribute()  # masked address, for operators
    payload = BinaryAttribute(
        null=True, legacy_encoding=False
    )  # encrypted {to, locale, context}; dropped once sent
    status = UnicodeAttribute()  # pending | sent | dead
    attempts = NumberAttribute(default=0)
    next_attempt_at = NumberAttribute()
    due_shard = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    ses_message_id = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    sent_at = NumberAttribute(null=True)
    expires_at = NumberAttribute()
    expiry_bucket = UnicodeAttribute(null=True)

    due_index = DueIndex()
    expiry_index = ExpiryIndex()

    # In memory only, set by ``compose``: the recipient's budget this email charges in the
    # transaction that queues it, and the envelope to mark if it is dropped.
    charge: Charge | None = None
    envelope: Envelope | None = None

    def drop(self) -> None:
        """The transaction left this email out (over budget, or its change was dropped)."""
        if self.envelope is not None:
            self.envelope.dropped = True
