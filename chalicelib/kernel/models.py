"""pynamodb models: one table per kind of record, all named ``{TABLE_PREFIX}-{suffix}``.

Times are epoch seconds (``NumberAttribute``). Every ephemeral item carries
``expires_at``, which is also the table's DynamoDB TTL attribute: TTL deletion lags
by days, so every read checks ``expires_at`` in code as well (see ``is_live``).
``docs/DATA_MODEL.md`` lists each table's access patterns.

The kernel holds the base every feature's models derive from (which registers each
table and places it in the stage on first use) and the tables every feature writes:
single-use link tokens, idempotency records and budget counters. ``chalicelib.tables``
lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model


class BaseTable(Model):
    """Common base: the real table name is set by ``configure_tables`` at first use."""

    TABLE_SUFFIX: ClassVar[str] = ""
    TTL_ATTRIBUTE: ClassVar[str | None] = None
    STREAM: ClassVar[bool] = False
    #: what a stream record carries: the keys (the consumer reads the item) or the new item
    STREAM_VIEW: ClassVar[str] = "KEYS_ONLY"
    #: the Lambda (app.py) fed by this table's stream, and the events it is given
    STREAM_CONSUMER: ClassVar[str | None] = None
    STREAM_EVENTS: ClassVar[tuple[str, ...]] = ()
    STREAM_TTL_ONLY: ClassVar[bool] = False  # only the deletions DynamoDB TTL makes
    #: personal data (GDPR): the attributes that hold it, and the attribute naming the
    #: customer an item belongs to. Erasure scrubs them and the export includes them;
    #: a test walks every table and fails on one that holds personal data undeclared.
    PERSONAL: ClassVar[tuple[str, ...]] = ()
    CUSTOMER_KEY: ClassVar[str | None] = None
    #: identity (credentials, email uniqueness, abuse budgets): in a shared pool
    #: (``ACCOUNT_SCOPE=shared``) one table for every website, ``{POOL_TABLE_PREFIX}-…``
    SHARED_IN_POOL: ClassVar[bool] = False

    #: every concrete table, in the order its module was imported (see ``chalicelib.tables``)
    registered: ClassVar[list[type[BaseTable]]] = []

    class Meta:
        abstract = True
        table_name = "unconfigured"
        billing_mode = "PAY_PER_REQUEST"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        BaseTable.registered.append(cls)

    @classmethod
    def _get_connection(cls) -> TableConnection:
        global _shared
        if _placement is None or cls._connection is not None:
            return super()._get_connection()
        _place(cls, _placement)
        table = super()._get_connection()
        if _shared is None:
            _shared = table.connection  # its client is created on first use, by pynamodb
        else:
            table.connection._client = _SharedClient(_shared)  # type: ignore[assignment]
        return table


def is_live(item: Any, now: float) -> bool:
    """An item whose ``expires_at`` has passed is absent, whether or not TTL removed it."""
    expires_at = getattr(item, "expires_at", None)
    return expires_at is None or expires_at > now


class ExpiryIndex(GlobalSecondaryIndex[Any]):
    """Sparse index for cleanup: ``expiry_bucket`` is "YYYY-MM-DD#shard" of the expiry day."""

    class Meta:
        index_name = "expiry"
        projection = KeysOnlyProjection()

    expiry_bucket = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class CustomerIndex(GlobalSecondaryIndex[Any]):
    """A customer's items of a table keyed otherwise: how erasure finds them without a scan."""

    class Meta:
        index_name = "by_customer"
        projection = KeysOnlyProjection()

    customer_id = UnicodeAttribute(hash_key=True)


class Token(BaseTable):
    """A single-use emailed token, stored only as the SHA-256 of the secret."""

    TABLE_SUFFIX = "tokens"
    TTL_ATTRIBUTE = "expires_at"
    PERSONAL = ("login_key",)  # "<namespace>#<email>"
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    token_hash = UnicodeAttribute(hash_key=True)
    purpose = UnicodeAttribute()  # verify | reset | invite | handoff
    ref = UnicodeAttribute(null=True)  # the invitation an invite token belongs to
    customer_id = UnicodeAttribute()
    login_key = UnicodeAttribute()
    locale = UnicodeAttribute()
    # what the token was issued for: the customer's version (verify, invite, email change),
    # its session epoch (reset); a newer one kills the token
    bound_version = NumberAttribute(null=True)
    created_at = NumberAttribute()
    used_at = NumberAttribute(null=True)
    expires_at = NumberAttribute()
    expiry_bucket = UnicodeAttribute(null=True)

    expiry_index = ExpiryIndex()
    by_customer = CustomerIndex()


class IdempotencyRecord(BaseTable):
    """The answer to a create, kept 24 h under ``<website>#<operation>#<Idempotency-Key>``."""

    TABLE_SUFFIX = "idempotency"
    TTL_ATTRIBUTE = "expires_at"
    PERSONAL = ("response",)  # a create's answer may name the person; kept 24 h

    class Meta:
        table_name = "unconfigured"

    idempotency_key = UnicodeAttribute(hash_key=True)
    request_hash = UnicodeAttribute()
    status_code = NumberAttribute()
    response = UnicodeAttribute()
    expires_at = NumberAttribute()


class BudgetCounter(BaseTable):
    """Uses of one budget by one subject in one long window (``kernel.budgets``).

    Keyed ``<kind>#<keyed hash of the subject>#<window>``: never a plain address or IP.
    ``total`` counts the long window; one ``w<n>`` attribute per short window counts that
    one (written by name, so not declared here). A window's key is never used again once
    it has passed, so TTL alone removes the item; nothing reads it after that.
    """

    TABLE_SUFFIX = "budgets"
    TTL_ATTRIBUTE = "expires_at"

    class Meta:
        table_name = "unconfigured"

    SHARED_IN_POOL = True  # an address's email budget holds across the websites of a pool

    counter_key = UnicodeAttribute(hash_key=True)
    total = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


@dataclass(frozen=True)
class _Placement:
    prefix: str
    shared_prefix: str | None
    region: str | None
    host: str | None


_placement: _Placement | None = None
_shared: Any = None  # the first configured connection, whose botocore client every table reuses


def configure_tables(
    prefix: str, region: str | None = None, host: str | None = None, shared_prefix: str | None = None
) -> None:
    """Point every model at ``{prefix}-{suffix}`` (a pool's identity tables at
    ``{shared_prefix}-{suffix}``), sharing one botocore client.

    Models register themselves by subclassing ``BaseTable``, so the kernel configures the
    features' tables without importing them; a model first used after this call is
    placed on first use (``BaseTable._get_connection``).

    pynamodb builds a botocore session and client per model; each costs ~100 ms of
    cold start, so every table's connection reuses the first one's client (botocore
    clients are thread-safe). Timeouts are short so an outage answers 503 quickly.
    """
    global _placement, _shared
    _placement = _Placement(prefix, shared_prefix, region, host)
    _shared = None
    for model in BaseTable.registered:
        model._connection = None  # pynamodb caches the connection with the old name
        model._get_connection()


def table_name(model: type[BaseTable], prefix: str, shared_prefix: str | None = None) -> str:
    """The table of ``model`` in a stage whose tables are named ``{prefix}-…``, and whose
    pool's shared tables (if any) ``{shared_prefix}-…``."""
    if shared_prefix and model.SHARED_IN_POOL:
        return f"{shared_prefix}-{model.TABLE_SUFFIX}"
    return f"{prefix}-{model.TABLE_SUFFIX}"


def _place(model: type[BaseTable], placement: _Placement) -> None:
    model.Meta.table_name = table_name(model, placement.prefix, placement.shared_prefix)
    if placement.region:
        setattr(model.Meta, "region", placement.region)  # noqa: B010 (pynamodb reads Meta lazily)
    setattr(model.Meta, "host", placement.host)  # noqa: B010
    setattr(model.Meta, "connect_timeout_seconds", 2)  # noqa: B010
    setattr(model.Meta, "read_timeout_seconds", 5)  # noqa: B010


class _SharedClient:
    """Stands in for a connection's client and forwards to the shared connection's one."""

    def __init__(self, owner: Any) -> None:
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._owner.client, name)

    def __bool__(self) -> bool:
        return True
