"""Branding settings: validated at start-up (an unreadable brand colour is refused with the
contrast it has), and each website stage carries its own."""

from __future__ import annotations

import pytest

from chalicelib.kernel.branding import contrast_with_white
from chalicelib.kernel.errors import SettingsError
from chalicelib.kernel.settings import Settings, load_settings
from chalicelib.kernel.stage_config import stage_environment, stage_names
from tests.support import BASE_SETTINGS


def load(**overrides: str) -> Settings:
    return load_settings({**BASE_SETTINGS, **overrides})


@pytest.mark.parametrize(
    ("color", "ratio"), [("#ffffff", 1.0), ("#000000", 21.0), ("#1a5fb4", 6.29), ("#767676", 4.54)]
)
def test_contrast_is_wcag_relative_luminance(color: str, ratio: float) -> None:
    assert contrast_with_white(color) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize("color", ["#ffcc00", "#77aaff", "#999", "#e65c00"])
def test_a_brand_colour_failing_aa_contrast_against_white_is_refused_at_start_up(color: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load(BRAND_COLOR=color)
    assert "BRAND_COLOR" in refused.value.message and "4.5:1" in refused.value.message
    assert f"{contrast_with_white(color):.2f}:1" in refused.value.message


@pytest.mark.parametrize("color", ["#1A5FB4", "#000", "#b3261e"])
def test_a_readable_brand_colour_is_kept_lower_case(color: str) -> None:
    assert color.lower() == load(BRAND_COLOR=color).BRAND_COLOR


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BRAND_COLOR", "blue"),
        ("LOGO_URL", "http://cdn.example/logo.png"),
        ("LOGO_URL", "javascript:alert(1)"),
        ("SUPPORT_URL", "ftp://help.example"),
        ("SUPPORT_EMAIL", "help@example.com\r\nBcc: x@evil.example"),
        ("SUPPORT_EMAIL", "not an address"),
        ("SHOP_NAME", "Shop\nBcc: x@evil.example"),
        ("SHOP_NAME", "x" * 81),
        ("LEGAL_FOOTER", "two\nlines"),
    ],
)
def test_wrong_branding_names_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load(**{name: value})


def test_the_shop_name_defaults_to_the_website_id_and_the_contact_to_the_shop() -> None:
    brand = load().brand
    assert brand.name == BASE_SETTINGS["WEBSITE_ID"] and brand.contact == BASE_SETTINGS["STOREFRONT_URL"]
    assert brand.logo_origin is None


def test_every_stage_has_its_own_valid_branding() -> None:
    brands = [load_settings(stage_environment(stage)).brand for stage in stage_names()]
    assert len({b.name for b in brands}) == len({b.color for b in brands}) == len(brands)
    for brand in brands:
        assert brand.support_email and brand.support_url and brand.legal_footer
        assert contrast_with_white(brand.color) >= 4.5


@pytest.mark.parametrize("locale", ["de", "es", "it", "fr-CA"])
def test_every_supported_language_may_be_the_default(locale: str) -> None:
    assert locale == load(DEFAULT_LOCALE=locale).DEFAULT_LOCALE
