"""The local storefront ``make run`` serves, walked in Chromium as a new user would.

Every email flow, clicked through from the shop: sign up and verify, sign in and out, a
forgotten password, an invitation handed to the shop, a guest order registered later, a
guest order merged into an account, and a change of email address. Links are taken from
the shop's own page of the emails sent, as a new user would. Pages are saved to
``build/screenshots/storefront-*.png``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import screenshot
from tests.e2e.helpers import Api, LocalService, Mailbox, new_address

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PASSWORD = "a long and fine passphrase"
NEW_PASSWORD = "another long fine passphrase"


def shop(service: LocalService, path: str = "/") -> str:
    return f"{service.storefront_url}{path}"


def open_emailed_link(page: Page, service: LocalService, mailbox: Mailbox, to: str, subject: str) -> None:
    """Wait for the email, then follow its link from the shop's page of emails sent."""
    mail = mailbox.wait(to, subject)
    page.goto(shop(service, "/mail"))
    link = page.locator(f"a.mail-link[href='{mail.links[0]}']").first
    with page.expect_navigation():
        link.click()


def sign_in(page: Page, service: LocalService, email: str, password: str) -> None:
    page.goto(shop(service, "/account/sign-in"))
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("#submit")


def test_sign_up_verify_sign_in_and_out_from_the_shop(
    page: Page, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address("shopper")
    page.goto(shop(local_service, "/account/sign-up"))
    page.fill("#name", "Shelley Shopper")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#submit")
    assert page.inner_text("h1") == "Check your email"

    open_emailed_link(page, local_service, mailbox, email, "Confirm your email")
    with page.expect_navigation():
        page.click("#confirm")  # the hosted verify page
    assert page.url.startswith(shop(local_service, "/?account_event=email_verified"))
    assert "email address is confirmed" in page.inner_text("#event")
    screenshot(page, "storefront-verified")

    sign_in(page, local_service, email, PASSWORD)
    assert page.url == shop(local_service, "/account")
    assert email in page.inner_text("#who") and "Shelley Shopper" in page.inner_text("#who")
    screenshot(page, "storefront-account")

    with page.expect_navigation():
        page.click("#sign-out")
    assert "not signed in" in page.inner_text("main")
    page.goto(shop(local_service, "/account"))
    assert page.url == shop(local_service, "/account/sign-in")


def test_a_forgotten_password_is_reset_from_the_shop(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address("forgetful")
    api.verified_account(email, password=PASSWORD)
    page.goto(shop(local_service, "/account/sign-in"))
    with page.expect_navigation():
        page.click("text=Forgot your password?")
    page.fill("#email", email)
    with page.expect_navigation():
        page.click("#submit")

    open_emailed_link(page, local_service, mailbox, email, "Reset your password")
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_confirm", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("#save")
    assert "password_reset" in page.inner_text("#event")

    sign_in(page, local_service, email, NEW_PASSWORD)
    assert email in page.inner_text("#who")


def test_an_invitation_lands_signed_in_on_the_shop(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address("invitee")
    api.invite({"email": email, "name": "Ivy Invitee"})
    open_emailed_link(page, local_service, mailbox, email, "invited")
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    with page.expect_navigation():
        page.click("#continue")  # the hand-off: the shop's server exchanges the code
    assert page.url.startswith(shop(local_service, "/account?account_event=invitation_accepted"))
    assert email in page.inner_text("#who")
    assert "account is ready" in page.inner_text("#event")
    screenshot(page, "storefront-invitation")


def test_a_guest_order_is_registered_later_from_the_order_confirmation(
    page: Page, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address("guest")
    page.goto(shop(local_service, "/checkout"))
    page.fill("#name", "Gus Guest")
    page.fill("#email", email)
    with page.expect_navigation():
        page.click("#submit")
    assert "is placed" in page.inner_text("#order")
    with page.expect_navigation():
        page.click("#register-later")  # the hosted register-later page
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    with page.expect_navigation():
        page.click("#register")

    open_emailed_link(page, local_service, mailbox, email, "Confirm your email")
    with page.expect_navigation():
        page.click("#confirm")
    sign_in(page, local_service, email, PASSWORD)
    assert email in page.inner_text("#who")


def test_a_guest_order_with_an_accounts_address_is_merged_from_the_shop(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address("merger")
    api.verified_account(email, password=PASSWORD)
    page.goto(shop(local_service, "/checkout"))
    page.fill("#name", "Mo Merger")
    page.fill("#email", email)
    with page.expect_navigation():
        page.click("#submit")

    open_emailed_link(page, local_service, mailbox, email, "order")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#merge")
    assert "merge_confirmed" in page.inner_text("#event")
    assert "guest order is now in your account" in page.inner_text("#event")


def test_an_email_change_is_confirmed_from_the_shop(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email, new_email = new_address("mover"), new_address("moved")
    api.verified_account(email, password=PASSWORD)
    sign_in(page, local_service, email, PASSWORD)
    page.fill("#new_email", new_email)
    page.fill("form[action$='/account/email'] #password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action$='/account/email'] #submit")
    assert page.inner_text("h1") == "Check your new mailbox"

    open_emailed_link(page, local_service, mailbox, new_email, "Confirm your new email")
    with page.expect_navigation():
        page.click("#confirm")
    assert "email_changed" in page.inner_text("#event")
    sign_in(page, local_service, new_email, PASSWORD)
    assert new_email in page.inner_text("#who")
