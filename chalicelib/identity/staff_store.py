"""Staff keys, found by the SHA-256 of the presented secret; listed through ``by_kind``."""

from __future__ import annotations

from chalicelib.identity.models import StaffKey
from chalicelib.kernel.dynamo import translated


@translated
def find(key_hash: str) -> StaffKey | None:
    try:
        return StaffKey.get(key_hash)
    except StaffKey.DoesNotExist:
        return None


@translated
def add(key: StaffKey) -> None:
    key.save(condition=StaffKey.key_hash.does_not_exist())


@translated
def all_keys() -> list[StaffKey]:
    return list(StaffKey.by_kind.query("staff_key", scan_index_forward=False))


@translated
def revoke(key: StaffKey, now: int) -> None:
    key.update(actions=[StaffKey.revoked_at.set(now)])
