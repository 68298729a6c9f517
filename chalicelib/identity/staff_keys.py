"""Staff keys: created and revoked by ops with ``python -m chalicelib.cli staff-keys``.

A key is a 256-bit random secret shown once; only its SHA-256 is stored, and the
authorizer finds a key by that hash (one ``GetItem``). Storefront keys
(``storefront_keys``) live in the same table under another ``kind``: a key of one kind
never opens what the other guards.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chalicelib.identity import scopes as staff_scopes
from chalicelib.identity import staff_store as store
from chalicelib.identity.models import StaffKey
from chalicelib.kernel.errors import NotFound, ValidationFailed
from chalicelib.kernel.security import sha256_hex

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

KIND = "staff_key"
KEY_PREFIX = "sk_"
MIN_SUPPLIED_SECRET = 16
MAX_HEADER = 512
LABELS = {KIND: "staff key", "storefront": "storefront key"}


def authorize(c: Container, header: str | None) -> StaffKey | None:
    if not header or not header.startswith("Bearer "):
        return None
    return live_key(header[len("Bearer ") :].strip(), KIND)


def live_key(secret: str, kind: str) -> StaffKey | None:
    """The unrevoked key of ``kind`` whose secret this is, if any."""
    if not secret or len(secret) > MAX_HEADER:
        return None
    key = store.find(sha256_hex(secret))
    if key is None or key.revoked_at is not None or key.kind != kind:
        return None
    return key


def create(
    c: Container,
    name: str,
    secret: str | None = None,
    *,
    scopes: Iterable[str] = (staff_scopes.ALL,),
    kind: str = KIND,
    prefix: str = KEY_PREFIX,
) -> tuple[StaffKey, str]:
    """A new key named ``name`` carrying ``scopes`` (staff keys; ``all``: every scope);
    ``secret`` only for local stages (``$LOCAL_STAFF_KEY``)."""
    label = LABELS[kind]
    if not name.strip():
        raise ValidationFailed(f"A {label} needs a name.")
    try:
        carried = staff_scopes.chosen(scopes) if kind == KIND else frozenset()
    except ValueError as e:
        raise ValidationFailed(str(e)) from e
    if kind == KIND and not carried:
        raise ValidationFailed(f"A {label} needs at least one scope.")
    if secret is not None and len(secret) < MIN_SUPPLIED_SECRET:
        raise ValidationFailed(f"A supplied {label} needs at least {MIN_SUPPLIED_SECRET} characters.")
    secret = secret or prefix + secrets.token_urlsafe(32)
    key = StaffKey(
        sha256_hex(secret),
        key_id=f"key_{secrets.token_hex(6)}",
        kind=kind,
        name=name.strip(),
        created_at=int(c.clock.now()),
        scopes=set(carried) or None,
    )
    existing = store.find(key.key_hash)
    if existing is not None:  # the same local secret again: keep the one we have
        if existing.kind != kind:
            raise ValidationFailed(f"This secret already belongs to a {LABELS[existing.kind]}.")
        return existing, secret
    store.add(key)
    return key, secret


def scopes_of(key: StaffKey) -> frozenset[str]:
    """The scopes ``key`` carries (a key made before scopes: every scope)."""
    return staff_scopes.carried(key.scopes)


def list_keys(c: Container, *, kind: str = KIND) -> list[StaffKey]:
    return store.all_keys(kind)


def revoke(c: Container, key_id: str, *, kind: str = KIND) -> StaffKey:
    for key in store.all_keys(kind):
        if key.key_id == key_id:
            store.revoke(key, int(c.clock.now()))
            return key
    raise NotFound(f"No {LABELS[kind]} {key_id}.")
