"""Opaque cursors for paginated queries: the last evaluated key, base64-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.exceptions import QueryError

from chalicelib.kernel.errors import BadRequest


def encode(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, sort_keys=True).encode()).decode().rstrip("=")


def decode(cursor: str | None, keys: frozenset[str]) -> dict[str, Any] | None:
    """The start key in ``cursor``; it must name exactly the query's ``keys``."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as e:
        raise BadRequest("The cursor is not valid.") from e
    if (
        not isinstance(value, dict)
        or len(cursor) > 2048
        or set(value) != keys
        or not all(map(_is_key_value, value.values()))
    ):
        raise BadRequest("The cursor is not valid.")
    return value


def _is_key_value(value: Any) -> bool:
    """A key attribute as DynamoDB writes it: {"S": "..."} or {"N": "..."}."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in ("S", "N")
        and isinstance(next(iter(value.values())), str)
    )


@contextmanager
def cursor_checked(cursor: str | None) -> Iterator[None]:
    """A cursor DynamoDB refuses (not a key of this table) is the caller's error: 400."""
    try:
        yield
    except QueryError as e:
        if cursor and e.cause_response_code == "ValidationException":
            raise BadRequest("The cursor is not valid.") from e
        raise
