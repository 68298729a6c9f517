"""Imported password hashes: each format signs in with its old password once, is then
rehashed to argon2id, and a wrong password or an unknown address costs what it always did."""

from __future__ import annotations

import base64
import hashlib

import bcrypt
import pytest
from argon2 import PasswordHasher, Type

from chalicelib.identity import get_login
from chalicelib.kernel.bootstrap import Container
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api
from tests.integration.test_imports import finished, send

PASSWORD = "migrated customer 42"


def _django(password: str) -> str:
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), b"SaltSalt", 1000)
    return f"pbkdf2_sha256$1000$SaltSalt${base64.b64encode(derived).decode()}"


def _passlib(password: str) -> str:
    salt = b"0123456789abcdef"
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)

    def ab64(raw: bytes) -> str:
        return base64.b64encode(raw).decode().rstrip("=").replace("+", ".")

    return f"$pbkdf2-sha256$1000${ab64(salt)}${ab64(derived)}"


def _magento_sha256(password: str) -> str:
    return f"{hashlib.sha256(('saltsalt' + password).encode()).hexdigest()}:saltsalt:1"


BCRYPT = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
ARGON2I = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1, type=Type.I).hash(PASSWORD)
#: (hash, password): vectors from the formats' own documentation or public fixtures where
#: one exists (phpass's test.php, WordPress 6.8, Magento 2, passlib's docs), else made here
VECTORS = {
    "bcrypt_2b": (BCRYPT, PASSWORD),
    "bcrypt_2y": (
        bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$"),
        PASSWORD,
    ),
    "argon2i": (
        PasswordHasher(time_cost=1, memory_cost=64, parallelism=1, type=Type.I).hash(PASSWORD),
        PASSWORD,
    ),
    "argon2id_other_params": (PasswordHasher(time_cost=3, memory_cost=1024).hash(PASSWORD), PASSWORD),
    "pbkdf2_passlib": (
        "$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M",
        "password",
    ),
    "pbkdf2_passlib_made": (_passlib(PASSWORD), PASSWORD),
    "pbkdf2_django": (_django(PASSWORD), PASSWORD),
    "magento_sha256": (_magento_sha256(PASSWORD), PASSWORD),
    "magento_argon2": (
        "ab5ebf8d273b085b6a60336198e0a5a2090fdc3e0606a678315c7274ab06e046:5PiKJRn28bBKoFMopMaaKuV47aJ6GzVg"
        ":3_32_2_67108864",
        "Password@",
    ),
    "woocommerce_phpass": ("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12345"),
    "wordpress_68": ("$wp$2y$12$iWN5xRwDE7i9R5jVJvCyqOxS1CNnwUggQaF8O2W9Bg8TuXQz.ngrS", "grimoire-test-123"),
}


@pytest.mark.parametrize("kind", sorted(VECTORS))
def test_an_imported_hash_signs_in_once_then_is_argon2id(api: Api, container: Container, kind: str) -> None:
    stored, password = VECTORS[kind]
    email = f"{kind.replace('_', '-')}@example.com"
    answer = send(api, container, f'email,name,password_hash\n{email},Migrated,"{stored}"\n', "?invite=now")
    view = finished(api, container, answer.json_body["import_id"])
    assert view["counts"]["created"] == 1, view
    assert get_login(f"web:test-shop#{email}").password_hash == stored

    assert api.sign_in(email, "not the password").status_code == 401
    signed_in = api.sign_in(email, password)
    assert signed_in.status_code == 200, signed_in.body
    rehashed = get_login(f"web:test-shop#{email}").password_hash
    assert rehashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert api.sign_in(email, password).status_code == 200  # now through argon2id
    assert view["counts"] == {"created": 1, "updated": 0, "skipped": 0, "errors": 0}


@pytest.mark.parametrize(
    "stored",
    [
        "plaintext-password",
        "$2b$31$" + "a" * 53,  # bcrypt cost far above the cap
        "$P$" + "z" + "a" * 30,  # phpass with 2^61 rounds
        "$pbkdf2-sha256$99999999$c2FsdA$" + "a" * 43,
        "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$" + "a" * 43,  # 4 GiB of memory
    ],
)
def test_an_unsupported_or_too_costly_hash_is_a_row_error(
    api: Api, container: Container, stored: str
) -> None:
    answer = send(api, container, f'email,name,password_hash\nx@example.com,X,"{stored}"\n', "?on_error=skip")
    view = finished(api, container, answer.json_body["import_id"])
    assert view["results"][0]["status"] == "error"
    assert (view["results"][0]["field"], view["results"][0]["code"]) == ("password_hash", "unsupported_hash")
    assert get_login("web:test-shop#x@example.com") is None


def test_an_unknown_address_costs_one_call_and_argon2_as_before(
    api: Api, container: Container, aws_hooks: Hooks
) -> None:
    """The legacy check runs only for a stored legacy hash: an unknown address still makes
    one DynamoDB call and one argon2 verification (the dummy hash)."""
    from devtools.probes import CountingHasher

    counting = CountingHasher(container.hasher)
    container.__dict__["hasher"] = counting
    aws_hooks.reset()
    assert api.sign_in("nobody@example.com", "whatever password").status_code == 401
    assert counting.verified == 1
    assert aws_hooks.operations() == ["UpdateItem", "UpdateItem"]  # the source budget, the attempt
