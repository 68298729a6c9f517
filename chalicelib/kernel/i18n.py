"""Message catalogs (``chalicelib/locales/<lang>.json``), locale negotiation and plural forms.

A catalog maps message ids (``verify.subject``) to text with ``{placeholders}``; a message
that depends on a number is an object of CLDR plural categories (``{"one": …, "other": …}``)
chosen by Babel's plural rule for the language. Negotiation is Babel's too. Adding a
language is adding one catalog and its tag to ``SUPPORTED_LOCALES``; a unit test holds every
catalog to the same keys and plural categories. Catalogs and Babel load on first use.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any

from chalicelib.kernel.choices import SUPPORTED_LOCALES

Message = str | dict[str, str]


def negotiate(candidates: Iterable[str | None], default: str) -> str:
    """The best supported language among ``candidates`` (BCP 47 tags, best first), else
    ``default``'s language (Babel's ``negotiate_locale``: exact tag, alias, then language)."""
    from babel.core import negotiate_locale

    tags = [tag.strip().replace("_", "-") for tag in candidates if tag and tag.strip()]
    found = negotiate_locale(tags, SUPPORTED_LOCALES, sep="-") if tags else None
    return (found or default).split("-")[0].lower()


def from_accept_language(header: str | None) -> list[str]:
    """Languages of an ``Accept-Language`` header, best first (at most 20 entries read)."""
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
    return [tag for weight, tag in sorted(weighted, key=lambda w: -w[0]) if weight > 0 and tag != "*"]


@cache
def catalog(language: str) -> dict[str, Message]:
    text = resources.files("chalicelib").joinpath(f"locales/{language}.json").read_text("utf-8")
    data: dict[str, Message] = json.loads(text)
    return data


@cache
def plural_category(language: str) -> Callable[[float], str]:
    """Babel's CLDR plural rule of ``language`` (``one``, ``few``, ``many``, ``other``…)."""
    from babel.core import Locale

    rule: Callable[[float], str] = Locale.parse(language).plural_form
    return rule


class Translator:
    """``t(key, **values)``; a plural message takes its number as ``count``."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.messages = catalog(language)

    def __call__(self, key: str, **values: Any) -> str:
        message = self.messages.get(key) or catalog("en")[key]
        if isinstance(message, dict):
            count = values.get("count")
            if not isinstance(count, (int, float)):
                raise TypeError(f"{key} is a plural message: give it count=")
            message = message.get(plural_category(self.language)(count)) or message["other"]
        return message.format(**values)

    def label(self, text: str) -> str:
        """``text`` before a value: "Sign in:" / "Se connecter :" (each language's spacing)."""
        return self("fmt.label", text=text)


def translator(language: str) -> Translator:
    return Translator(language if language in SUPPORTED_LOCALES else "en")


#: one problem with a field: (field path, message id, values for the message)
Problem = tuple[str, str, dict[str, Any]]


def describe(problems: Sequence[Problem], language: str) -> tuple[str, dict[str, str]]:
    """A validation error's message and its per-field messages, in ``language``."""
    t = translator(language)
    fields = {field: t(key, **values) for field, key, values in problems}
    message = t("fmt.separator").join(t("fmt.field", field=f, problem=p) for f, p in fields.items())
    return message, fields
