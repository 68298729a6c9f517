"""Stored answers of creates made with an ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from chalicelib.kernel import privacy
from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.errors import IdempotencyConflict, ServiceUnavailable
from chalicelib.kernel.models import IdempotencyRecord, is_live

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

IDEMPOTENCY_SECONDS = 86400


@translated
def get(key: str, now: int) -> IdempotencyRecord | None:
    try:
        record = IdempotencyRecord.get(key, consistent_read=True)
    except IdempotencyRecord.DoesNotExist:
        return None
    return record if is_live(record, now) else None


def idempotency_record(
    c: Container,
    operation: str,
    key: str | None,
    fingerprint: dict[str, Any],
    response: dict[str, Any],
    status: int,
) -> IdempotencyRecord | None:
    if key is None:
        return None
    now = int(c.clock.now())
    digest = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()
    return IdempotencyRecord(
        f"{c.settings.WEBSITE_ID}#{operation}#{key}",
        request_hash=digest,
        status_code=status,
        response=json.dumps(response),
        expires_at=now + IDEMPOTENCY_SECONDS,
    )


def replay(c: Container, record: IdempotencyRecord) -> dict[str, Any]:
    stored = get(record.idempotency_key, int(c.clock.now()))
    if stored is None:
        raise ServiceUnavailable("The earlier request with this Idempotency-Key is settling; retry.")
    if stored.request_hash != record.request_hash:
        raise IdempotencyConflict()
    answer: dict[str, Any] = json.loads(stored.response)
    return answer


privacy.register(
    "idempotency",
    IdempotencyRecord,
    expires=f"an answer kept {IDEMPOTENCY_SECONDS // 3600} h to replay a retried create, then removed",
)
