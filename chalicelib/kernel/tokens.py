"""Single-use emailed tokens: ≥128-bit secrets from ``secrets``, stored only as SHA-256."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from chalicelib.kernel.clock import expiry_bucket
from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.errors import InvalidToken
from chalicelib.kernel.models import Token, is_live
from chalicelib.kernel.security import new_secret, sha256_hex

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


class TokenOwner(Protocol):
    """What a token needs of the customer it is issued to."""

    customer_id: str
    locale: str


def new_token(
    c: Container, purpose: str, customer: TokenOwner, login_key: str, seconds: int, *, version: int | None
) -> tuple[Token, str]:
    """A token item to write and the secret to email (never stored)."""
    now = int(c.clock.now())
    secret = new_secret()
    expires = now + seconds
    token = Token(
        sha256_hex(secret),
        purpose=purpose,
        customer_id=customer.customer_id,
        login_key=login_key,
        locale=customer.locale,
        bound_version=version,
        created_at=now,
        expires_at=expires,
        expiry_bucket=expiry_bucket(expires),
    )
    return token, secret


def live_token(c: Container, secret: object, purpose: str) -> Token:
    """The unused, unexpired token of ``purpose`` for ``secret``, or ``InvalidToken``."""
    token = find(secret)
    if token is None or token.purpose != purpose or not usable(c, token):
        raise InvalidToken()
    return token


def find(secret: object) -> Token | None:
    """The token stored for ``secret``, used or not, expired or not (one ``GetItem``)."""
    if not isinstance(secret, str) or not 16 <= len(secret) <= 512:
        return None
    return _get(sha256_hex(secret))


def usable(c: Container, token: Token) -> bool:
    """Unused and unexpired: expired counts as absent, whether or not TTL removed it."""
    return token.used_at is None and is_live(token, c.clock.now())


def token_email(token: Token) -> str:
    """The address a token was issued for (the login key ends with it)."""
    return token.login_key.split("#", 1)[1]


@translated
def _get(token_hash: str) -> Token | None:
    try:
        return Token.get(token_hash, consistent_read=True)
    except Token.DoesNotExist:
        return None
