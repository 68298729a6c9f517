"""Message catalogs (``chalicelib/locales/<lang>.json``) and locale negotiation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources

from chalicelib.kernel.settings import SUPPORTED_LOCALES


def negotiate(candidates: Iterable[str | None], default: str) -> str:
    """The first supported language among ``candidates`` (BCP 47 tags), else ``default``."""
    for tag in candidates:
        if not tag:
            continue
        language = tag.strip().split("-")[0].split("_")[0].lower()
        if language in SUPPORTED_LOCALES:
            return language
    return default.split("-")[0].lower()


def from_accept_language(header: str | None) -> list[str]:
    """Languages of an ``Accept-Language`` header, best first."""
    if not header:
        return []
    weighted = []
    for part in header.split(",")[:20]:
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        weighted.append((weight, tag))
    return [tag for weight, tag in sorted(weighted, key=lambda w: -w[0]) if weight > 0]


@cache
def catalog(language: str) -> dict[str, str]:
    text = resources.files("chalicelib").joinpath(f"locales/{language}.json").read_text("utf-8")
    data: dict[str, str] = json.loads(text)
    return data


def translator(language: str) -> Callable[..., str]:
    messages = catalog(language)
    fallback = catalog("en")

    def t(key: str, **values: object) -> str:
        return (messages.get(key) or fallback[key]).format(**values)

    return t
