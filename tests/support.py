"""Shared test settings and helpers (no fixtures here; see the tiers' conftest.py)."""

from __future__ import annotations

from typing import Any

from chalicelib.kernel.settings import Settings

MAIL_FROM = "no-reply@test-shop.example"

BASE_SETTINGS: dict[str, Any] = {
    "WEBSITE_ID": "test-shop",
    "STOREFRONT_URL": "https://shop.example",
    "PUBLIC_API_URL": "https://accounts.shop.example",
    "MAIL_FROM": MAIL_FROM,
    "TABLE_PREFIX": "accounts-test",
    "SECRET_ID": "customer-accounts/test/master",
}


def make_settings(**overrides: Any) -> Settings:
    return Settings(**{**BASE_SETTINGS, **overrides})


STRONG_PASSWORD = "correct horse battery staple"
