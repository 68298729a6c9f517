"""The settings' vocabulary: the choices a stage makes (enums), the paths of emailed links
on a storefront, the supported languages, and the checked value types a setting uses.
Kept apart from ``settings`` so a module that needs a choice does not read the model."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator

from chalicelib.kernel.branding import https_url, one_line


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
    "/sign-in/link": "/account/sign-in/link",
    "/erasure": "/account/erasure",
}

#: the emailed link's name in ``GET /website``'s ``storefront_paths`` → its storefront path
LINK_NAMES = {
    "verify": LINK_PATHS["/verify"],
    "reset_password": LINK_PATHS["/password/reset"],
    "invitation": LINK_PATHS["/invitations"],
    "register": LINK_PATHS["/register"],
    "merge": LINK_PATHS["/merge"],
    "confirm_email": LINK_PATHS["/email/confirm"],
    "sign_in_link": LINK_PATHS["/sign-in/link"],
    "erasure": LINK_PATHS["/erasure"],
}

SIGNIN_METHODS = ("password", "code")  # sign-in by password; by a one-time code emailed
#: Hosts whose stage runs on this machine (``make run``, tests): only they may shorten
#: the code resend cooldown below its deployed floor.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
DOCUMENT_TYPES = ("quotation", "order", "invoice", "subscription", "payment")
#: the languages of pages and emails: one catalog each in ``chalicelib/locales``
SUPPORTED_LOCALES = ("en", "fr", "de", "es", "it")


def url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def slug(value: str) -> str:
    if not value or not all(c.isalnum() or c == "-" for c in value) or value != value.lower():
        raise ValueError("must be a lower-case slug (a-z, 0-9, '-')")
    return value


def address(value: str) -> str:
    if not SIMPLE_ADDRESS.match(value):
        raise ValueError("must be one email address (name@example.com)")
    return value


SIMPLE_ADDRESS = re.compile(r"^[^@\s\"<>,;]+@[^@\s\"<>,;]+\.[^@\s\"<>,;]+$")
Url = Annotated[str, AfterValidator(url)]
Slug = Annotated[str, AfterValidator(slug)]
Address = Annotated[str, AfterValidator(address)]
HttpsUrl = Annotated[str, AfterValidator(https_url)]
Line = Annotated[str, AfterValidator(one_line)]
