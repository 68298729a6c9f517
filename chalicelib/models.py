"""pynamodb models: one table per kind of record, all named ``{TABLE_PREFIX}-{suffix}``.

Times are epoch seconds (``NumberAttribute``). Every ephemeral item carries
``expires_at``, which is also the table's DynamoDB TTL attribute: TTL deletion lags
by days, so every read checks ``expires_at`` in code as well (see ``is_live``).
``docs/DATA_MODEL.md`` lists each table's access patterns.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model


class BaseTable(Model):
    """Common base: the real table name is set by ``configure_tables`` at first use."""

    TABLE_SUFFIX: ClassVar[str] = ""
    TTL_ATTRIBUTE: ClassVar[str | None] = None
    STREAM: ClassVar[bool] = False
    #: the Lambda (app.py) fed by this table's stream, and the events it is given
    STREAM_CONSUMER: ClassVar[str | None] = None
    STREAM_EVENTS: ClassVar[tuple[str, ...]] = ()
    STREAM_TTL_ONLY: ClassVar[bool] = False  # only the deletions DynamoDB TTL makes

    class Meta:
        abstract = True
        table_name = "unconfigured"
        billing_mode = "PAY_PER_REQUEST"


def is_live(item: Any, now: float) -> bool:
    """An item whose ``expires_at`` has passed is absent, whether or not TTL removed it."""
    expires_at = getattr(item, "expires_at", None)
    return expires_at is None or expires_at > now


class ExpiryIndex(GlobalSecondaryIndex["Any"]):
    """Sparse index for cleanup: ``expiry_bucket`` is "YYYY-MM-DD#shard" of the expiry day."""

    class Meta:
        index_name = "expiry"
        projection = KeysOnlyProjection()

    expiry_bucket = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class CustomerExpiryIndex(GlobalSecondaryIndex["Any"]):
    """Like ``ExpiryIndex``, carrying what the cleanup needs to remove a customer's parts."""

    class Meta:
        index_name = "expiry"
        projection = IncludeProjection(["status", "namespace", "email"])

    expiry_bucket = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class Customer(BaseTable):
    """A customer record. ``version`` guards concurrent updates."""

    TABLE_SUFFIX = "customers"
    TTL_ATTRIBUTE = "expires_at"
    STREAM = True  # a customer removed (by TTL first, say) takes its documents with it
    STREAM_CONSUMER = "customer_removed"
    STREAM_EVENTS = ("REMOVE",)
    STREAM_TTL_ONLY = True  # the cleanup removes the children of what it deletes itself

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
    session_epoch = NumberAttribute(default=0)  # bumped to end every session at once
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    verified_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # unverified sign-ups and guests
    expiry_bucket = UnicodeAttribute(null=True)
    invitation_id = UnicodeAttribute(null=True)  # the latest invitation of an invited customer
    preferences = UnicodeAttribute(null=True)  # JSON: shipping method and the like
    version = VersionAttribute()

    expiry_index = CustomerExpiryIndex()

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

    class Meta:
        table_name = "unconfigured"

    login_key = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    password_hash = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    session_epoch = NumberAttribute(default=0)
    failed_signins = NumberAttribute(default=0)
    locked_until = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    expiry_bucket = UnicodeAttribute(null=True)

    expiry_index = ExpiryIndex()


class Token(BaseTable):
    """A single-use emailed token, stored only as the SHA-256 of the secret."""

    TABLE_SUFFIX = "tokens"
    TTL_ATTRIBUTE = "expires_at"

    class Meta:
        table_name = "unconfigured"

    token_hash = UnicodeAttribute(hash_key=True)
    purpose = UnicodeAttribute()  # verify | reset | invite | handoff
    ref = UnicodeAttribute(null=True)  # the invitation an invite token belongs to
    customer_id = UnicodeAttribute()
    login_key = UnicodeAttribute()
    locale = UnicodeAttribute()
    bound_version = NumberAttribute(null=True)  # customer version the token was issued for
    created_at = NumberAttribute()
    used_at = NumberAttribute(null=True)
    expires_at = NumberAttribute()
    expiry_bucket = UnicodeAttribute(null=True)

    expiry_index = ExpiryIndex()


class Session(BaseTable):
    """A sign-in session: the refresh token is ``<session_id>.<secret>``, the secret hashed."""

    TABLE_SUFFIX = "sessions"
    TTL_ATTRIBUTE = "expires_at"

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

    expiry_index = ExpiryIndex()


class StaffKeyKindIndex(GlobalSecondaryIndex["Any"]):
    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class StaffKey(BaseTable):
    """A staff API key, found by the SHA-256 of the presented secret."""

    TABLE_SUFFIX = "staff-keys"

    class Meta:
        table_name = "unconfigured"

    key_hash = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute()  # public handle for listing and revoking
    kind = UnicodeAttribute(default="staff_key")
    name = UnicodeAttribute()
    created_at = NumberAttribute()
    revoked_at = NumberAttribute(null=True)

    by_kind = StaffKeyKindIndex()


class DueIndex(GlobalSecondaryIndex["Any"]):
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


class IdempotencyRecord(BaseTable):
    """The answer to a create, kept 24 h under ``<website>#<operation>#<Idempotency-Key>``."""

    TABLE_SUFFIX = "idempotency"
    TTL_ATTRIBUTE = "expires_at"

    class Meta:
        table_name = "unconfigured"

    idempotency_key = UnicodeAttribute(hash_key=True)
    request_hash = UnicodeAttribute()
    status_code = NumberAttribute()
    response = UnicodeAttribute()
    expires_at = NumberAttribute()


class PendingIndex(GlobalSecondaryIndex["Any"]):
    """Sparse: only pending invitations carry ``pending_in`` (their namespace)."""

    class Meta:
        index_name = "pending"
        projection = AllProjection()

    pending_in = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class Invitation(BaseTable):
    """Portal access granted by staff to one customer; its current token is ``token_hash``."""

    TABLE_SUFFIX = "invitations"

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


class OpenJobIndex(GlobalSecondaryIndex["Any"]):
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


class DocumentDateIndex(GlobalSecondaryIndex["Any"]):
    """A customer's documents newest first: ``date_key`` is "<ISO date>#<document id>"."""

    class Meta:
        index_name = "by_date"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    date_key = UnicodeAttribute(range_key=True)


class DocumentTypeIndex(GlobalSecondaryIndex["Any"]):
    """A customer's documents of one type, newest first: "<type>#<ISO date>#<id>"."""

    class Meta:
        index_name = "by_type"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    type_date_key = UnicodeAttribute(range_key=True)


class Document(BaseTable):
    """A quotation, order, invoice, subscription or payment, fed by the order system."""

    TABLE_SUFFIX = "documents"

    class Meta:
        table_name = "unconfigured"

    customer_id = UnicodeAttribute(hash_key=True)
    document_id = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()
    status = UnicodeAttribute()
    date = UnicodeAttribute()  # ISO 8601 date or date-time, as the order system sent it
    date_key = UnicodeAttribute()
    number = UnicodeAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    totals = UnicodeAttribute(null=True)  # JSON
    lines = UnicodeAttribute(null=True)  # JSON list
    created_at = NumberAttribute()
    updated_at = NumberAttribute()

    type_date_key = UnicodeAttribute(null=True)  # "<type>#<ISO date>#<document id>"

    by_date = DocumentDateIndex()
    by_type = DocumentTypeIndex()


class PortalItem(BaseTable):
    """What a customer keeps in the portal, in the customer's own partition.

    ``item_key`` is "<kind>#<id>": ``address#…``, ``address#~book`` (the defaults and the
    count), ``wish#<product>``, ``list#…`` (shopping lists and saved carts), ``payment#…``.
    Every listing is one ``Query`` on ``begins_with(item_key, "<kind>#")``.
    """

    TABLE_SUFFIX = "portal"

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


class Activity(BaseTable):
    """A customer's account activity, newest first by ``at``."""

    TABLE_SUFFIX = "activity"
    TTL_ATTRIBUTE = "expires_at"

    class Meta:
        table_name = "unconfigured"

    customer_id = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)  # "<epoch ms, 13 digits>#<random>": sorts by time
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()  # "customer", "staff:<key id>" or "system"
    detail = UnicodeAttribute(null=True)  # JSON, nothing secret
    expires_at = NumberAttribute()


ALL_TABLES: tuple[type[BaseTable], ...] = (
    Customer,
    Login,
    Token,
    Session,
    StaffKey,
    OutboxMessage,
    IdempotencyRecord,
    Invitation,
    InvitationJob,
    Activity,
    Document,
    PortalItem,
)


def configure_tables(prefix: str, region: str | None = None, host: str | None = None) -> None:
    """Point every model at ``{prefix}-{suffix}``, sharing one botocore client.

    pynamodb builds a botocore session and client per model; each costs ~100 ms of
    cold start, so every table's connection reuses the first one's client (botocore
    clients are thread-safe). Timeouts are short so an outage answers 503 quickly.
    """
    shared = None
    for model in ALL_TABLES:
        model.Meta.table_name = f"{prefix}-{model.TABLE_SUFFIX}"
        if region:
            setattr(model.Meta, "region", region)  # noqa: B010 (pynamodb reads Meta lazily)
        setattr(model.Meta, "host", host)  # noqa: B010
        setattr(model.Meta, "connect_timeout_seconds", 2)  # noqa: B010
        setattr(model.Meta, "read_timeout_seconds", 5)  # noqa: B010
        model._connection = None  # pynamodb caches the connection with the old name
        connection = model._get_connection().connection
        if shared is None:
            shared = connection  # its client is created on first use, by pynamodb
        else:
            connection._client = _SharedClient(shared)  # type: ignore[assignment]


class _SharedClient:
    """Stands in for a connection's client and forwards to the shared connection's one."""

    def __init__(self, owner: Any) -> None:
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._owner.client, name)

    def __bool__(self) -> bool:
        return True


def create_tables(
    prefix: str, region: str | None = None, host: str | None = None, *, wait: bool = True
) -> None:
    """Create every table (local server and tests; AWS stages get them from ``infra/``).

    ``wait=False`` skips pynamodb's 2-second polling, for moto where tables are born active.
    """
    configure_tables(prefix, region, host)
    for model in ALL_TABLES:
        if not model.exists():
            model.create_table(wait=wait, billing_mode="PAY_PER_REQUEST")
            if model.STREAM:
                _enable_stream(model)
            if model.TTL_ATTRIBUTE:
                _client(model).update_time_to_live(
                    TableName=model.Meta.table_name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": model.TTL_ATTRIBUTE},
                )


def _client(model: type[BaseTable]) -> Any:
    return model._get_connection().connection.client


def _enable_stream(model: type[BaseTable]) -> None:
    _client(model).update_table(
        TableName=model.Meta.table_name,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )
