"""Webhook signatures: ``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>``.

The receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in
constant time, and refuses a timestamp more than ``TOLERANCE_SECONDS`` away from its clock
(a captured request cannot be replayed later). ``verify`` is the reference receivers copy.
"""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: str, now: float, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Does ``header`` sign ``body`` with ``secret``, within ``tolerance`` seconds of ``now``?"""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
