"""A website's branding (shop name, logo, colour, support contact, legal footer): the
validators its settings use, and the view pages and emails render with.

The brand colour fills buttons under white text and colours links on white, so a colour
below WCAG AA's 4.5:1 contrast against white is refused when the settings load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MIN_CONTRAST = 4.5  # WCAG 2.x AA, normal text
WHITE_LUMINANCE = 1.0


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of a ``#rgb`` or ``#rrggbb`` colour."""
    digits = color[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(color: str) -> float:
    return (WHITE_LUMINANCE + 0.05) / (relative_luminance(color) + 0.05)


def brand_color(value: str) -> str:
    """A hex colour readable on white (and white readable on it): 4.5:1 at least."""
    if not HEX_COLOR.match(value):
        raise ValueError("must be a hex colour such as #1a5fb4")
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        raise ValueError(
            f"{value} has a contrast of {ratio:.2f}:1 against white; WCAG AA needs "
            f"{MIN_CONTRAST}:1 for button text and links: choose a darker colour"
        )
    return value.lower()


def https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError("must be an https:// URL")
    return value


def one_line(value: str) -> str:
    if any(ch in value for ch in "\r\n\t") or not value.strip():
        raise ValueError("must be one non-empty line of text")
    return value.strip()


@dataclass(frozen=True)
class Brand:
    """What pages and emails show of the website."""

    name: str
    color: str
    logo_url: str | None
    support_email: str | None
    support_url: str | None
    legal_footer: str | None
    shop_url: str

    @property
    def contact(self) -> str:
        """Where a customer reaches the shop: its support address, page, or the shop."""
        return self.support_email or self.support_url or self.shop_url

    @property
    def logo_origin(self) -> str | None:
        """The logo's origin, for a page's Content-Security-Policy ``img-src``."""
        if not self.logo_url:
            return None
        parts = urlsplit(self.logo_url)
        return f"{parts.scheme}://{parts.netloc}"
