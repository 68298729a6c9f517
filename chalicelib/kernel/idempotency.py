"""Stored answers of creates made with an ``Idempotency-Key``."""

from __future__ import annotations

from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.models import IdempotencyRecord, is_live


@translated
def get(key: str, now: int) -> IdempotencyRecord | None:
    try:
        record = IdempotencyRecord.get(key, consistent_read=True)
    except IdempotencyRecord.DoesNotExist:
        return None
    return record if is_live(record, now) else None
