"""Mail's part of GDPR erasure (``kernel.privacy``): the outbox names no customer; an email's
recipient and links are encrypted in its payload, which is removed once sent, and the item
itself expires 14 days after it was written. The operators' hint is masked (``a***@e***.com``)."""

from __future__ import annotations

from chalicelib.kernel import privacy
from chalicelib.mail.models import OutboxMessage

privacy.register(
    "outbox",
    OutboxMessage,
    expires="payload (encrypted recipient, links) removed once sent; the item expires 14 days after",
)
