"""Opaque cursors for paginated queries: the last evaluated key, sealed.

A cursor is base64url(JSON of the key) "." base64url(HMAC-SHA256 of the listing's scope
and that JSON, 128 bits), keyed by a sub-key of the stage secret. A caller can neither
craft a start key nor carry a cursor from one listing (or one customer's) to another:
anything not sealed by this stage for this listing is ``400 bad_request``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pynamodb.exceptions import QueryError

from chalicelib.kernel.errors import BadRequest

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container
    from chalicelib.kernel.models import BaseTable

M = TypeVar("M", bound="BaseTable")

MAX_CURSOR = 2048
TAG_BYTES = 16


@dataclass(frozen=True)
class Seal:
    """The key that seals cursors and the listing they belong to (e.g. ``documents#<id>``)."""

    key: bytes
    scope: str

    def tag(self, payload: bytes) -> bytes:
        message = self.scope.encode() + b"\n" + payload
        return hmac.new(self.key, message, hashlib.sha256).digest()[:TAG_BYTES]


def seal(c: Container, *scope: str) -> Seal:
    """The seal of one listing: its name and whatever it is scoped to (customer, job...)."""
    return Seal(c.key("cursor"), "#".join(scope))


def encode(last_key: dict[str, Any] | None, sealed: Seal) -> str | None:
    if not last_key:
        return None
    payload = json.dumps(last_key, sort_keys=True, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(sealed.tag(payload))}"


def decode(cursor: str | None, keys: frozenset[str], sealed: Seal) -> dict[str, Any] | None:
    """The start key in ``cursor``: sealed for this listing, naming exactly its ``keys``."""
    if not cursor:
        return None
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR or cursor.count(".") != 1:
        raise BadRequest("The cursor is not valid.")
    body, tag = cursor.split(".")
    try:
        payload, presented = _unb64(body), _unb64(tag)
    except (binascii.Error, ValueError) as e:
        raise BadRequest("The cursor is not valid.") from e
    canonical = _b64(payload) == body and _b64(presented) == tag  # one spelling per cursor
    if not canonical or not hmac.compare_digest(presented, sealed.tag(payload)):
        raise BadRequest("The cursor is not valid.")
    try:
        value = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as e:  # sealed by us: only a change of format
        raise BadRequest("The cursor is not valid.") from e
    if not isinstance(value, dict) or set(value) != keys or not all(map(_is_key_value, value.values())):
        raise BadRequest("The cursor is not valid.")
    return value


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


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


def one_page(model: type[M], query: Any, cursor: str | None, sealed: Seal) -> tuple[list[M], str | None]:
    """Exactly one ``Query`` call (never more items read than its ``Limit``: build ``query``
    with ``page_size`` too) and the sealed cursor of what follows."""
    with cursor_checked(cursor):
        raw = next(query.page_iter)
    items = [model.from_raw_data(item) for item in raw.get("Items", [])]
    return items, encode(raw.get("LastEvaluatedKey"), sealed)


def listed_page(query: Any, cursor: str | None, limit: int, sealed: Seal) -> tuple[list[Any], str | None]:
    """The items of ``query`` (built with ``limit``), and a sealed cursor when the page is
    full (the next page may be empty)."""
    with cursor_checked(cursor):
        items = list(query)
    return items, encode(query.last_evaluated_key, sealed) if len(items) == limit else None
