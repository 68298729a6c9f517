"""Password hashing, link tokens, access and refresh tokens, staff keys.

Heavy libraries (argon2, jwt) are imported on first use to keep them off the cold
import of ``app.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from chalicelib.kernel.errors import NotAuthenticated, WeakPassword

if TYPE_CHECKING:
    from argon2 import PasswordHasher

ARGON2_PARALLELISM = 1
PASSWORD_MIN, PASSWORD_MAX = 8, 256
TOKEN_BYTES = 32  # 256 bits from `secrets`, above the 128-bit floor


# -- passwords ---------------------------------------------------------------------


@lru_cache(maxsize=4)
def password_hasher(memory_kib: int, time_cost: int) -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=ARGON2_PARALLELISM, type=Type.ID
    )


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("chalicelib").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def check_password_policy(password: str, *, email: str = "") -> str:
    """Return the NFC-normalised password, or raise ``WeakPassword`` saying why."""
    if not isinstance(password, str):
        raise WeakPassword("The password must be a string.", fields={"password": "type"})
    normalised = unicodedata.normalize("NFC", password)
    if len(normalised) < PASSWORD_MIN:
        raise WeakPassword(
            f"The password must have at least {PASSWORD_MIN} characters.",
            fields={"password": "too_short"},
            problems=[("password", "validation.too_short", {"count": PASSWORD_MIN})],
        )
    if len(normalised) > PASSWORD_MAX:
        raise WeakPassword(
            f"The password must have at most {PASSWORD_MAX} characters.",
            fields={"password": "too_long"},
            problems=[("password", "validation.too_long", {"count": PASSWORD_MAX})],
        )
    lowered = normalised.lower()
    if lowered in _common_passwords() or (email and lowered == email.lower()):
        raise WeakPassword(
            "This password is too common; choose another one.",
            fields={"password": "common"},
            problems=[("password", "validation.password_common", {})],
        )
    return normalised


def hash_password(hasher: PasswordHasher, password: str) -> str:
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash, so timing does not reveal accounts."""
    from argon2.exceptions import InvalidHashError, VerificationError

    candidate = unicodedata.normalize("NFC", password) if isinstance(password, str) else ""
    try:
        return hasher.verify(stored_hash or _dummy_hash(hasher), candidate) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash(hasher: PasswordHasher) -> str:
    return _dummy_hash_for(hasher.memory_cost, hasher.time_cost)


@lru_cache(maxsize=4)
def _dummy_hash_for(memory_kib: int, time_cost: int) -> str:
    return password_hasher(memory_kib, time_cost).hash(secrets.token_urlsafe(16))


# -- link tokens, refresh secrets, staff keys ------------------------------------------


def new_secret() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def seal_text(key: bytes, text: str, context: str) -> str:
    """``text`` encrypted and authenticated (AES-256-GCM) for ``context``: for a secret that
    must be given back later (a link in a replayed answer) but never stored readable."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, text.encode("utf-8"), context.encode("utf-8"))
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_text(key: bytes, sealed: str, context: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
    return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode("utf-8")).decode("utf-8")


def derive_key(master: str, label: str) -> bytes:
    """A sub-key for one purpose (JWT signing, outbox encryption) from the stage's secret."""
    return hmac.new(master.encode("utf-8"), label.encode("utf-8"), hashlib.sha256).digest()


@dataclass(frozen=True)
class RefreshToken:
    session_id: str
    secret: str

    def __str__(self) -> str:
        return f"{self.session_id}.{self.secret}"

    @classmethod
    def parse(cls, value: Any) -> RefreshToken:
        if not isinstance(value, str) or value.count(".") != 1 or len(value) > 200:
            raise NotAuthenticated("The refresh token is not valid.")
        session_id, secret = value.split(".")
        if not session_id.startswith("ses_") or not secret:
            raise NotAuthenticated("The refresh token is not valid.")
        return cls(session_id, secret)


# -- access tokens (JWT, HS256) --------------------------------------------------------


@dataclass(frozen=True)
class Acting:
    """The company a signed-in customer acts for, with their role and the company's status."""

    company_id: str
    role: str  # admin | buyer | viewer
    status: str  # active | blocked

    @property
    def can_order(self) -> bool:
        return self.status == "active" and self.role in ("admin", "buyer")

    def claim(self) -> dict[str, Any]:
        return {"id": self.company_id, "role": self.role, "status": self.status, "can_order": self.can_order}


@dataclass(frozen=True)
class AccessClaims:
    customer_id: str
    session_id: str
    epoch: int
    website_id: str
    acting: Acting | None = None  # the ``company`` claim: storefronts authorise without calling back


def issue_access_token(key: bytes, claims: AccessClaims, now: float, minutes: int) -> str:
    import jwt

    payload = {
        "sub": claims.customer_id,
        "sid": claims.session_id,
        "ep": claims.epoch,
        "aud": claims.website_id,
        "iat": int(now),
        "exp": int(now) + minutes * 60,
        "typ": "access",
    }
    if claims.acting is not None:
        payload["company"] = claims.acting.claim()
    return jwt.encode(payload, key, algorithm="HS256")


def read_access_token(key: bytes, token: str, website_id: str, now: float) -> AccessClaims:
    import jwt

    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=["HS256"],
            audience=website_id,
            options={
                "require": ["sub", "sid", "ep", "exp", "iat", "aud"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as e:
        raise NotAuthenticated("The access token is not valid.") from e
    # Expiry is checked against the service clock (not the wall clock) so tests can move time.
    if payload.get("typ") != "access" or payload["exp"] <= now:
        raise NotAuthenticated("The access token has expired.")
    return AccessClaims(
        payload["sub"], payload["sid"], int(payload["ep"]), payload["aud"], _acting(payload.get("company"))
    )


def _acting(claim: Any) -> Acting | None:
    if not isinstance(claim, dict):
        return None
    return Acting(str(claim.get("id")), str(claim.get("role")), str(claim.get("status")))
