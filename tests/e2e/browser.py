"""What the browser tests share: Debian's Chromium (never a download) and page helpers.

The ``browser`` and ``page`` fixtures are registered by ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.helpers import LocalService

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Response

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",  # the pages are on 127.0.0.1: never through a proxy from the environment
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (Debian chromium, no download)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 800, "height": 720})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def is_post(response: Response) -> bool:
    return response.request.method == "POST"


def storefront_query(page: Page, service: LocalService) -> dict[str, list[str]]:
    """The query of the storefront URL the page landed on."""
    assert page.url.startswith(f"{service.storefront_url}/?"), page.url
    return parse_qs(urlsplit(page.url).query)


def assert_prefilled(page: Page, name: str, email: str) -> None:
    """A page that sets a password shows whose account it is, read-only."""
    for selector, value in (("#name", name), ("#email", email)):
        assert page.input_value(selector) == value
        assert page.get_attribute(selector, "readonly") is not None
        assert not page.is_editable(selector)
