"""Lifecycle events, the webhooks staff register, and each webhook's deliveries."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.kernel.models import BaseTable


class EventCustomerIndex(GlobalSecondaryIndex[Any]):
    """A customer's events, oldest first: the customer's GDPR export (one Query)."""

    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    occurred_at = NumberAttribute(range_key=True)


class LifecycleEvent(BaseTable):
    """One state change of a customer, written in the transaction of the change (an outbox).

    Thin: ids and the names of the fields that changed, never their values. The table's
    stream (new images) feeds ``event_publisher``: EventBridge, then the webhooks.
    Kept ``EVENT_RETENTION_DAYS`` for ``GET /admin/events/{id}``; TTL removes it after,
    and every read treats an expired event as absent.
    """

    TABLE_SUFFIX = "events"
    TTL_ATTRIBUTE = "expires_at"
    STREAM = True
    STREAM_VIEW = "NEW_IMAGE"  # the publisher reads the event from the record: no GetItem
    STREAM_CONSUMER = "event_publisher"
    STREAM_EVENTS = ("INSERT",)
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    event_id = UnicodeAttribute(hash_key=True)  # evt_<ms, hex><random>: sorts by time
    type = UnicodeAttribute()
    occurred_at = NumberAttribute()  # epoch milliseconds
    website = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    data = UnicodeAttribute()  # JSON object: ids and changed field names only
    version = NumberAttribute()  # the envelope's format
    expires_at = NumberAttribute()

    by_customer = EventCustomerIndex()


class WebsiteIndex(GlobalSecondaryIndex[Any]):
    """A website's webhooks: the publisher's fan-out and the staff listing (one Query)."""

    class Meta:
        index_name = "by_website"
        projection = AllProjection()

    website = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class Webhook(BaseTable):
    """An HTTPS endpoint staff registered for some event types of one website.

    One more item per website, ``count#<website>`` (``webhook_count`` only), counts its
    webhooks: registering adds one under the cap and removing takes one, each in the
    webhook's own transaction, so concurrent registrations never pass the cap."""

    TABLE_SUFFIX = "webhooks"

    class Meta:
        table_name = "unconfigured"

    webhook_id = UnicodeAttribute(hash_key=True)
    website = UnicodeAttribute()
    url = UnicodeAttribute()
    event_types = UnicodeSetAttribute()  # exact types, "customer.*" or "*" (never empty)
    secret = BinaryAttribute(legacy_encoding=False)  # AES-GCM sealed signing secret
    status = UnicodeAttribute()  # active | disabled
    failing_since = NumberAttribute(null=True)  # first failure since the last success
    failures = NumberAttribute(default=0)  # failed attempts since the last success
    disabled_at = NumberAttribute(null=True)
    disabled_reason = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    webhook_count = NumberAttribute(null=True)  # the website's webhooks (its count item only)

    by_website = WebsiteIndex()


class DueIndex(GlobalSecondaryIndex[Any]):
    """Sparse: only deliveries waiting for a retry carry ``due_shard``."""

    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    next_attempt_at = NumberAttribute(range_key=True)


class WebhookDelivery(BaseTable):
    """One event for one webhook: the body sent (the same on every attempt) and its log.

    Keyed (webhook, event): the publisher creates it conditionally, so a replayed stream
    batch never makes a second delivery. ``attempts`` counts this round's attempts (a
    redelivery starts a new round); ``log`` keeps the last attempts for staff.
    """

    TABLE_SUFFIX = "webhook-deliveries"
    TTL_ATTRIBUTE = "expires_at"

    class Meta:
        table_name = "unconfigured"

    webhook_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    event_type = UnicodeAttribute()
    body = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | delivered | dead
    attempts = NumberAttribute(default=0)
    next_attempt_at = NumberAttribute()
    due_shard = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(null=True)
    last_status = NumberAttribute(null=True)  # the endpoint's HTTP status
    last_error = UnicodeAttribute(null=True)
    log = UnicodeAttribute(null=True)  # JSON list of the last attempts {at, status, error, ms}
    created_at = NumberAttribute()
    delivered_at = NumberAttribute(null=True)
    expires_at = NumberAttribute()

    due_index = DueIndex()
