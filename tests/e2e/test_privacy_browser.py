"""The erasure confirmation page in real headless Chromium: opening the link erases
nothing; the button does, and the page says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import screenshot
from tests.e2e.helpers import Api, LocalService, Mailbox, new_address
from tests.support import STRONG_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_the_erasure_page_confirms_with_one_button(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address("erase")
    pair = api.verified_account(email)
    asked = api.call("POST", "/me/erasure", {"password": STRONG_PASSWORD}, token=pair["access_token"])
    assert asked.status_code == 202, asked.text
    link = mailbox.wait(email, "erasure").link("/erasure?token=")

    opened = page.goto(link)
    assert opened is not None and opened.status == 200
    assert email in page.inner_text("main")
    assert page.inner_text("h1") == "Erase your account"
    assert page.locator("script").count() == 0
    screenshot(page, "erasure")
    assert api.call("GET", "/me", token=pair["access_token"]).status_code == 200  # opening erased nothing

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#confirm")
    assert posted.value.status == 200
    assert page.inner_text("h1") == "Your account is erased"
    screenshot(page, "erased")
    assert api.call("GET", "/me", token=pair["access_token"]).status_code == 401
    assert api.sign_in(email).status_code == 401

    again = page.goto(link)
    assert again is not None and again.status == 400  # the link worked once
