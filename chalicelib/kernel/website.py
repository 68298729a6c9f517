"""What a storefront may read of its website's settings (``GET /website``): the choices,
the links' storefront paths and the branding, never a secret or a table name."""

from __future__ import annotations

from typing import Any

from chalicelib.kernel.choices import LINK_NAMES, SUPPORTED_LOCALES, AccountScope, LinkTarget, SignupMode
from chalicelib.kernel.settings import Settings


def public(s: Settings) -> dict[str, Any]:
    """What a storefront may read through ``GET /website``."""
    return {
        "website_id": s.WEBSITE_ID,
        "signup_mode": s.SIGNUP_MODE.value,
        "signup_enabled": s.SIGNUP_MODE is SignupMode.FREE,
        "signin_methods": list(s.SIGNIN_METHODS),
        "checkout_mode": s.CHECKOUT_MODE.value,
        "shop_access": s.SHOP_ACCESS.value,
        "account_scope": s.ACCOUNT_SCOPE.value,
        "account_pool": s.ACCOUNT_POOL if s.ACCOUNT_SCOPE is AccountScope.SHARED else None,
        "pool_documents_from": [website for website, _ in s.POOL_DOCUMENTS_FROM],
        "erp_instant_accounts": s.ERP_INSTANT_ACCOUNTS,
        "document_types": list(s.DOCUMENT_TYPES),
        "shopping_lists": s.B2B_LISTS,
        "guest_ttl_days": s.GUEST_TTL_DAYS,
        "default_locale": s.DEFAULT_LOCALE,
        "supported_locales": list(SUPPORTED_LOCALES),
        "storefront_url": s.STOREFRONT_URL,
        "public_api_url": s.PUBLIC_API_URL,
        "links_to": s.LINKS_TO.value,
        "storefront_paths": storefront_paths(s),
        "branding": {
            "shop_name": s.brand.name,
            "logo_url": s.LOGO_URL,
            "brand_color": s.BRAND_COLOR,
            "support_email": s.SUPPORT_EMAIL,
            "support_url": s.SUPPORT_URL,
            "legal_footer": s.LEGAL_FOOTER,
        },
    }


def storefront_paths(s: Settings) -> dict[str, str]:
    """Every path under ``STOREFRONT_URL`` the service sends a browser to (docs/STOREFRONT.md)."""
    paths = {
        "account_event": "/",
        "handoff": s.STOREFRONT_HANDOFF_PATH,
        "sign_in": s.STOREFRONT_SIGNIN_PATH,
        "forgot_password": s.STOREFRONT_FORGOT_PATH,
    }
    if s.LINKS_TO is LinkTarget.STOREFRONT:
        paths |= LINK_NAMES
    return paths
