"""The hosted pages in real headless Chromium (Debian's, never a downloaded browser).

Each test gets its link from the email the local service sent, opens it, and checks
what a customer sees; every page is saved to ``build/screenshots/<name>.png``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.browser import screenshot
from tests.e2e.helpers import Api, LocalService, Mailbox, new_address, token_from

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new passphrase for ada"


def assert_landed_on_storefront(page: Page, service: LocalService, event: str) -> None:
    assert page.url.startswith(service.storefront_url), page.url
    assert parse_qs(urlsplit(page.url).query) == {"account_event": [event]}


def test_verify_page_confirms_the_address(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address()
    link = api.verify_link(email)

    opened = page.goto(link)
    assert opened is not None and opened.status == 200
    assert page.locator("html").get_attribute("lang") == "en"
    assert email in page.inner_text("main")
    assert page.inner_text("h1") == "Confirm your email address"
    screenshot(page, "verify")

    with page.expect_navigation():
        page.click("#confirm")
    assert_landed_on_storefront(page, local_service, "email_verified")
    assert api.sign_in(email).status_code == 200


def test_reset_page_refuses_a_weak_password_then_resets(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address()
    api.verified_account(email)
    assert api.call("POST", "/password/forgot", {"email": email}).status_code == 202
    link = mailbox.wait(email, "Reset your password").link("/password/reset?token=")

    opened = page.goto(link)
    assert opened is not None and opened.status == 200
    assert email in page.inner_text("main")
    screenshot(page, "reset")

    # Chromium itself holds back a too-short password (minlength): nothing is posted.
    page.fill("#password", "short")
    page.fill("#password_confirm", "short")
    page.click("#save")
    assert page.url == link
    assert page.eval_on_selector("#password", "e => e.validity.tooShort") is True

    # A browser that skips validation still meets the server's rule: 422, said on the page.
    page.eval_on_selector("form", "f => { f.noValidate = true; }")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#save")
    assert posted.value.status == 422
    assert page.locator("[role=alert]").is_visible()
    assert "8" in page.inner_text("[role=alert]")
    screenshot(page, "reset-too-short")

    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_confirm", NEW_PASSWORD + " typo")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#save")
    assert posted.value.status == 422
    assert page.inner_text("[role=alert]") == "The two passwords are not the same."
    screenshot(page, "reset-mismatch")

    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_confirm", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("#save")
    assert_landed_on_storefront(page, local_service, "password_reset")
    assert api.sign_in(email, NEW_PASSWORD).status_code == 200
    assert api.sign_in(email).status_code == 401


def test_verify_page_speaks_the_customers_language(page: Page, api: Api) -> None:
    email = new_address("zoe")
    link = api.verify_link(email, locale="fr", name="Zoé")

    opened = page.goto(link)  # the browser asks for English: the customer's locale wins
    assert opened is not None and opened.status == 200
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Confirmez" in page.inner_text("h1")
    assert page.inner_text("#confirm") == "Confirmer"
    screenshot(page, "verify-fr")


def test_a_used_link_shows_the_invalid_link_page(page: Page, api: Api) -> None:
    email = new_address()
    link = api.verify_link(email)
    assert api.call("POST", "/signup/verify", {"token": token_from(link)}).status_code == 200

    opened = page.goto(link)
    assert opened is not None and opened.status == 400
    assert page.inner_text("h1") == "This link cannot be used"
    assert page.locator("#confirm").count() == 0
    screenshot(page, "invalid-link")


def test_verify_page_lands_on_a_storefront_on_another_origin(
    page: Page, cross_origin_service: LocalService
) -> None:
    mailbox = Mailbox(cross_origin_service.aws_url)
    api = Api(cross_origin_service, mailbox)
    assert not cross_origin_service.storefront_url.startswith(cross_origin_service.api_url)
    email = new_address()
    page.goto(api.verify_link(email))

    with page.expect_navigation(timeout=5_000):
        page.click("#confirm")
    assert_landed_on_storefront(page, cross_origin_service, "email_verified")


def test_reset_page_errors_speak_the_customers_language(page: Page, api: Api, mailbox: Mailbox) -> None:
    email = new_address("zoe")
    api.verified_account(email, locale="fr")
    assert api.call("POST", "/password/forgot", {"email": email}).status_code == 202
    link = mailbox.wait(email, "Réinitialisez votre mot de passe").link("/password/reset?token=")
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "fr"

    page.eval_on_selector("form", "f => { f.noValidate = true; }")
    page.fill("#password", "court")
    page.fill("#password_confirm", "court")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#save")
    assert posted.value.status == 422
    screenshot(page, "reset-too-short-fr")
    assert "caractères" in page.inner_text("[role=alert]")
