"""Password hashes imported from another platform, checked once and then replaced.

An import's ``password_hash`` column migrates customers without a reset. Each accepted
format is recognised here (``problem`` says why one is not), verified at the customer's
first sign-in (``verify``), and the sign-in then stores an argon2id hash of the password
instead (``sessions.sign_in``). Work factors are capped: a hash chosen by whoever wrote the
file must not make a sign-in burn seconds of CPU.

Formats:
- bcrypt ``$2a$ $2b$ $2y$`` (cost 4-14);
- argon2 ``$argon2id$ $argon2i$`` (PHC strings; memory up to 256 MiB);
- PBKDF2-SHA256: passlib's ``$pbkdf2-sha256$i$salt$hash`` (adapted base64) and Django's
  ``pbkdf2_sha256$i$salt$base64`` (up to 2,000,000 iterations);
- Magento 2: ``hash:salt:versions`` with versions 0 (MD5), 1 (SHA-256), 2 (Argon2ID13),
  3_<len>_<ops>_<mem> (Argon2ID13, agnostic), chained (``1:2``) as Magento upgrades them;
- WordPress and WooCommerce: phpass portable ``$P$``/``$H$`` (2^7-2^20 MD5 rounds) and
  WordPress 6.8's ``$wp$2y$...`` (bcrypt of base64(HMAC-SHA384("wp-sha384", password))).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

ARGON_PREFIXES = ("$argon2id$", "$argon2i$")
BCRYPT = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
PASSLIB_PBKDF2 = re.compile(r"^\$pbkdf2-sha256\$(\d+)\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]{43})$")
DJANGO_PBKDF2 = re.compile(r"^pbkdf2_sha256\$(\d+)\$([^$]{1,128})\$([A-Za-z0-9+/]{43}=)$")
MAGENTO = re.compile(
    r"^([0-9a-f]{32}|[0-9a-f]{64}):([^:]{1,128}):((?:[0-2]|3_\d{1,3}_\d{1,2}_\d{1,10})(?::(?:[0-2]|3_\d{1,3}_\d{1,2}_\d{1,10}))*)$"
)
PHPASS = re.compile(r"^\$[PH]\$([./0-9A-Za-z])[./0-9A-Za-z]{8}[./0-9A-Za-z]{22}$")
ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
MAX_HASH = 512
BCRYPT_COST = (4, 14)
PBKDF2_MAX = 2_000_000
PHPASS_LOG2 = (7, 20)
ARGON_MAX_KIB = 256 * 1024
ARGON_MAX_T = 10
MAGENTO_OPS, MAGENTO_MEM = 2, 67_108_864  # libsodium's "interactive" limits (Magento's version 2)


def problem(stored: str) -> str | None:
    """Why ``stored`` is not an accepted hash (None when it is)."""
    if len(stored) > MAX_HASH:
        return "the hash is too long"
    if stored.startswith(ARGON_PREFIXES):
        return _argon_problem(stored)
    if stored.startswith("$wp$"):
        stored = stored[3:]
    if m := BCRYPT.match(stored):
        low, high = BCRYPT_COST
        return None if low <= int(m.group(1)) <= high else f"bcrypt cost must be {low} to {high}"
    if (m := PASSLIB_PBKDF2.match(stored)) or (m := DJANGO_PBKDF2.match(stored)):
        return None if 1 <= int(m.group(1)) <= PBKDF2_MAX else f"PBKDF2 needs 1 to {PBKDF2_MAX} iterations"
    if m := PHPASS.match(stored):
        low, high = PHPASS_LOG2
        return None if low <= ITOA64.index(m.group(1)) <= high else "phpass cost out of range"
    if m := MAGENTO.match(stored):
        return _magento_problem(m.group(3))
    return "not a supported hash format (bcrypt, argon2, PBKDF2-SHA256, Magento 2, phpass, WordPress)"


def is_legacy(stored: str | None) -> bool:
    """A hash sign-in must check here (anything but the service's own argon2id)."""
    return bool(stored) and not str(stored).startswith("$argon2id$v=19$")


def verify(stored: str, password: str) -> bool:
    """Is ``password`` the one ``stored`` was made from? False for an unaccepted format."""
    if problem(stored) is not None:
        return False
    data = password.encode("utf-8")
    if stored.startswith(ARGON_PREFIXES):
        return _argon(stored, password)
    if stored.startswith("$wp$"):
        digest = hmac.new(b"wp-sha384", data, hashlib.sha384).digest()
        return _bcrypt(base64.b64encode(digest), stored[3:])
    if BCRYPT.match(stored):
        return _bcrypt(data, stored)
    if m := PASSLIB_PBKDF2.match(stored):
        salt = _ab64(m.group(2))
        derived = hashlib.pbkdf2_hmac("sha256", data, salt, int(m.group(1)))
        return hmac.compare_digest(derived, _ab64(m.group(3)))
    if m := DJANGO_PBKDF2.match(stored):
        derived = hashlib.pbkdf2_hmac("sha256", data, m.group(2).encode(), int(m.group(1)))
        return hmac.compare_digest(base64.b64encode(derived).decode(), m.group(3))
    if PHPASS.match(stored):
        return hmac.compare_digest(_phpass(data, stored), stored)
    m = MAGENTO.match(stored)
    assert m is not None
    return hmac.compare_digest(_magento(password, m.group(2), m.group(3).split(":")), m.group(1))


def _argon_problem(stored: str) -> str | None:
    from argon2 import extract_parameters
    from argon2.exceptions import InvalidHashError
    from argon2.low_level import Type

    try:
        params = extract_parameters(stored)
    except (InvalidHashError, ValueError):
        return "not a valid argon2 hash"
    if params.type not in (Type.ID, Type.I) or params.memory_cost > ARGON_MAX_KIB:
        return "argon2 memory cost above 256 MiB"
    return None if params.time_cost <= ARGON_MAX_T else "argon2 time cost above 10"


def _argon(stored: str, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return PasswordHasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _bcrypt(data: bytes, stored: str) -> bool:
    import bcrypt

    # bcrypt reads 72 bytes (PHP and older libraries truncate silently; bcrypt 5 refuses)
    return bool(bcrypt.checkpw(data[:72], stored.replace("$2y$", "$2b$", 1).encode()))


def _ab64(value: str) -> bytes:
    """passlib's adapted base64: ``.`` for ``+``, no padding."""
    value = value.replace(".", "+")
    return base64.b64decode(value + "=" * (-len(value) % 4))


def _phpass(data: bytes, stored: str) -> str:
    count, salt = 1 << ITOA64.index(stored[3]), stored[4:12].encode()
    digest = hashlib.md5(salt + data).digest()  # noqa: S324 (the legacy format itself)
    for _ in range(count):
        digest = hashlib.md5(digest + data).digest()  # noqa: S324
    return stored[:12] + _encode64(digest)


def _encode64(raw: bytes) -> str:
    out, i = [], 0
    while i < len(raw):
        value = raw[i]
        i += 1
        out.append(ITOA64[value & 0x3F])
        if i < len(raw):
            value |= raw[i] << 8
        out.append(ITOA64[(value >> 6) & 0x3F])
        if i >= len(raw):
            break
        i += 1
        if i < len(raw):
            value |= raw[i] << 16
        out.append(ITOA64[(value >> 12) & 0x3F])
        if i >= len(raw):
            break
        i += 1
        out.append(ITOA64[(value >> 18) & 0x3F])
    return "".join(out)


def _magento_problem(versions: str) -> str | None:
    for version in versions.split(":"):
        if version.startswith("3_"):
            _, length, ops, mem = version.split("_")
            if not (
                16 <= int(length) <= 64 and 1 <= int(ops) <= ARGON_MAX_T and int(mem) <= ARGON_MAX_KIB * 1024
            ):
                return "Magento argon2 parameters out of range"
    return None


def _magento(password: str, salt: str, versions: list[str]) -> str:
    """Magento 2's chain: each version hashes salt + the previous result."""
    value = password
    for version in versions:
        if version in ("0", "1"):
            algorithm = hashlib.md5 if version == "0" else hashlib.sha256
            value = algorithm((salt + value).encode()).hexdigest()
        else:
            length, ops, mem = 32, MAGENTO_OPS, MAGENTO_MEM
            if version.startswith("3_"):
                length, ops, mem = (int(x) for x in version.split("_")[1:])
            value = _sodium_argon(value, salt, length, ops, mem)
    return value


def _sodium_argon(value: str, salt: str, length: int, ops: int, mem: int) -> str:
    """libsodium's ``crypto_pwhash`` (Argon2id 1.3, one lane) as Magento calls it: the salt
    is the first 16 bytes of Magento's salt, repeated if shorter."""
    from argon2.low_level import Type, hash_secret_raw

    raw_salt = (salt.encode() * 16)[:16]
    raw = hash_secret_raw(value.encode(), raw_salt, ops, mem // 1024, 1, length, Type.ID)
    return raw.hex()
