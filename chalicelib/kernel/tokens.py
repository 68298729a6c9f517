"""Single-use emailed tokens: ≥128-bit secrets from ``secrets``, stored only as SHA-256."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.kernel import privacy
from chalicelib.kernel.clock import expiry_bucket, iso
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


# -- privacy (GDPR): a customer's links go with the erasure; the export lists them ----------


def _erase_tokens(c: Container, subject: privacy.Subject) -> None:
    privacy.delete_items(privacy.keys_by_customer(Token, subject.customer_id))


def _export_tokens(c: Container, customer_id: str) -> dict[str, Any]:
    tokens = privacy.items_by_customer(Token, customer_id)
    links = [
        {
            "purpose": t.purpose,
            "created_at": iso(t.created_at),
            "expires_at": iso(t.expires_at),
            "used_at": iso(t.used_at),
        }
        for t in tokens
        if isinstance(t, Token)
    ]
    return {"emailed_links": sorted(links, key=lambda link: str(link["created_at"]))}


privacy.register("tokens", Token, erase=_erase_tokens, export=_export_tokens)
