"""The settings of sign-in by emailed code: methods, floors, the local cooldown."""

from __future__ import annotations

import pytest

from chalicelib.kernel.errors import SettingsError
from chalicelib.kernel.settings import load_settings
from chalicelib.kernel.stage_config import stage_environment
from chalicelib.kernel.website import public
from tests.support import BASE_SETTINGS, make_settings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "methods"),
    [
        ("password", ["password"]),
        ("code", ["code"]),
        ("both", ["password", "code"]),
        ("code,password", ["password", "code"]),
    ],
)
def test_signin_methods_are_password_code_or_both(value: str, methods: list[str]) -> None:
    settings = make_settings(SIGNIN_METHODS=value)
    assert public(settings)["signin_methods"] == methods
    assert settings.code_signin is ("code" in methods) and settings.password_signin is ("password" in methods)


def test_password_is_the_default_and_anything_else_is_refused() -> None:
    assert public(make_settings())["signin_methods"] == ["password"]
    with pytest.raises(SettingsError, match="SIGNIN_METHODS"):
        load_settings({**BASE_SETTINGS, "SIGNIN_METHODS": "magic"})


@pytest.mark.parametrize(
    ("name", "value"), [("CODE_MINUTES", "11"), ("CODE_TRIES", "6"), ("CODE_SENDS_PER_HOUR", "6")]
)
def test_the_code_numbers_are_floors(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({**BASE_SETTINGS, name: value})


def test_the_resend_cooldown_is_at_least_60_seconds_on_a_deployed_stage() -> None:
    with pytest.raises(SettingsError, match="CODE_RESEND_SECONDS"):
        load_settings({**BASE_SETTINGS, "CODE_RESEND_SECONDS": "59"})
    local = {**BASE_SETTINGS, "PUBLIC_API_URL": "http://127.0.0.1:8000", "CODE_RESEND_SECONDS": "5"}
    assert load_settings(local).CODE_RESEND_SECONDS == 5


def test_the_local_stage_offers_both_methods_with_a_short_cooldown() -> None:
    local = load_settings(stage_environment("local"))
    assert public(local)["signin_methods"] == ["password", "code"] and local.CODE_RESEND_SECONDS < 60
    for stage in ("shop-b2c", "shop-b2b"):
        assert load_settings(stage_environment(stage)).CODE_RESEND_SECONDS >= 60
