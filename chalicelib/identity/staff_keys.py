"""Staff keys: created and revoked by ops with ``python -m chalicelib.cli staff-keys``.

A key is a 256-bit random secret shown once; only its SHA-256 is stored, and the
authorizer finds a key by that hash (one ``GetItem``).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from chalicelib.identity import staff_store as store
from chalicelib.identity.models import StaffKey
from chalicelib.kernel.errors import NotFound, ValidationFailed
from chalicelib.kernel.security import sha256_hex

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

KEY_PREFIX = "sk_"
MIN_SUPPLIED_SECRET = 16


def authorize(c: Container, header: str | None) -> StaffKey | None:
    if not header or not header.startswith("Bearer ") or len(header) > 512:
        return None
    key = store.find(sha256_hex(header[len("Bearer ") :].strip()))
    if key is None or key.revoked_at is not None:
        return None
    return key


def create(c: Container, name: str, secret: str | None = None) -> tuple[StaffKey, str]:
    """A new key named ``name``; ``secret`` only for local stages (``$LOCAL_STAFF_KEY``)."""
    if not name.strip():
        raise ValidationFailed("A staff key needs a name.")
    if secret is not None and len(secret) < MIN_SUPPLIED_SECRET:
        raise ValidationFailed(f"A supplied staff key needs at least {MIN_SUPPLIED_SECRET} characters.")
    secret = secret or KEY_PREFIX + secrets.token_urlsafe(32)
    key = StaffKey(
        sha256_hex(secret),
        key_id=f"key_{secrets.token_hex(6)}",
        name=name.strip(),
        created_at=int(c.clock.now()),
    )
    existing = store.find(key.key_hash)
    if existing is not None:  # the same local secret again: keep the one we have
        return existing, secret
    store.add(key)
    return key, secret


def list_keys(c: Container) -> list[StaffKey]:
    return store.all_keys()


def revoke(c: Container, key_id: str) -> StaffKey:
    for key in store.all_keys():
        if key.key_id == key_id:
            store.revoke(key, int(c.clock.now()))
            return key
    raise NotFound(f"No staff key {key_id}.")
