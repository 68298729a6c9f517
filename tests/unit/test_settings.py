"""Per-website settings: validated once, a wrong value names the setting."""

from __future__ import annotations

import pytest

from chalicelib.kernel.errors import SettingsError
from chalicelib.kernel.settings import load_settings
from chalicelib.kernel.stage_config import stage_environment, stage_names
from chalicelib.kernel.website import public
from tests.support import BASE_SETTINGS, make_settings


def test_defaults_follow_the_spec() -> None:
    s = make_settings()
    assert (s.SIGNUP_MODE, s.CHECKOUT_MODE, s.SHOP_ACCESS, s.ACCOUNT_SCOPE) == (
        "free",
        "optional",
        "public",
        "website",
    )
    assert s.DOCUMENT_TYPES == ("quotation", "order", "invoice", "subscription", "payment")
    assert s.GUEST_TTL_DAYS == 30 and s.DEFAULT_LOCALE == "en"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SIGNUP_MODE", "open"),
        ("CHECKOUT_MODE", "sometimes"),
        ("SHOP_ACCESS", "private"),
        ("ACCOUNT_SCOPE", "global"),
        ("DOCUMENT_TYPES", "order,receipt"),
        ("GUEST_TTL_DAYS", "thirty"),
        ("DEFAULT_LOCALE", "xx"),
        ("STOREFRONT_URL", "shop.example"),
        ("WEBSITE_ID", "My Shop"),
        ("ARGON2_MEMORY_KIB", "4096"),
        ("ARGON2_TIME_COST", "1"),
        ("ACCESS_TOKEN_MINUTES", "60"),
        ("REFRESH_TOKEN_DAYS", "90"),
        ("VERIFY_TOKEN_HOURS", "48"),
        ("RESET_TOKEN_MINUTES", "240"),
        ("EMAIL_BUDGET_PER_HOUR", "0"),
        ("EMAIL_BUDGET_PER_HOUR", "100"),
        ("EMAIL_BUDGET_PER_DAY", "1000"),
        ("SOURCE_BUDGET_PER_MINUTE", "0"),
        ("SOURCE_BUDGET_PER_HOUR", "many"),
        ("API_THROTTLE_RATE", "0"),
        ("API_THROTTLE_BURST", "100000"),
    ],
)
def test_a_wrong_value_fails_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({**BASE_SETTINGS, name: value})
    assert name in str(raised.value)


def test_budget_defaults_and_their_bounds() -> None:
    """A few emails per address and kind (3 an hour, 10 a day); a stage may lower them, never
    switch them off or raise them past the ceilings; a long window holds at least a short one."""
    s = make_settings()
    assert (s.EMAIL_BUDGET_PER_HOUR, s.EMAIL_BUDGET_PER_DAY) == (3, 10)
    assert (s.SOURCE_BUDGET_PER_MINUTE, s.SOURCE_BUDGET_PER_HOUR) == (30, 600)
    assert (s.API_THROTTLE_RATE, s.API_THROTTLE_BURST) == (100, 200)
    assert make_settings(EMAIL_BUDGET_PER_HOUR=1, EMAIL_BUDGET_PER_DAY=2).EMAIL_BUDGET_PER_DAY == 2
    for name, value in (
        ("EMAIL_BUDGET_PER_DAY", "2"),
        ("SOURCE_BUDGET_PER_HOUR", "10"),
        ("API_THROTTLE_BURST", "50"),
    ):
        with pytest.raises(SettingsError, match=name):
            load_settings({**BASE_SETTINGS, name: value})


def test_a_missing_required_setting_is_named() -> None:
    environ = {k: v for k, v in BASE_SETTINGS.items() if k != "MAIL_FROM"}
    with pytest.raises(SettingsError, match="MAIL_FROM"):
        load_settings(environ)


def test_document_types_parse_from_a_comma_list() -> None:
    assert load_settings({**BASE_SETTINGS, "DOCUMENT_TYPES": "order, invoice"}).DOCUMENT_TYPES == (
        "order",
        "invoice",
    )


@pytest.mark.parametrize("stage", stage_names())
def test_every_stage_in_the_config_is_valid(stage: str) -> None:
    settings = load_settings(stage_environment(stage))
    assert settings.WEBSITE_ID


def test_the_website_stages_show_the_settings_at_work() -> None:
    b2c = public(load_settings(stage_environment("shop-b2c")))
    b2b = public(load_settings(stage_environment("shop-b2b")))
    assert (b2c["signup_mode"], b2c["checkout_mode"], b2c["shop_access"]) == ("free", "optional", "public")
    assert (b2b["signup_mode"], b2b["checkout_mode"], b2b["shop_access"]) == (
        "invitation",
        "mandatory",
        "logged_in",
    )
    assert b2b["signup_enabled"] is False


def test_shared_scope_makes_emails_unique_across_the_pool() -> None:
    pool = {"ACCOUNT_SCOPE": "shared", "ACCOUNT_POOL": "brand", "POOL_TABLE_PREFIX": "accounts-brand"}
    a = make_settings(WEBSITE_ID="shop-a", **pool)
    b = make_settings(WEBSITE_ID="shop-b", **pool)
    assert a.account_namespace == b.account_namespace == "pool:brand"
    assert (
        make_settings(WEBSITE_ID="shop-a").account_namespace
        != make_settings(WEBSITE_ID="shop-b").account_namespace
    )


def test_no_secret_lives_in_the_stage_config() -> None:
    from pathlib import Path

    text = Path(".chalice/config.json").read_text().lower()
    for word in ("secret_key", "password", "aws_secret", "private_key", "sk_"):
        assert word not in text


def test_the_website_tells_storefronts_every_path_it_sends_browsers_to() -> None:
    hosted = public(make_settings())
    assert hosted["links_to"] == "api"
    assert hosted["storefront_paths"] == {
        "account_event": "/",
        "handoff": "/account/handoff",
        "sign_in": "/account/sign-in",
        "forgot_password": "/account/forgot-password",
    }
    own = public(make_settings(LINKS_TO="storefront", STOREFRONT_SIGNIN_PATH="/login"))
    assert own["links_to"] == "storefront" and own["storefront_paths"]["sign_in"] == "/login"
    settings = make_settings(LINKS_TO="storefront")
    hosted_pages = {
        "verify": "/verify",
        "reset_password": "/password/reset",
        "invitation": "/invitations",
        "register": "/register",
        "merge": "/merge",
        "confirm_email": "/email/confirm",
        "sign_in_link": "/sign-in/link",
        "erasure": "/erasure",
    }
    for name, page in hosted_pages.items():  # each emailed link lands on the path it announces
        assert settings.link(page, "t") == f"{settings.STOREFRONT_URL}{own['storefront_paths'][name]}?token=t"
