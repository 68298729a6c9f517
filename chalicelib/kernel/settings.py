"""Per-website settings, read from the stage's environment and validated once.

Each Chalice stage is one website. Its settings come from the stage's environment
variables (see ``.chalice/config.json``); they are validated on first use in a cold
container and a wrong value fails with a message that names the setting.
"""

from __future__ import annotations

import os
import re
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

from chalicelib.kernel.branding import Brand, brand_color, https_url, one_line
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
#: the languages of pages and emails: one catalog each in ``chalicelib/locales``
SUPPORTED_LOCALES = ("en", "fr", "de", "es", "it")


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _slug(value: str) -> str:
    if not value or not all(c.isalnum() or c == "-" for c in value) or value != value.lower():
        raise ValueError("must be a lower-case slug (a-z, 0-9, '-')")
    return value


def _address(value: str) -> str:
    if not SIMPLE_ADDRESS.match(value):
        raise ValueError("must be one email address (name@example.com)")
    return value


SIMPLE_ADDRESS = re.compile(r"^[^@\s\"<>,;]+@[^@\s\"<>,;]+\.[^@\s\"<>,;]+$")
Url = Annotated[str, AfterValidator(_url)]
Slug = Annotated[str, AfterValidator(_slug)]
HttpsUrl = Annotated[str, AfterValidator(https_url)]
Line = Annotated[str, AfterValidator(one_line)]


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
    SUPPORT_EMAIL: Annotated[str, AfterValidator(_address)] | None = None  # the emails' Reply-To
    SUPPORT_URL: HttpsUrl | None = None
    LEGAL_FOOTER: Annotated[Line, Field(max_length=300)] | None = None

    # Where the data and the secret live (names, never secrets).
    TABLE_PREFIX: Slug
    ACCOUNT_POOL: Slug | None = None
    SECRET_ID: str
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
            return f"pool:{self.ACCOUNT_POOL or self.TABLE_PREFIX}"
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
            "document_types": list(self.DOCUMENT_TYPES),
            "shopping_lists": self.B2B_LISTS,
            "guest_ttl_days": self.GUEST_TTL_DAYS,
            "default_locale": self.DEFAULT_LOCALE,
            "supported_locales": list(SUPPORTED_LOCALES),
            "storefront_url": self.STOREFRONT_URL,
            "public_api_url": self.PUBLIC_API_URL,
            "branding": {
                "shop_name": self.brand.name,
                "logo_url": self.LOGO_URL,
                "brand_color": self.BRAND_COLOR,
                "support_email": self.SUPPORT_EMAIL,
                "support_url": self.SUPPORT_URL,
                "legal_footer": self.LEGAL_FOOTER,
            },
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
