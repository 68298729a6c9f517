"""Shared test settings and helpers (no fixtures here; see the tiers' conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from chalicelib.kernel.settings import Settings

MAIL_FROM = "no-reply@test-shop.example"

BASE_SETTINGS: dict[str, Any] = {
    "WEBSITE_ID": "test-shop",
    "STOREFRONT_URL": "https://shop.example",
    "PUBLIC_API_URL": "https://accounts.shop.example",
    "MAIL_FROM": MAIL_FROM,
    "TABLE_PREFIX": "accounts-test",
    "SECRET_ID": "customer-accounts/test/master",
}


def make_settings(**overrides: Any) -> Settings:
    return Settings(**{**BASE_SETTINGS, **overrides})


STRONG_PASSWORD = "correct horse battery staple"


def at_once(work: Callable[[int], Any], threads: int) -> list[Any]:
    """``work(i)`` for i < ``threads``, in threads released together by a barrier; each
    call's result, or the exception it raised (for the test to report)."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as e:
            results[i] = e

    started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return results
