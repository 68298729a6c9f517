"""Keyed hashes of the codes feature: an address's item key, codes, links and devices.

Everything is stored as an HMAC under keys derived from the stage secret, so neither the
table nor a copy of it gives an address, a code or a link back, and a code guessed offline
from a stolen item is worth nothing without the secret."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def _mac(c: Container, label: str, *parts: str) -> str:
    return hmac.new(c.key(f"sign-in-codes:{label}"), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def code_key(c: Container, login_key: str) -> str:
    """The item key of an address (its login key: namespace and email)."""
    return _mac(c, "address", login_key)


def code_hash(c: Container, key: str, code: str) -> str:
    return _mac(c, "code", key, code)


def link_hash(c: Container, key: str, secret: str) -> str:
    return _mac(c, "link", key, secret)


def device_hash(c: Container, device: str) -> str:
    return _mac(c, "device", device)


def same(stored: str | None, presented: str) -> bool:
    """Constant-time equality of two hashes (False when nothing is stored)."""
    return stored is not None and hmac.compare_digest(stored, presented)
