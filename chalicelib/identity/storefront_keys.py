"""Storefront keys: the server credential of a website's storefront (SPEC §4, who may call what).

Data a customer does not own (a checkout's order, a hand-off code) enters only through a
storefront's server. Its key travels in ``X-Storefront-Key`` (``Authorization`` stays free
for the customer's own bearer token). Ops create, list and revoke keys with
``python -m chalicelib.cli storefront-keys``; like staff keys they are 256-bit secrets
(``sfk_...``) stored only as SHA-256, in the staff-keys table with ``kind`` ``storefront``,
and read on every call, so a revocation holds at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.identity import staff_keys
from chalicelib.identity.models import StaffKey
from chalicelib.kernel.errors import InvalidStorefrontKey, StorefrontKeyRequired

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

KIND = "storefront"
KEY_PREFIX = "sfk_"
HEADER = "X-Storefront-Key"


def authorize(c: Container, secret: str | None) -> StaffKey:
    """The live storefront key presented, or ``401`` (missing, unknown, revoked, another kind)."""
    if not secret or not secret.strip():
        raise StorefrontKeyRequired()
    key = staff_keys.live_key(secret.strip(), KIND)
    if key is None:
        raise InvalidStorefrontKey()
    return key


def create(c: Container, name: str, secret: str | None = None) -> tuple[StaffKey, str]:
    """A new storefront key; ``secret`` only for local stages (``$LOCAL_STOREFRONT_KEY``)."""
    return staff_keys.create(c, name, secret, kind=KIND, prefix=KEY_PREFIX)


def list_keys(c: Container) -> list[StaffKey]:
    return staff_keys.list_keys(c, kind=KIND)


def revoke(c: Container, key_id: str) -> StaffKey:
    return staff_keys.revoke(c, key_id, kind=KIND)
