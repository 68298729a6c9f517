"""Identity's tables: customers, email claims with credentials, sessions, staff keys, activity."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection

from chalicelib.kernel.models import BaseTable, CustomerIndex, ExpiryIndex

#: what a back-office listing shows of each customer (the listing indexes project it)
LISTED = ["namespace", "status", "email", "name", "reference", "phone", "locale", "expires_at"]


class CustomerExpiryIndex(GlobalSecondaryIndex[Any]):
    """Like ``ExpiryIndex``, carrying what the cleanup needs to remove a customer's parts."""

    class Meta:
        index_name = "expiry"
        projection = IncludeProjection(["status", "namespace", "email"])

    expiry_bucket = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class CustomersByCreation(GlobalSecondaryIndex[Any]):
    """The back office's listing: a namespace's customers, newest first (filters: status)."""

    class Meta:
        index_name = "by_created"
        projection = IncludeProjection(LISTED)

    namespace = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class CustomersByStatus(GlobalSecondaryIndex[Any]):
    """The back office's listing by status, newest first: DynamoDB keeps it as the status moves."""

    class Meta:
        index_name = "by_status"
        projection = IncludeProjection(LISTED)

    status = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class Customer(BaseTable):
    """A customer record. ``version`` guards concurrent updates."""

    TABLE_SUFFIX = "customers"
    TTL_ATTRIBUTE = "expires_at"
    STREAM = True  # a customer removed (by TTL first, say) takes its documents with it
    STREAM_CONSUMER = "customer_removed"
    STREAM_EVENTS = ("REMOVE",)
    STREAM_TTL_ONLY = True  # the cleanup removes the children of what it deletes itself
    PERSONAL = ("email", "name", "phone", "address", "preferences", "websites")
    CUSTOMER_KEY = "customer_id"
    SHARED_IN_POOL = True  # the identity: one record per person across a pool's websites

    class Meta:
        table_name = "unconfigured"

    customer_id = UnicodeAttribute(hash_key=True)
    namespace = UnicodeAttribute()  # "web:<website>" or "pool:<pool>": where the email is unique
    website_id = UnicodeAttribute()  # the website the customer signed up on
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    locale = UnicodeAttribute()
    newsletter = BooleanAttribute(default=False)
    # guest | pending (unverified sign-up) | invited | active | inactive | blocked | archived | anonymized
    status = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    address = UnicodeAttribute(null=True)  # JSON, the checkout address of a guest
    merged_into = UnicodeAttribute(null=True)  # the account a merged guest now lives in
    # "checkout": made by a checkout call (register later, an account at checkout), whose
    # caller chose its data; a sign-up by the mailbox owner never adopts it while pending
    origin = UnicodeAttribute(null=True)
    session_epoch = NumberAttribute(default=0)  # bumped to end every session at once
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    verified_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # unverified sign-ups and guests
    expiry_bucket = UnicodeAttribute(null=True)
    invitation_id = UnicodeAttribute(null=True)  # the latest invitation of an invited customer
    preferences = UnicodeAttribute(null=True)  # JSON: shipping method and the like
    anonymized_at = NumberAttribute(null=True)  # GDPR erasure: personal fields gone since then
    reference = UnicodeAttribute(null=True)  # "{REFERENCE_PREFIX}-{n}", for external communication
    erp_accounts = UnicodeSetAttribute(null=True)  # ERP account numbers (searchable)
    # A shared pool: JSON {website_id: {"phone", "newsletter", "preferences"}}, the profile
    # each website of the pool keeps for this customer (identity.views.website_profile).
    websites = UnicodeAttribute(null=True)
    # ERP instant accounts (chalicelib.erp): the ERP account this customer is linked to,
    # the contact's role and company, and the link's state: active | suspended (the
    # contact left the ERP's snapshot). Written in one transaction with ``erp_linked``.
    erp_account = UnicodeAttribute(null=True)
    erp_role = UnicodeAttribute(null=True)
    erp_company = UnicodeAttribute(null=True)
    erp_link = UnicodeAttribute(null=True)
    erp_linked_at = NumberAttribute(null=True)
    version = VersionAttribute()

    expiry_index = CustomerExpiryIndex()
    by_created = CustomersByCreation()
    by_status = CustomersByStatus()

    @property
    def login_key(self) -> str:
        """The key of this customer's email claim in ``Login``."""
        return f"{self.namespace}#{self.email}"


class Login(BaseTable):
    """The email's uniqueness claim within a namespace, and the credentials sign-in needs.

    Key: ``<namespace>#<email>``. Created in the same transaction as the customer with
    ``attribute_not_exists`` (or an expired pending claim), so one email has one account.
    ``status`` and ``session_epoch`` mirror the customer's and are written together.
    """

    TABLE_SUFFIX = "logins"
    TTL_ATTRIBUTE = "expires_at"
    PERSONAL = ("login_key", "password_hash")  # the key ends with the email
    CUSTOMER_KEY = "customer_id"
    SHARED_IN_POOL = True  # credentials and email uniqueness: the pool's

    class Meta:
        table_name = "unconfigured"

    login_key = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    password_hash = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    session_epoch = NumberAttribute(default=0)
    failed_signins = NumberAttribute(default=0)
    locked_until = NumberAttribute(null=True)
    last_sign_in_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    expiry_bucket = UnicodeAttribute(null=True)

    expiry_index = ExpiryIndex()


class Session(BaseTable):
    """A sign-in session: the refresh token is ``<session_id>.<secret>``, the secret hashed."""

    TABLE_SUFFIX = "sessions"
    TTL_ATTRIBUTE = "expires_at"
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    session_id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    refresh_hash = UnicodeAttribute()
    previous_refresh_hash = UnicodeAttribute(null=True)
    epoch = NumberAttribute()
    created_at = NumberAttribute()
    refreshed_at = NumberAttribute(null=True)
    expires_at = NumberAttribute()
    expiry_bucket = UnicodeAttribute(null=True)
    # the company the customer acts for in this session (``PUT /me/acting-for``), re-checked
    # at every refresh through the companies feature (``sessions.acting_source``)
    company_id = UnicodeAttribute(null=True)
    company_role = UnicodeAttribute(null=True)
    company_status = UnicodeAttribute(null=True)

    expiry_index = ExpiryIndex()
    by_customer = CustomerIndex()  # erasure deletes every session of the customer


class StaffKeyKindIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class StaffKey(BaseTable):
    """A staff key or a storefront key (``kind``), found by the SHA-256 of the presented secret."""

    TABLE_SUFFIX = "staff-keys"

    class Meta:
        table_name = "unconfigured"

    key_hash = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute()  # public handle for listing and revoking
    kind = UnicodeAttribute(default="staff_key")  # "staff_key" | "storefront"
    name = UnicodeAttribute()
    created_at = NumberAttribute()
    revoked_at = NumberAttribute(null=True)
    # staff keys: the scopes it carries (``identity.scopes``); absent on keys made before
    # scopes existed, which keep every scope until re-issued
    scopes = UnicodeSetAttribute(null=True)

    by_kind = StaffKeyKindIndex()


class Activity(BaseTable):
    """A customer's account activity, newest first by ``at``."""

    TABLE_SUFFIX = "activity"
    TTL_ATTRIBUTE = "expires_at"
    PERSONAL = ("detail",)
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    customer_id = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)  # "<epoch ms, 13 digits>#<random>": sorts by time
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()  # "customer", "staff:<key id>:<key name>" or "system"
    detail = UnicodeAttribute(null=True)  # JSON, nothing secret
    expires_at = NumberAttribute()


class SearchEntry(BaseTable):
    """One search key of a customer, written in the transaction that creates or edits it.

    ``scope`` is the customer's namespace and ``term`` ``"<normalised key> <customer id>"``,
    so a prefix search is one ``Query`` (``begins_with``) whatever the table's size. The
    reference counters live here too (``scope`` ``counter``, ``term`` the prefix).
    """

    TABLE_SUFFIX = "customer-search"
    SHARED_IN_POOL = True  # search keys are written with the customer, which the pool shares
    PERSONAL = ("term",)  # holds the email, name words and phone digits
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    scope = UnicodeAttribute(hash_key=True)
    term = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)  # email | name | reference | phone | erp
    created_at = NumberAttribute(null=True)  # the customer's: the created_from/to filter
    value = NumberAttribute(null=True)  # a counter's current value
