"""The hosted sign-in page in real headless Chromium: email, code, and the emailed link in
the same browser, then the hand-off to the storefront; no JavaScript anywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import pytest

from tests.e2e.browser import screenshot
from tests.e2e.helpers import Api, LocalService, Mailbox, new_address
from tests.e2e.test_codes_http import SUBJECT, code_of
from tests.e2e.test_invitations_browser import storefront_posts

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


def continue_to_shop(page: Page, service: LocalService) -> str:
    """The hand-off page posts a one-time code to the storefront's server; its session."""
    assert page.url.startswith(service.api_url)
    target = f"{service.storefront_url}/account/handoff"
    posted = storefront_posts(page, target)
    with page.expect_navigation():
        page.click("#continue")
    [request] = posted
    fields = parse_qs(request.post_data or "")
    assert fields["account_event"] == ["signed_in"]
    return fields["handoff"][0]


def ask_for_a_code(page: Page, service: LocalService, email: str) -> None:
    opened = page.goto(f"{service.api_url}/sign-in")
    assert opened is not None and opened.status == 200
    assert page.locator("script").count() == 0
    page.fill("#email", email)
    with page.expect_navigation():
        page.click("#send")
    assert page.locator("#code").is_visible()


def test_the_sign_in_page_takes_the_emailed_code(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address()
    api.verified_account(email)
    ask_for_a_code(page, local_service, email)
    screenshot(page, "sign-in-code")
    code = code_of(mailbox.wait(email, SUBJECT).text)
    page.fill("#code", "000000" if code != "000000" else "111111")
    with page.expect_navigation():
        page.click("#verify")
    assert "This code is not right" in page.inner_text("main")
    page.fill("#code", code)
    with page.expect_navigation():
        page.click("#verify")
    pair = api.exchange_handoff(continue_to_shop(page, local_service))
    assert pair.status_code == 200, pair.text
    assert api.call("GET", "/me", token=pair.json()["access_token"]).json()["email"] == email


def test_the_emailed_link_works_in_the_browser_that_asked_and_not_in_another(
    browser: Browser, page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address()
    api.verified_account(email)
    ask_for_a_code(page, local_service, email)
    link = mailbox.wait(email, SUBJECT).link("/sign-in/link?token=")
    other = browser.new_context(locale="fr-FR").new_page()
    other.goto(link)
    with other.expect_navigation():
        other.click("#sign_in")
    assert "ne fonctionne que dans le navigateur" in other.inner_text("main")
    screenshot(other, "sign-in-link-other-browser")
    other.context.close()
    page.goto(link)
    with page.expect_navigation():
        page.click("#sign_in")
    assert api.exchange_handoff(continue_to_shop(page, local_service)).status_code == 200
