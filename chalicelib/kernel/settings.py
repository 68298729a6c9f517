"""Per-website settings, read from the stage's environment and validated once.

Each Chalice stage is one website. Its settings come from the stage's environment
variables (see ``.chalice/config.json``); they are validated on first use in a cold
container and a wrong value fails with a message that names the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chalicelib.kernel.errors import SettingsError


class SignupMode(StrEnum):
    FREE = "free"
    INVITATION = "invitation"


class CheckoutMode(StrEnum):
    OPTIONAL = "optional"
    GUEST_ONLY = "guest_only"
    MANDATORY = "mandatory"


class ShopAccess(StrEnum):
    PUBLIC = "public"
    LOGGED_IN = "logged_in"


class AccountScope(StrEnum):
    WEBSITE = "website"
    SHARED = "shared"


class MailDispatch(StrEnum):
    """How an outbox email leaves right after its transaction commits."""

    INLINE = "inline"  # the request that wrote it sends it (small stages, local)
    STREAM = "stream"  # the outbox table's DynamoDB stream triggers the sender Lambda


class LinkTarget(StrEnum):
    API = "api"  # PUBLIC_API_URL/verify?token=..., the hosted pages
    STOREFRONT = "storefront"  # STOREFRONT_URL/account/verify?token=..., the shop's pages


#: Hosted page path of each emailed link -> the storefront path that handles it instead.
LINK_PATHS = {
    "/verify": "/account/verify",
    "/password/reset": "/account/reset-password",
    "/invitations": "/account/invitation",
    "/register": "/account/register",
    "/merge": "/account/merge",
    "/email/confirm": "/account/confirm-email",
}

DOCUMENT_TYPES = ("quotation", "order", "invoice", "subscription", "payment")
SUPPORTED_LOCALES = ("en", "fr")


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _slug(value: str) -> str:
    if not value or not all(c.isalnum() or c == "-" for c in value) or value != value.lower():
        raise ValueError("must be a lower-case slug (a-z, 0-9, '-')")
    return value


Url = Annotated[str, AfterValidator(_url)]
Slug = Annotated[str, AfterValidator(_slug)]


class Settings(BaseModel):
    """Validated settings of one website (one stage)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    # SPEC §1: the website's behaviour.
    WEBSITE_ID: Slug
    SIGNUP_MODE: SignupMode = SignupMode.FREE
    CHECKOUT_MODE: CheckoutMode = CheckoutMode.OPTIONAL
    SHOP_ACCESS: ShopAccess = ShopAccess.PUBLIC
    ACCOUNT_SCOPE: AccountScope = AccountScope.WEBSITE
    DOCUMENT_TYPES: tuple[str, ...] = DOCUMENT_TYPES
    GUEST_TTL_DAYS: int = Field(default=30, ge=1, le=3650)
    DEFAULT_LOCALE: str = "en"
    STOREFRONT_URL: Url
    PUBLIC_API_URL: Url
    MAIL_FROM: str
    # Where emailed links land: the service's hosted pages, or the storefront's own pages.
    LINKS_TO: LinkTarget = LinkTarget.API
    STOREFRONT_SIGNIN_PATH: str = "/account/sign-in"
    STOREFRONT_FORGOT_PATH: str = "/account/forgot-password"
    # Where the invitation page posts its hand-off code (the storefront's server takes it).
    STOREFRONT_HANDOFF_PATH: str = "/account/handoff"

    # Where the data and the secret live (names, never secrets).
    TABLE_PREFIX: Slug
    ACCOUNT_POOL: Slug | None = None
    SECRET_ID: str
    # A shared pool (ACCOUNT_SCOPE=shared): the identity tables (customers, logins, budgets)
    # are named ``{POOL_TABLE_PREFIX}-…`` and shared by every website of the pool; one stage,
    # POOL_OWNER=true, creates them and the pool's secret (SECRET_ID), the others import them.
    POOL_TABLE_PREFIX: Slug | None = None
    POOL_OWNER: bool = False
    # Opt-in: the pool's other websites whose documents this website's customers may read
    # (``GET /me/websites/{website_id}/documents``), as ``website_id=TABLE_PREFIX`` pairs.
    POOL_DOCUMENTS_FROM: tuple[tuple[str, str], ...] = ()
    MAIL_DISPATCH: MailDispatch = MailDispatch.INLINE

    # Security numbers (SPEC §4 gives the floors; a stage may only raise them).
    ARGON2_MEMORY_KIB: int = Field(default=19456, ge=19456)
    ARGON2_TIME_COST: int = Field(default=2, ge=2)
    ACCESS_TOKEN_MINUTES: int = Field(default=15, ge=1, le=15)
    REFRESH_TOKEN_DAYS: int = Field(default=30, ge=1, le=30)
    VERIFY_TOKEN_HOURS: int = Field(default=24, ge=1, le=24)
    RESET_TOKEN_MINUTES: int = Field(default=60, ge=5, le=60)
    SIGNUP_PENDING_DAYS: int = Field(default=7, ge=1, le=30)
    INVITATION_TOKEN_DAYS: int = Field(default=7, ge=1, le=30)
    EMAIL_CHANGE_MINUTES: int = Field(default=60, ge=5, le=60)
    # A B2B website: its customers get shopping lists and saved carts.
    B2B_LISTS: bool = False
    MAIL_SEND_RATE: float = Field(default=10, gt=0, le=1000)  # emails per second (SES quota)
    ACTIVITY_RETENTION_DAYS: int = Field(default=730, ge=30)

    # Abuse budgets (SPEC §4). Emails a caller can make us send to an address it may not own,
    # per address and kind: a few an hour, more are dropped. A stage may lower them, never
    # raise them past the ceilings (a mailbox flood gets the SES account suspended).
    EMAIL_BUDGET_PER_HOUR: int = Field(default=3, ge=1, le=10)
    EMAIL_BUDGET_PER_DAY: int = Field(default=10, ge=1, le=50)
    # Requests per source IP and route group (sign-up, sign-in, password, invitation) on the
    # routes that hash passwords or send email; past them 429 + Retry-After. Generous: a shop's
    # customers may share one address behind NAT.
    SOURCE_BUDGET_PER_MINUTE: int = Field(default=30, ge=1, le=10_000)
    SOURCE_BUDGET_PER_HOUR: int = Field(default=600, ge=1, le=100_000)
    #: the same per storefront key (its server's checkouts and hand-offs)
    STOREFRONT_BUDGET_PER_MINUTE: int = Field(default=600, ge=1, le=100_000)
    STOREFRONT_BUDGET_PER_HOUR: int = Field(default=20_000, ge=1, le=1_000_000)
    # API Gateway stage throttling (infra/template.py): steady requests per second, and burst.
    API_THROTTLE_RATE: float = Field(default=100, gt=0, le=10_000)
    API_THROTTLE_BURST: int = Field(default=200, ge=1, le=5_000)

    # ERP instant accounts (``chalicelib.erp``): a verified email matching a live ERP trade
    # contact gets an account linked to its ERP account, even when SIGNUP_MODE=invitation
    # (sign-up is then open to matching contacts only). Cash accounts (glob patterns of
    # account codes, or a contact sent with ``account_type: cash``) and the excluded
    # account codes never match.
    ERP_INSTANT_ACCOUNTS: bool = False
    ERP_CASH_ACCOUNTS: tuple[str, ...] = ()
    ERP_EXCLUDED_ACCOUNTS: tuple[str, ...] = ()

    @field_validator("ERP_CASH_ACCOUNTS", "ERP_EXCLUDED_ACCOUNTS", mode="before")
    @classmethod
    def _code_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(code.strip() for code in value.split(",") if code.strip())
        return value

    @field_validator("POOL_DOCUMENTS_FROM", mode="before")
    @classmethod
    def _pool_documents(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        pairs = []
        for entry in (e.strip() for e in value.split(",") if e.strip()):
            website, _, prefix = entry.partition("=")
            pairs.append((_slug(website.strip()), _slug(prefix.strip())))
        return tuple(pairs)

    @model_validator(mode="after")
    def _pool(self) -> Settings:
        shared = self.ACCOUNT_SCOPE is AccountScope.SHARED
        if shared and not (self.ACCOUNT_POOL and self.POOL_TABLE_PREFIX):
            raise ValueError("ACCOUNT_SCOPE=shared needs ACCOUNT_POOL and POOL_TABLE_PREFIX")
        if not shared and (self.POOL_OWNER or self.POOL_TABLE_PREFIX):
            raise ValueError("POOL_OWNER and POOL_TABLE_PREFIX need ACCOUNT_SCOPE=shared")
        if shared and self.POOL_TABLE_PREFIX == self.TABLE_PREFIX:
            raise ValueError("POOL_TABLE_PREFIX must differ from TABLE_PREFIX")
        if self.POOL_DOCUMENTS_FROM and not shared:
            raise ValueError("POOL_DOCUMENTS_FROM needs ACCOUNT_SCOPE=shared")
        return self

    @property
    def shared_table_prefix(self) -> str | None:
        """Where the pool's shared tables live (None: a website with its own accounts)."""
        return self.POOL_TABLE_PREFIX if self.ACCOUNT_SCOPE is AccountScope.SHARED else None

    @model_validator(mode="after")
    def _budgets(self) -> Settings:
        if self.EMAIL_BUDGET_PER_DAY < self.EMAIL_BUDGET_PER_HOUR:
            raise ValueError("EMAIL_BUDGET_PER_DAY must be at least EMAIL_BUDGET_PER_HOUR")
        if self.SOURCE_BUDGET_PER_HOUR < self.SOURCE_BUDGET_PER_MINUTE:
            raise ValueError("SOURCE_BUDGET_PER_HOUR must be at least SOURCE_BUDGET_PER_MINUTE")
        if self.STOREFRONT_BUDGET_PER_HOUR < self.STOREFRONT_BUDGET_PER_MINUTE:
            raise ValueError("STOREFRONT_BUDGET_PER_HOUR must be at least STOREFRONT_BUDGET_PER_MINUTE")
        if self.API_THROTTLE_BURST < self.API_THROTTLE_RATE:
            raise ValueError("API_THROTTLE_BURST must be at least API_THROTTLE_RATE")
        return self

    @field_validator("DOCUMENT_TYPES", mode="before")
    @classmethod
    def _document_types(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(t.strip() for t in value.split(",") if t.strip())
        unknown = [t for t in value if t not in DOCUMENT_TYPES]
        if unknown:
            raise ValueError(f"unknown document types {unknown}; allowed: {', '.join(DOCUMENT_TYPES)}")
        return tuple(value)

    @field_validator("DEFAULT_LOCALE")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value.split("-")[0].lower() not in SUPPORTED_LOCALES:
            raise ValueError(f"unsupported locale; supported: {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("MAIL_FROM")
    @classmethod
    def _mail_from(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("must be an email address")
        return value

    @property
    def account_namespace(self) -> str:
        """The namespace in which an email is unique: the website or the shared pool."""
        if self.ACCOUNT_SCOPE is AccountScope.SHARED:
            return f"pool:{self.ACCOUNT_POOL}"
        return f"web:{self.WEBSITE_ID}"

    def link(self, page: str, token: str) -> str:
        """The emailed link for a hosted ``page`` (``/verify``, ``/password/reset``)."""
        if self.LINKS_TO is LinkTarget.STOREFRONT:
            return f"{self.STOREFRONT_URL}{LINK_PATHS[page]}?token={token}"
        return f"{self.PUBLIC_API_URL}{page}?token={token}"

    def storefront(self, path: str) -> str:
        return f"{self.STOREFRONT_URL}{path}"

    def public(self) -> dict[str, Any]:
        """What a storefront may read through ``GET /website``."""
        return {
            "website_id": self.WEBSITE_ID,
            "signup_mode": self.SIGNUP_MODE.value,
            "signup_enabled": self.SIGNUP_MODE is SignupMode.FREE,
            "checkout_mode": self.CHECKOUT_MODE.value,
            "shop_access": self.SHOP_ACCESS.value,
            "account_scope": self.ACCOUNT_SCOPE.value,
            "account_pool": self.ACCOUNT_POOL if self.ACCOUNT_SCOPE is AccountScope.SHARED else None,
            "pool_documents_from": [website for website, _ in self.POOL_DOCUMENTS_FROM],
            "erp_instant_accounts": self.ERP_INSTANT_ACCOUNTS,
            "document_types": list(self.DOCUMENT_TYPES),
            "shopping_lists": self.B2B_LISTS,
            "guest_ttl_days": self.GUEST_TTL_DAYS,
            "default_locale": self.DEFAULT_LOCALE,
            "supported_locales": list(SUPPORTED_LOCALES),
            "storefront_url": self.STOREFRONT_URL,
            "public_api_url": self.PUBLIC_API_URL,
        }


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Validate the settings in ``environ`` (default: ``os.environ``).

    Raises :class:`SettingsError` naming each wrong setting.
    """
    env = os.environ if environ is None else environ
    names = Settings.model_fields.keys()
    raw = {name: env[name] for name in names if env.get(name) not in (None, "")}
    try:
        return Settings.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '?'}: {err['msg']}" for err in e.errors()
        )
        raise SettingsError(f"invalid website settings: {problems}") from e
