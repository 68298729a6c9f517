"""Register later and merge pages in real headless Chromium (Debian's, never a downloaded browser).

The storefront's checkout is a ``POST /guests`` over HTTP; the register-later link comes from
its answer and the merge link from the email SES (moto) received. Pages go to
``build/screenshots/register-*.png`` and ``build/screenshots/merge-*.png``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import assert_prefilled, is_post, screenshot, storefront_query
from tests.e2e.helpers import MERGE_OFFER, Api, LocalService, Mailbox, document, new_address
from tests.support import STRONG_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PASSWORD = "my own guest passphrase"


# -- register later --------------------------------------------------------------------


def test_register_later_page_creates_the_account_and_asks_to_verify_it(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address("gus")
    guest = api.guest(email, "Gus Guest", order=document())
    guest_id, link = guest["customer_id"], guest["register_later_url"]
    assert link.startswith(f"{local_service.api_url}/register?token=")

    opened = page.goto(link)
    assert opened is not None and opened.status == 200
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.inner_text("h1") == "Create your account"
    assert "Local Shop" in page.inner_text("main")  # the shop name (SHOP_NAME)
    assert_prefilled(page, "Gus Guest", email)
    screenshot(page, "register-page")
    page.fill("#email", "mallory@example.com", force=True)  # readonly: typing changes nothing
    assert page.input_value("#email") == email

    # Chromium itself holds back a too-short password (minlength): nothing is posted.
    page.fill("#password", "short")
    page.fill("#password_confirm", "short")
    page.click("#register")
    assert page.url == link
    assert page.eval_on_selector("#password", "e => e.validity.tooShort") is True

    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    with page.expect_response(is_post) as posted:
        page.click("#register")
    assert posted.value.status == 200
    assert page.inner_text("h1") == "Check your inbox"
    screenshot(page, "register-check-inbox")

    verify = mailbox.wait(email, "Confirm your email address")
    page.goto(verify.link("/verify"))
    with page.expect_navigation():
        page.click("#confirm")
    assert storefront_query(page, local_service)["account_event"] == ["email_verified"]
    pair = api.sign_in(email, PASSWORD)
    assert pair.status_code == 200 and pair.json()["customer_id"] == guest_id  # the guest became the account
    me = api.call("GET", "/me", token=pair.json()["access_token"]).json()
    assert (me["email"], me["name"], me["status"], me["email_verified"]) == (
        email,
        "Gus Guest",
        "active",
        True,
    )

    reopened = page.goto(link)  # the link is used
    assert reopened is not None and reopened.status == 400
    assert page.inner_text("h1") == "This link cannot be used"
    assert page.locator("#register").count() == 0
    screenshot(page, "register-used")


def test_register_later_page_says_when_the_passwords_differ(
    page: Page, api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    email = new_address("gus")
    link = api.guest(email, "Gus Guest")["register_later_url"]
    page.goto(link)

    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD + " typo")
    with page.expect_response(is_post) as posted:
        page.click("#register")
    assert posted.value.status == 422
    assert page.inner_text("[role=alert]") == "The two passwords are not the same."
    assert_prefilled(page, "Gus Guest", email)  # the page still says whose account it is
    screenshot(page, "register-mismatch")
    assert api.sign_in(email, PASSWORD).status_code == 401

    page.eval_on_selector("form", "f => { f.noValidate = true; }")
    page.fill("#password", "short")
    page.fill("#password_confirm", "short")
    with page.expect_response(is_post) as posted:
        page.click("#register")
    assert posted.value.status == 422
    assert page.inner_text("[role=alert]") == "Use at least 8 characters."

    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    with page.expect_response(is_post) as posted:
        page.click("#register")
    assert posted.value.status == 200 and page.inner_text("h1") == "Check your inbox"
    mailbox.wait(email, "Confirm your email address")  # the account comes with it, after the answer
    assert api.sign_in(email, PASSWORD).json()["error"]["code"] == "email_not_verified"


def test_register_later_page_for_an_address_with_an_account_offers_its_owner_a_merge(
    page: Page, api: Api, mailbox: Mailbox
) -> None:
    email = new_address("ada")
    guest = api.guest(email, "Ada at checkout", order=document())  # before the account existed
    owner = api.verified_account(email, name="Ada")
    page.goto(guest["register_later_url"])

    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    with page.expect_response(is_post) as posted:
        page.click("#register")
    assert posted.value.status == 200
    assert page.inner_text("h1") == "Check your inbox"  # the same page as for a free address
    assert "already has an account" in page.inner_text("main")  # which covers both cases
    assert page.locator("#password").count() == 0
    screenshot(page, "register-merge-offered")

    mail = mailbox.wait(email, MERGE_OFFER)
    assert mail.link("/merge?token=")
    assert api.sign_in(email, PASSWORD).status_code == 401  # the owner's account is unchanged
    assert api.sign_in(email).json()["customer_id"] == owner["customer_id"]
    assert api.staff("GET", f"/admin/customers/{guest['customer_id']}").json()["status"] == "guest"


# -- merge -----------------------------------------------------------------------------


def test_merge_page_asks_the_owners_password_then_merges_the_guest(
    page: Page, api: Api, mailbox: Mailbox, local_service: LocalService
) -> None:
    email = new_address("ada")
    owner = api.verified_account(email, name="Ada")
    account_id = owner["customer_id"]
    guest_id = api.guest(email, "Ada at checkout", order=document())["customer_id"]
    invoice = api.record_document(guest_id, document(type="invoice", status="completed"))
    assert (invoice.status_code, invoice.json()["customer_id"]) == (200, guest_id), invoice.text
    link = mailbox.wait(email, MERGE_OFFER).link("/merge?token=")
    assert link.startswith(f"{local_service.api_url}/merge?token=")

    opened = page.goto(link)
    assert opened is not None and opened.status == 200
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.inner_text("h1") == "Add a guest order to your account"
    assert email in page.inner_text("main")
    assert page.input_value("#email") == email and not page.is_editable("#email")
    assert page.get_attribute("#password", "type") == "password"
    screenshot(page, "merge-page")

    page.fill("#password", "not my password at all")
    with page.expect_response(is_post) as posted:
        page.click("#merge")
    assert posted.value.status == 401
    assert page.inner_text("[role=alert]") == "This password is not correct."
    assert page.inner_text("h1") == "Add a guest order to your account"  # the form, to try again
    screenshot(page, "merge-wrong-password")
    assert api.staff("GET", f"/admin/customers/{guest_id}").json()["status"] == "guest"

    page.fill("#password", STRONG_PASSWORD)
    with page.expect_navigation():
        page.click("#merge")
    assert storefront_query(page, local_service) == {"account_event": ["merge_confirmed"]}
    screenshot(page, "merge-landed")

    guest = api.staff("GET", f"/admin/customers/{guest_id}")
    assert (guest.status_code, guest.json()["status"]) == (200, "archived"), guest.text
    account = api.staff("GET", f"/admin/customers/{account_id}").json()
    assert (account["status"], account["email"]) == ("active", email)
    assert "merge_completed" in api.activity_kinds(account_id)
    # The feed follows the merged guest to the account: its documents live there now.
    late = api.record_document(guest_id, document(type="payment", status="paid"))
    assert (late.status_code, late.json()["customer_id"]) == (200, account_id)
    me = api.call("GET", "/me", token=owner["access_token"])  # the owner stays signed in
    assert (me.status_code, me.json()["customer_id"]) == (200, account_id)

    reopened = page.goto(link)  # the link is used
    assert reopened is not None and reopened.status == 400
    assert page.inner_text("h1") == "This link cannot be used"
    assert page.locator("#merge").count() == 0
    screenshot(page, "merge-used")


def test_register_and_merge_pages_speak_the_customers_language(
    page: Page, api: Api, mailbox: Mailbox
) -> None:
    email = new_address("zoe")
    guest = api.guest(email, "Zoé Invitée", locale="fr")
    opened = page.goto(guest["register_later_url"])  # the browser asks for English: the guest's locale wins
    assert opened is not None and opened.status == 200
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.inner_text("h1") == "Créez votre compte"
    assert page.inner_text("#register") == "Créer mon compte"
    assert_prefilled(page, "Zoé Invitée", email)
    screenshot(page, "register-fr")

    owner = new_address("zoe")
    api.verified_account(owner, name="Zoé", locale="fr")
    api.guest(owner, "Zoé", order=document())
    mail = mailbox.wait(owner, "Ajoutez votre commande invitée à votre compte")
    assert mail.language == "fr"
    page.goto(mail.link("/merge?token="))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.inner_text("h1") == "Ajouter une commande invitée à votre compte"
    page.fill("#password", "pas le bon mot de passe")
    with page.expect_response(is_post) as posted:
        page.click("#merge")
    assert posted.value.status == 401
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.inner_text("[role=alert]") == "Ce mot de passe n'est pas correct."
    screenshot(page, "merge-wrong-password-fr")
