"""Lifecycle events: written in the transaction of each change, delivered at least once to the
stage's EventBridge bus and to the webhooks staff register (signed, retried, dead-lettered).

Public surface for the features: ``emit`` (a step for the caller's transaction) and the
event type names; for the wiring: the publisher, the sweeper and the staff services.
"""

from chalicelib.events import privacy as privacy  # registers its part of GDPR erasure and export
from chalicelib.events import webhooks
from chalicelib.events.delivery import sweep
from chalicelib.events.emit import (
    CUSTOMER_ANONYMIZED,
    CUSTOMER_COMPANY_MEMBERSHIP_CHANGED,
    CUSTOMER_CREATED,
    CUSTOMER_EMAIL_CHANGED,
    CUSTOMER_ERP_LINK_SUSPENDED,
    CUSTOMER_ERP_LINKED,
    CUSTOMER_MERGED,
    CUSTOMER_PASSWORD_CHANGED,
    CUSTOMER_STATUS_CHANGED,
    CUSTOMER_UPDATED,
    CUSTOMER_VERIFIED,
    TYPES,
    emit,
    envelope,
)
from chalicelib.events.models import LifecycleEvent, Webhook, WebhookDelivery
from chalicelib.events.publish import publish
from chalicelib.events.signing import sign, verify

__all__ = [
    "CUSTOMER_ANONYMIZED",
    "CUSTOMER_COMPANY_MEMBERSHIP_CHANGED",
    "CUSTOMER_CREATED",
    "CUSTOMER_EMAIL_CHANGED",
    "CUSTOMER_ERP_LINKED",
    "CUSTOMER_ERP_LINK_SUSPENDED",
    "CUSTOMER_MERGED",
    "CUSTOMER_PASSWORD_CHANGED",
    "CUSTOMER_STATUS_CHANGED",
    "CUSTOMER_UPDATED",
    "CUSTOMER_VERIFIED",
    "TYPES",
    "LifecycleEvent",
    "Webhook",
    "WebhookDelivery",
    "emit",
    "envelope",
    "publish",
    "sign",
    "sweep",
    "verify",
    "webhooks",
]
