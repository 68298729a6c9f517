"""Branded pages and emails in Chromium at phone widths (issue 13, point 14).

The ``shop-b2c`` and ``shop-b2b`` stages' pages are served from a small local server that
answers what the hosted pages answer (the same templates, rendered with each stage's own
settings from ``.chalice/config.json``, under the pages' own headers, CSP included); the
logo's host is answered by the browser itself (``page.route``), so the CSP's ``img-src``
is what lets it show. The ``local`` stage's pages come from the running local service.
Screenshots go to ``build/screenshots/branding-*.png``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from chalicelib.api.page_kit import page_headers
from chalicelib.kernel.i18n import translator
from chalicelib.kernel.settings import Settings, load_settings
from chalicelib.kernel.stage_config import stage_environment
from chalicelib.mail.render import render_email, render_page
from tests.e2e.browser import screenshot
from tests.e2e.helpers import Api, new_address

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

WIDTHS = (320, 390)
STAGES = ("shop-b2c", "shop-b2b")
MARGIN = 8  # the card keeps at least this much space to each screen edge
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40">'
    '<rect width="160" height="40" rx="6" fill="#333"/>'
    '<text x="12" y="27" font-family="sans-serif" font-size="18" fill="#fff">LOGO</text></svg>'
)
PAGES: dict[str, dict[str, Any]] = {
    "invitation": {
        "template": "choose_password",
        "keys": "page.invite",
        "button_id": "accept",
        "action": "accept",
        "token": "T",
        "name": "Adélaïde Montgomery-Fitzgerald",
        "email": "adelaide.montgomery-fitzgerald@example.com",
        "error": "page.reset.too_short",  # the page's own words, in its language
    },
    "email_taken": {
        "template": "message",
        "title": "page.email_taken.title",
        "text": "page.email_taken.text",
    },
}


def stage_settings(stage: str) -> Settings:
    return load_settings(stage_environment(stage))


@pytest.fixture(scope="module")
def stage_pages() -> Iterator[str]:
    """``GET /<stage>/<page>/<lang>``: a hosted page as that stage renders and sends it."""

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stage, name, language = self.path.strip("/").split("/")
            settings = stage_settings(stage)
            context = dict(PAGES[name])
            if context.get("error"):
                context["error"] = translator(language)(context["error"])
            body = render_page(
                context.pop("template"),
                language,
                settings.brand,
                storefront_url=settings.STOREFRONT_URL,
                **context,
            ).encode()
            self.send_response(200)
            for header, value in page_headers(SimpleNamespace(settings=settings)).items():  # type: ignore[arg-type]
                self.send_header(header, str(value))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def phone(browser: Browser, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 740}, device_scale_factor=1)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.route(
        "https://cdn.*/**", lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=LOGO)
    )
    return page


def assert_fits(page: Page, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the {width}px screen"
    card = page.locator("main").bounding_box()
    assert card is not None
    assert card["x"] >= MARGIN and width - (card["x"] + card["width"]) >= MARGIN, card


def button_colour(page: Page) -> str:
    return str(page.eval_on_selector("button", "b => getComputedStyle(b).backgroundColor"))


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("stage", STAGES)
def test_each_website_stage_shows_its_brand_on_a_phone(
    browser: Browser, stage_pages: str, stage: str, width: int
) -> None:
    settings = stage_settings(stage)
    page = phone(browser, width)
    language = settings.DEFAULT_LOCALE
    for name in PAGES:
        answer = page.goto(f"{stage_pages}/{stage}/{name}/{language}")
        assert answer is not None and answer.status == 200
        assert_fits(page, width)
        logo = page.locator("header img")
        assert logo.get_attribute("alt") == settings.brand.name
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), "the CSP let the logo load"
        footer = page.inner_text("footer")
        assert str(settings.LEGAL_FOOTER) in footer and str(settings.SUPPORT_EMAIL) in footer
        screenshot(page, f"branding-{stage}-{name}-{width}")
    page.goto(f"{stage_pages}/{stage}/invitation/{language}")
    assert button_colour(page) == rgb(settings.BRAND_COLOR)
    page.context.close()


@pytest.mark.parametrize("stage", STAGES)
def test_each_website_stage_brands_its_emails(browser: Browser, stage: str) -> None:
    settings = stage_settings(stage)
    context = {"name": "Ada", "link": "https://accounts.example/invitations?token=T", "days": 7}
    mail = render_email("invitation", settings.DEFAULT_LOCALE, context, settings.brand)
    assert settings.brand.name in mail.subject
    page = phone(browser, 390)
    page.set_content(mail.html)
    assert page.locator("img").get_attribute("src") == settings.LOGO_URL
    assert str(settings.LEGAL_FOOTER) in page.inner_text("body")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, f"branding-{stage}-email-invitation")
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_local_stage_pages_fit_a_phone(browser: Browser, api: Api, width: int) -> None:
    settings = stage_settings("local")
    page = phone(browser, width)
    answer = page.goto(api.verify_link(new_address()))
    assert answer is not None and answer.status == 200
    assert_fits(page, width)
    assert page.inner_text("header") == settings.brand.name  # no logo: the shop's name
    assert button_colour(page) == rgb(settings.BRAND_COLOR)
    screenshot(page, f"branding-local-verify-{width}")
    page.context.close()
