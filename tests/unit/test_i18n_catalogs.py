"""Languages: every catalog holds exactly the English keys, the same placeholders and the
plural categories of its language (Babel's CLDR rules); every key a template or the code
names exists; pages and emails render in every language; French spacing is French."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from chalicelib.kernel.choices import SUPPORTED_LOCALES
from chalicelib.kernel.i18n import catalog, describe, plural_category, translator
from chalicelib.mail.render import render_page
from tests.support import make_settings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.joinpath("chalicelib").rglob("*.py"), *ROOT.joinpath("chalicelib/templates").rglob("*.*")]
QUOTED = re.compile(r"""["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


def placeholders(message: str | dict[str, str]) -> set[str]:
    texts = message.values() if isinstance(message, dict) else [message]
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def catalog_problems(language: str) -> list[str]:
    english, other = catalog("en"), catalog(language)
    problems = [f"missing {key}" for key in english if key not in other]
    problems += [f"unknown {key}" for key in other if key not in english]
    for key in english.keys() & other.keys():
        if isinstance(english[key], dict) != isinstance(other[key], dict):
            problems.append(f"{key}: plural in one catalog only")
        if placeholders(other[key]) - placeholders(english[key]) - {"count"}:
            problems.append(f"{key}: placeholders {placeholders(other[key])} not in English")
    return problems


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_every_catalog_has_exactly_the_english_keys_and_placeholders(language: str) -> None:
    assert catalog_problems(language) == []


def test_a_missing_or_extra_key_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = dict(catalog("de"))
    broken.pop("verify.subject")
    broken["verify.subjekt"] = "Bestätigen"
    real = catalog
    swapped = lambda lang: broken if lang == "de" else real(lang)  # noqa: E731
    monkeypatch.setattr("tests.unit.test_i18n_catalogs.catalog", swapped)
    assert catalog_problems("de") == ["missing verify.subject", "unknown verify.subjekt"]


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_plural_messages_use_the_languages_cldr_categories(language: str) -> None:
    from babel.core import Locale

    categories = Locale.parse(language).plural_form.tags | {"other"}
    for key, message in catalog(language).items():
        if isinstance(message, dict):
            assert "other" in message and set(message) <= categories, (language, key, set(message))


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "expires in 1 hour."),
        ("en", 24, "expires in 24 hours."),
        ("fr", 0, "expire dans 0 heure."),  # French: 0 and 1 are singular
        ("fr", 1, "expire dans 1 heure."),
        ("de", 1, "läuft in 1 Stunde ab."),
        ("de", 2, "läuft in 2 Stunden ab."),
        ("es", 1, "caduca en 1 hora."),
        ("it", 3, "scade tra 3 ore."),
    ],
)
def test_plural_forms_follow_babel(language: str, count: int, expected: str) -> None:
    assert translator(language)("verify.expiry", count=count).endswith(expected)
    assert plural_category(language)(count) in ("one", "other")


def known_key(name: str) -> bool:
    """A full key, or the stem of keys a template completes (``keys ~ ".title"``)."""
    english = catalog("en")
    return name in english or any(key.startswith(f"{name}.") for key in english)


def test_every_key_the_templates_and_code_name_exists() -> None:
    prefixes = {key.split(".")[0] for key in catalog("en")}
    unknown = []
    for path in SOURCES:
        for name in QUOTED.findall(path.read_text("utf-8")):
            if name.split(".")[0] in prefixes and not known_key(name):
                unknown.append(f"{path.relative_to(ROOT)}: {name}")
    assert unknown == []


def test_the_key_scan_sees_a_misspelt_key() -> None:
    text = 'raise X(t("page.email_takn.title"))'
    assert [name for name in QUOTED.findall(text) if not known_key(name)] == ["page.email_takn.title"]


def test_an_unknown_key_fails_at_render_time() -> None:
    with pytest.raises(KeyError):
        translator("fr")("no.such.key")


FRENCH_SPACE = {":": "\u00a0", ";": "\u202f", "?": "\u202f", "!": "\u202f"}


def test_french_puts_the_right_space_before_double_punctuation() -> None:
    for key, message in catalog("fr").items():
        for text in message.values() if isinstance(message, dict) else [message]:
            for i, char in enumerate(text):
                if char in FRENCH_SPACE and not text[i - 1 : i].isdigit():  # 09:30 is a time
                    assert i > 0 and text[i - 1] == FRENCH_SPACE[char], (key, text)
    assert translator("fr").label("Mot de passe") == "Mot de passe\u00a0:"


def test_validation_problems_are_worded_per_language() -> None:
    problems = [("country", "validation.country", {}), ("password", "validation.too_short", {"count": 8})]
    assert describe(problems, "en")[0] == (
        "country: use a two-letter country code such as GB; password: use at least 8 characters"
    )
    message, fields = describe(problems, "fr")
    assert message.startswith("country\u00a0: utilisez un code pays") and "\u202f; password\u00a0:" in message
    assert fields["password"] == "utilisez au moins 8 caractères"


PAGES = {
    "verify": {"token": "T", "email": "a@example.com"},
    "reset": {"token": "T", "email": "a@example.com", "error": "x"},
    "invalid": {},
    "error": {},
    "message": {"title": "page.email_taken.title", "text": "page.email_taken.text"},
    "choose_password": {
        "keys": "page.invite",
        "button_id": "accept",
        "action": "accept",
        "token": "T",
        "name": "<Ada>",
        "email": "a@example.com",
        "error": None,
    },
    "merge": {"token": "T", "email": "a@example.com", "guest_date": "2026-01-01", "error": None},
    "handoff": {"handoff_url": "https://shop.example/h", "event": "e", "code": "C"},
    "email_confirm": {"token": "T", "email": "a@example.com"},
}


@pytest.mark.parametrize("template", sorted(PAGES))
@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_every_page_renders_in_every_language_with_the_brand(template: str, language: str) -> None:
    brand = make_settings(
        SHOP_NAME="Maison <Test>", LOGO_URL="https://cdn.example/logo.svg", BRAND_COLOR="#0b5d3b"
    ).brand
    html = render_page(template, language, brand, storefront_url="https://shop.example", **PAGES[template])
    assert f'<html lang="{language}">' in html
    assert "Maison &lt;Test&gt;" in html and "https://cdn.example/logo.svg" in html and "#0b5d3b" in html
