"""Staff and storefront keys, found by the SHA-256 of the presented secret; listed through
``by_kind``."""

from __future__ import annotations

from chalicelib.identity.models import StaffKey
from chalicelib.kernel.dynamo import translated


@translated
def find(key_hash: str) -> StaffKey | None:
    """Read consistently: a key revoked a moment ago is refused at once."""
    try:
        return StaffKey.get(key_hash, consistent_read=True)
    except StaffKey.DoesNotExist:
        return None


@translated
def add(key: StaffKey) -> None:
    key.save(condition=StaffKey.key_hash.does_not_exist())


@translated
def all_keys(kind: str) -> list[StaffKey]:
    return list(StaffKey.by_kind.query(kind, scan_index_forward=False))


@translated
def revoke(key: StaffKey, now: int) -> None:
    key.update(actions=[StaffKey.revoked_at.set(now)])
