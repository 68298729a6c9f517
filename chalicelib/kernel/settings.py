"""Per-website settings, read from the stage's environment and validated once.

Each Chalice stage is one website. Its settings come from the stage's environment
variables (see ``.chalice/config.json``); they are validated on first use in a cold
container and a wrong value fails with a message that names the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chalicelib.kernel.branding import Brand, brand_color
from chalicelib.kernel.choices import (
    DOCUMENT_TYPES,
    LINK_PATHS,
    LOCAL_HOSTS,
    SIGNIN_METHODS,
    SUPPORTED_LOCALES,
    AccountScope,
    Address,
    CheckoutMode,
    HttpsUrl,
    Line,
    LinkTarget,
    MailDispatch,
    ShopAccess,
    SignupMode,
    Slug,
    Url,
    slug,
)
from chalicelib.kernel.errors import SettingsError


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

    # Branding of pages and emails (README "Branding"). The colour fills buttons under white
    # text: below WCAG AA contrast (4.5:1) against white it is refused.
    SHOP_NAME: Annotated[Line, Field(max_length=80)] | None = None  # default: WEBSITE_ID
    LOGO_URL: HttpsUrl | None = None
    BRAND_COLOR: Annotated[str, AfterValidator(brand_color)] = "#1a5fb4"
    SUPPORT_EMAIL: Address | None = None  # the emails' Reply-To
    SUPPORT_URL: HttpsUrl | None = None
    LEGAL_FOOTER: Annotated[Line, Field(max_length=300)] | None = None

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
    ERASURE_TOKEN_HOURS: int = Field(default=24, ge=1, le=72)  # the customer's own erasure link
    # A B2B website: its customers get shopping lists and saved carts.
    B2B_LISTS: bool = False
    MAIL_SEND_RATE: float = Field(default=10, gt=0, le=1000)  # emails per second (SES quota)
    ACTIVITY_RETENTION_DAYS: int = Field(default=730, ge=30)
    # Lifecycle events and webhooks: who is told when a failing webhook is disabled (none:
    # the webhook's status and the logs say it), and whether webhooks may target 127.0.0.1
    # over http (only a stage served on this machine, ``make run``: see ``_local_targets``).
    STAFF_ALERT_EMAIL: str | None = None
    WEBHOOK_LOCAL_TARGETS: bool = False
    # The first webhook retry's wait; the later ones scale with it (60 s: 8 retries over ~4 h).
    # Below 60 s only on a stage served on this machine, so ``make run`` and its tests see a
    # retry within seconds.
    WEBHOOK_RETRY_SECONDS: int = Field(default=60, ge=1, le=600)

    # Sign-in by emailed one-time code (chalicelib/codes). Numbers are floors: a stage may
    # only tighten them, except the resend cooldown on a local stage (PUBLIC_API_URL on
    # this machine), so tests and a first try need not wait a minute.
    SIGNIN_METHODS: tuple[str, ...] = ("password",)
    CODE_MINUTES: int = Field(default=10, ge=1, le=10)  # a code (and its link) lives this long
    CODE_TRIES: int = Field(default=5, ge=1, le=5)  # wrong tries per address and window
    CODE_RESEND_SECONDS: int = Field(default=60, ge=1, le=3600)
    CODE_SENDS_PER_HOUR: int = Field(default=5, ge=1, le=5)  # codes per address per window
    # Customer imports: the S3 bucket of the uploaded files and error files (the template
    # creates it; default "<TABLE_PREFIX>-<WEBSITE_ID>-imports").
    IMPORTS_BUCKET: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] | None = None

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
    # Back office: customer references "{REFERENCE_PREFIX}-{n}" (at most 14 characters), n
    # advanced by a random step 1..REFERENCE_STEP_MAX through an atomic counter.
    REFERENCE_PREFIX: str = Field(default="C", pattern=r"^[A-Za-z0-9]{1,4}$")
    REFERENCE_STEP_MAX: int = Field(default=50, ge=1, le=1000)

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
            pairs.append((slug(website.strip()), slug(prefix.strip())))
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
        if self.CODE_RESEND_SECONDS < 60 and urlsplit(self.PUBLIC_API_URL).hostname not in LOCAL_HOSTS:
            raise ValueError("CODE_RESEND_SECONDS must be at least 60 on a deployed stage")
        return self

    @field_validator("SIGNIN_METHODS", mode="before")
    @classmethod
    def _signin_methods(cls, value: Any) -> Any:
        if value == "both":
            return SIGNIN_METHODS
        if isinstance(value, str):
            value = tuple(m.strip() for m in value.split(",") if m.strip())
        unknown = [m for m in value if m not in SIGNIN_METHODS]
        if unknown or not value:
            raise ValueError(f"give {', '.join(SIGNIN_METHODS)} or both")
        return tuple(m for m in SIGNIN_METHODS if m in value)

    @model_validator(mode="after")
    def _local_targets(self) -> Settings:
        local = self.PUBLIC_API_URL.startswith(("http://127.0.0.1:", "http://localhost:"))
        if self.WEBHOOK_LOCAL_TARGETS and not local:
            raise ValueError("WEBHOOK_LOCAL_TARGETS is only for a stage served on this machine")
        if self.WEBHOOK_RETRY_SECONDS < 60 and not local:
            raise ValueError("WEBHOOK_RETRY_SECONDS is at least 60 on a deployed stage")
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

    @field_validator("MAIL_FROM", "STAFF_ALERT_EMAIL")
    @classmethod
    def _mail_from(cls, value: str | None) -> str | None:
        if value is not None and "@" not in value:
            raise ValueError("must be an email address")
        return value

    @property
    def code_signin(self) -> bool:
        return "code" in self.SIGNIN_METHODS

    @property
    def password_signin(self) -> bool:
        return "password" in self.SIGNIN_METHODS

    @property
    def event_bus_name(self) -> str:
        """The stage's EventBridge bus (the template creates it)."""
        return f"{self.TABLE_PREFIX}-events"

    @property
    def brand(self) -> Brand:
        return Brand(
            name=self.SHOP_NAME or self.WEBSITE_ID,
            color=self.BRAND_COLOR,
            logo_url=self.LOGO_URL,
            support_email=self.SUPPORT_EMAIL,
            support_url=self.SUPPORT_URL,
            legal_footer=self.LEGAL_FOOTER,
            shop_url=self.STOREFRONT_URL,
        )

    @property
    def account_namespace(self) -> str:
        """The namespace in which an email is unique: the website or the shared pool."""
        if self.ACCOUNT_SCOPE is AccountScope.SHARED:
            return f"pool:{self.ACCOUNT_POOL}"
        return f"web:{self.WEBSITE_ID}"

    @property
    def imports_bucket(self) -> str:
        """The bucket of customer-import files (``IMPORTS_BUCKET`` or derived)."""
        return self.IMPORTS_BUCKET or f"{self.TABLE_PREFIX}-{self.WEBSITE_ID}-imports"[:63]

    def link(self, page: str, token: str) -> str:
        """The emailed link for a hosted ``page`` (``/verify``, ``/password/reset``)."""
        if self.LINKS_TO is LinkTarget.STOREFRONT:
            return f"{self.STOREFRONT_URL}{LINK_PATHS[page]}?token={token}"
        return f"{self.PUBLIC_API_URL}{page}?token={token}"

    def storefront(self, path: str) -> str:
        return f"{self.STOREFRONT_URL}{path}"


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
