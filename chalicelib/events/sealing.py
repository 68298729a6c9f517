"""Webhook signing secrets: shown once, stored sealed (AES-GCM, a key derived from the stage
secret, bound to the webhook id), opened only to sign a delivery."""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def _cipher(c: Container) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(c.key("webhook-secret"))


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def seal(c: Container, webhook_id: str, secret: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + bytes(_cipher(c).encrypt(nonce, secret.encode(), webhook_id.encode()))


def unseal(c: Container, webhook_id: str, sealed: bytes) -> str:
    data = bytes(sealed)
    return bytes(_cipher(c).decrypt(data[:12], data[12:], webhook_id.encode())).decode()
