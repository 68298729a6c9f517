"""The error table, the message catalogs, and the email templates."""

from __future__ import annotations

import re

import pytest

from chalicelib.kernel import errors
from chalicelib.kernel.choices import SUPPORTED_LOCALES
from chalicelib.kernel.i18n import catalog, from_accept_language, negotiate
from chalicelib.kernel.observability import mask_email
from chalicelib.kernel.schemas import normalize_email
from chalicelib.mail.render import SUBJECTS, render_email
from tests.support import make_settings


def _domain_errors() -> list[type[errors.DomainError]]:
    found, todo = [], [errors.DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_domain_error_has_a_stable_snake_case_code_and_a_4xx_or_5xx() -> None:
    codes = [cls.code for cls in _domain_errors()]
    assert len(codes) == len(set(codes)), "codes must be unique"
    for cls in _domain_errors():
        assert re.fullmatch(r"[a-z][a-z0-9_]+", cls.code)
        assert 400 <= errors.http_status(cls()) < 600


def test_status_lookup_follows_the_table() -> None:
    assert errors.http_status(errors.WeakPassword("x")) == 422
    assert errors.http_status(errors.TooManyAttempts()) == 429
    assert errors.http_status(errors.ServiceUnavailable()) == 503


def test_every_catalog_has_every_english_key() -> None:
    english = set(catalog("en"))
    for language in SUPPORTED_LOCALES:
        assert set(catalog(language)) == english, language


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (["fr-CA"], "fr"),
        (["pt", "fr"], "fr"),
        ([None, "xx"], "en"),
        ([], "en"),
        (["EN_gb"], "en"),
        (["de-CH"], "de"),
        (["ES"], "es"),
        (["zh-Hant-TW", "it-IT"], "it"),
    ],
)
def test_negotiate(candidates: list[str | None], expected: str) -> None:
    assert negotiate(candidates, "en") == expected


def test_accept_language_is_ordered_by_weight() -> None:
    assert from_accept_language("de;q=0.5, fr-FR, en;q=0.8") == ["fr-FR", "en", "de"]
    assert from_accept_language("fr;q=abc") == []


EMAIL_CONTEXT = {
    "name": "<Ada>",
    "website": "shop",
    "link": "https://a.example/x?token=T",
    "hours": 1,
    "minutes": 60,
    "days": 7,
    "new_email": "new@example.com",
    "signin_link": "https://s.example/in",
    "forgot_link": "https://s.example/forgot",
    "code": "123456",
    "new_account": False,
    "company": "Acme",
    "kind": "join",
    "approved": True,
    "reason": "Incomplete",
    "url": "https://hooks.example/in",  # webhook_disabled
    "webhook_id": "whk_1",
    "failing_since": "2026-01-01T00:00:00Z",
}


@pytest.mark.parametrize("template", sorted(SUBJECTS))
@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_every_email_renders_text_and_html_in_every_language(template: str, language: str) -> None:
    context = dict(EMAIL_CONTEXT)
    mail = render_email(template, language, context, make_settings().brand)
    assert mail.subject and mail.text and mail.html.startswith("<!doctype html>")
    assert "&lt;Ada&gt;" in mail.html and "<Ada>" not in mail.html  # HTML is escaped
    assert "<Ada>" in mail.text


@pytest.mark.parametrize("template", sorted(SUBJECTS))
def test_every_email_speaks_for_the_brand_with_the_languages_spacing(template: str) -> None:
    """The shop's name (not the outbox's website id) and colour in every email, and a label's
    colon spaced the language's way (French: no-break space), whichever feature added it."""
    brand = make_settings(SHOP_NAME="Maison Test", BRAND_COLOR="#0b5d3b").brand
    mail = render_email(template, "fr", {**EMAIL_CONTEXT, "website": "local-shop"}, brand)
    assert "local-shop" not in mail.subject + mail.text + mail.html
    assert "Maison Test" in mail.text and "Maison Test" in mail.html
    assert set(re.findall(r"<a [^>]*background:\s*(#[0-9a-fA-F]+)", mail.html)) <= {"#0b5d3b"}
    for text in (mail.subject, mail.text, mail.html):
        assert not re.search(r"[^\s\u00a0\d]:\s", text), text
        assert " :" not in text and " ;" not in text and " ?" not in text


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  Ada@Example.COM ", "ada@example.com"),
        ("bob.smith+shop@mail.example.org", "bob.smith+shop@mail.example.org"),
    ],
)
def test_emails_are_trimmed_lowercased_and_validated(raw: str, normal: str) -> None:
    assert normalize_email(raw) == normal


@pytest.mark.parametrize(
    "raw", ["", "no-at-sign", "a@b", "a@@example.com", "a b@example.com", "x" * 250 + "@e.com"]
)
def test_invalid_emails_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_email(raw)


def test_addresses_are_masked_for_logs() -> None:
    assert mask_email("jane.doe@example.com") == "j***@e***.com"
    assert "jane" not in mask_email("jane@localhost")
