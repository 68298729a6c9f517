"""The invitation page in real headless Chromium (Debian's, never a downloaded browser).

Staff invite over HTTP with the local staff key; each test opens the link from the email
SES (moto) received, as the customer would. Pages go to ``build/screenshots/invitation-*.png``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest

from tests.e2e.browser import assert_prefilled, is_post, screenshot
from tests.e2e.helpers import Api, LocalService, Mailbox, new_address, token_from

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request, Route

pytestmark = pytest.mark.browser

PASSWORD = "my own invited passphrase"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def storefront_posts(page: Page, url: str) -> list[Request]:
    """Stand in for the storefront's server at ``url``: record what reaches it."""
    posted: list[Request] = []

    def storefront(route: Route) -> None:
        posted.append(route.request)
        route.fulfill(status=200, content_type="text/html", body="<h1>Signed in as ...</h1>")

    page.route(url, storefront)
    return posted


def handoff_code(page: Page, service: LocalService) -> str:
    """Continue to the shop: the hand-off page POSTs the code to the storefront's server, with
    our Origin (what the storefront checks); no URL, so no log, history or Referer, has it."""
    assert page.url.startswith(service.api_url) and "handoff" not in page.url, page.url
    assert page.inner_text("h1") == "Your account is ready"
    screenshot(page, "invitation-handoff")
    target = f"{service.storefront_url}/account/handoff"
    posted = storefront_posts(page, target)
    with page.expect_navigation():
        page.click("#continue")
    [request] = posted
    assert (request.method, request.url, page.url) == ("POST", target, target)
    assert request.all_headers().get("origin") == origin(service.api_url)
    fields = parse_qs(request.post_data or "")
    assert fields.keys() == {"account_event", "handoff"}
    assert fields["account_event"] == ["invitation_accepted"]
    [code] = fields["handoff"]
    assert code not in page.url
    return code


def test_invitation_page_sets_the_password_and_hands_a_session_to_the_storefront(
    page: Page, api: Api, local_service: LocalService
) -> None:
    email = new_address("eve")
    _, link = api.invitation_link(email, name="Eve Buyer")

    opened = page.goto(link)
    assert opened is not None and opened.status == 200
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.inner_text("h1") == "Activate your account"
    assert "Local Shop" in page.inner_text("main")  # the shop name (SHOP_NAME)
    assert_prefilled(page, "Eve Buyer", email)
    page.fill("#email", "mallory@example.com", force=True)  # readonly: typing changes nothing
    assert page.input_value("#email") == email
    screenshot(page, "page")

    # Chromium itself holds back a too-short password (minlength): nothing is posted.
    page.fill("#password", "short")
    page.fill("#password_confirm", "short")
    page.click("#accept")
    assert page.url == link
    assert page.eval_on_selector("#password", "e => e.validity.tooShort") is True

    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    with page.expect_navigation():
        page.click("#accept")
    code = handoff_code(page, local_service)

    assert api.call("POST", "/sessions/handoff", {"code": code}).status_code == 401  # no storefront key
    pair = api.exchange_handoff(code)
    assert pair.status_code == 200, pair.text
    assert {"access_token", "refresh_token", "expires_in", "customer_id"} <= pair.json().keys()
    me = api.call("GET", "/me", token=pair.json()["access_token"])
    assert me.status_code == 200, me.text
    assert (me.json()["email"], me.json()["name"], me.json()["status"]) == (email, "Eve Buyer", "active")
    assert me.json()["email_verified"] is True
    assert me.json()["customer_id"] == pair.json()["customer_id"]

    again = api.exchange_handoff(code)  # one use only
    assert (again.status_code, again.json()["error"]["code"]) == (400, "invalid_token")
    session = api.sign_in(email, PASSWORD)
    assert session.status_code == 200, session.text
    assert session.json()["customer_id"] == me.json()["customer_id"]


def test_invitation_page_refuses_a_too_short_password(page: Page, api: Api) -> None:
    email = new_address("eve")
    _, link = api.invitation_link(email, name="Eve Buyer")
    page.goto(link)

    # A browser that skips validation still meets the server's rule: 422, said on the page.
    page.eval_on_selector("form", "f => { f.noValidate = true; }")
    page.fill("#password", "short")
    page.fill("#password_confirm", "short")
    with page.expect_response(is_post) as posted:
        page.click("#accept")
    assert posted.value.status == 422
    assert page.locator("[role=alert]").is_visible()
    assert page.inner_text("[role=alert]") == "Use at least 8 characters."
    assert_prefilled(page, "Eve Buyer", email)  # the page still says who is invited
    screenshot(page, "too-short")
    assert api.sign_in(email, "short").status_code == 401
    assert api.sign_in(email, PASSWORD).status_code == 401


def test_the_error_page_takes_the_corrected_password(
    page: Page, api: Api, local_service: LocalService
) -> None:
    email = new_address("eve")
    _, link = api.invitation_link(email)
    page.goto(link)
    page.eval_on_selector("form", "f => { f.noValidate = true; }")
    page.fill("#password", "short")
    page.fill("#password_confirm", "short")
    with page.expect_response(is_post) as posted:
        page.click("#accept")
    assert posted.value.status == 422

    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD + " typo")
    with page.expect_response(is_post) as posted:
        page.click("#accept")
    assert posted.value.status == 422, posted.value.url
    assert page.inner_text("[role=alert]") == "The two passwords are not the same."
    screenshot(page, "mismatch")

    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    with page.expect_navigation():
        page.click("#accept")
    pair = api.exchange_handoff(handoff_code(page, local_service))
    assert pair.status_code == 200, pair.text
    assert api.sign_in(email, PASSWORD).status_code == 200


def test_a_used_invitation_link_shows_the_invalid_link_page(page: Page, api: Api) -> None:
    email = new_address("eve")
    _, link = api.invitation_link(email)
    accepted = api.call("POST", "/invitations/accept", {"token": token_from(link), "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text

    opened = page.goto(link)
    assert opened is not None and opened.status == 400
    assert page.inner_text("h1") == "This link cannot be used"
    assert page.locator("#accept").count() == 0
    assert page.locator("#password").count() == 0
    assert email not in page.content()
    screenshot(page, "used")


def test_a_french_invitation_shows_the_page_in_french(page: Page, api: Api, mailbox: Mailbox) -> None:
    email = new_address("zoe")
    _, link = api.invitation_link(email, name="Zoé Acheteuse", locale="fr")
    assert mailbox.wait(email).subject == "Votre compte Local Shop vous attend"

    opened = page.goto(link)  # the browser asks for English: the customer's locale wins
    assert opened is not None and opened.status == 200
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.inner_text("h1") == "Activez votre compte"
    assert page.inner_text("#accept") == "Activer mon compte"
    assert page.inner_text("label[for=name]") == "Nom"
    assert_prefilled(page, "Zoé Acheteuse", email)
    screenshot(page, "fr")

    page.eval_on_selector("form", "f => { f.noValidate = true; }")
    page.fill("#password", "court")
    page.fill("#password_confirm", "court")
    with page.expect_response(is_post) as posted:
        page.click("#accept")
    assert posted.value.status == 422
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "caractères" in page.inner_text("[role=alert]")
    screenshot(page, "too-short-fr")


def test_invitation_page_lands_on_a_storefront_on_another_origin(
    page: Page, cross_origin_service: LocalService
) -> None:
    api = Api(cross_origin_service, Mailbox(cross_origin_service.aws_url))
    assert not cross_origin_service.storefront_url.startswith(cross_origin_service.api_url)
    email = new_address("eve")
    _, link = api.invitation_link(email)
    page.goto(link)
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)

    with page.expect_navigation(timeout=5_000):
        page.click("#accept")
    # the page's CSP (form-action) lets its form post to the storefront's origin
    pair = api.exchange_handoff(handoff_code(page, cross_origin_service))
    assert pair.status_code == 200, pair.text
    assert api.call("GET", "/me", token=pair.json()["access_token"]).json()["email"] == email


ATTACKER = "http://attacker.test"


def test_another_sites_page_can_neither_accept_an_invitation_nor_post_a_code(
    page: Page, api: Api, local_service: LocalService
) -> None:
    """Login CSRF: the attacker's page posts the attacker's invitation form (to get the victim's
    browser a code for the attacker's account), or a code straight to the storefront."""
    token = token_from(api.invitation_link(new_address("mallory"))[1])
    accept = f"{local_service.api_url}/invitations/accept"
    handoff = f"{local_service.storefront_url}/account/handoff"
    html = f"""<!doctype html><title>Win a prize</title>
    <form method="post" action="{accept}"><input name="token" value="{token}">
      <input name="password" value="{PASSWORD}"><input name="password_confirm" value="{PASSWORD}">
      <button id="forged-accept">Win</button></form>
    <form method="post" action="{handoff}"><input name="account_event" value="invitation_accepted">
      <input name="handoff" value="the-attackers-own-code"><button id="forged-handoff">Win</button></form>"""
    page.route(f"{ATTACKER}/", lambda route: route.fulfill(status=200, content_type="text/html", body=html))

    page.goto(f"{ATTACKER}/")
    with page.expect_response(is_post) as posted:
        page.click("#forged-accept")
    assert posted.value.status == 403
    assert page.inner_text("h1") == "This link cannot be used"
    assert page.locator("#continue").count() == 0  # no code reached the victim's browser
    accepted = api.call("POST", "/invitations/accept", {"token": token, "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text  # the invitation was left untouched

    # Posted from another site, a code carries that site's Origin: the storefront refuses it.
    posted_to_storefront = storefront_posts(page, handoff)
    page.goto(f"{ATTACKER}/")
    with page.expect_navigation():
        page.click("#forged-handoff")
    [request] = posted_to_storefront
    assert request.all_headers().get("origin") == ATTACKER != origin(local_service.api_url)
