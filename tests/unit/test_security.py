"""Security floors of SPEC §4: argon2id parameters, password policy, tokens, JWTs."""

from __future__ import annotations

import re
import secrets as stdlib_secrets

import pytest

from chalicelib.identity.sessions import lock_delay
from chalicelib.kernel.errors import NotAuthenticated, WeakPassword
from chalicelib.kernel.security import (
    AccessClaims,
    RefreshToken,
    check_password_policy,
    hash_password,
    issue_access_token,
    new_secret,
    password_hasher,
    read_access_token,
    sha256_hex,
    verify_password,
)
from tests.support import make_settings

KEY = b"k" * 32


def test_argon2id_meets_the_floor_by_default() -> None:
    s = make_settings()
    hashed = hash_password(password_hasher(s.ARGON2_MEMORY_KIB, s.ARGON2_TIME_COST), "a fine passphrase")
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", hashed)
    assert match, hashed
    memory, time_cost, parallelism = map(int, match.groups())
    assert memory >= 19 * 1024 and time_cost >= 2 and parallelism == 1


def test_verify_password_accepts_the_right_one_only() -> None:
    hasher = password_hasher(19456, 2)
    hashed = hash_password(hasher, "a fine passphrase")
    assert verify_password(hasher, hashed, "a fine passphrase")
    assert not verify_password(hasher, hashed, "a fine passphrasE")
    assert not verify_password(hasher, None, "a fine passphrase")  # no account: still False
    assert not verify_password(hasher, "not-a-hash", "a fine passphrase")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("1234567", "too_short"),
        ("x" * 257, "too_long"),
        ("password", "common"),
        ("Password1", "common"),
        ("QWERTYUIOP", "common"),
        ("ada@example.com", "common"),
    ],
)
def test_weak_passwords_are_refused(password: str, reason: str) -> None:
    with pytest.raises(WeakPassword) as raised:
        check_password_policy(password, email="ada@example.com")
    assert raised.value.fields == {"password": reason}


@pytest.mark.parametrize("password", ["abcdefgh-not-common", "x" * 256, "ünïcødé pass", "12 words is fine"])
def test_no_composition_rules(password: str) -> None:
    assert check_password_policy(password)


def test_link_secrets_have_at_least_128_bits_and_are_stored_as_sha256() -> None:
    values = {new_secret() for _ in range(1000)}
    assert len(values) == 1000
    assert all(len(v) >= 43 for v in values)  # 32 bytes of urlsafe base64 = 256 bits
    digest = sha256_hex("abc")
    assert re.fullmatch(r"[0-9a-f]{64}", digest) and "abc" not in digest


def test_access_tokens_round_trip_and_expire() -> None:
    claims = AccessClaims("cus_1", "ses_1", 3, "shop")
    token = issue_access_token(KEY, claims, 1000.0, 15)
    assert read_access_token(KEY, token, "shop", 1000.0 + 899) == claims
    with pytest.raises(NotAuthenticated):
        read_access_token(KEY, token, "shop", 1000.0 + 900)
    with pytest.raises(NotAuthenticated):
        read_access_token(KEY, token, "other-shop", 1000.0)
    with pytest.raises(NotAuthenticated):
        read_access_token(b"x" * 32, token, "shop", 1000.0)


@pytest.mark.parametrize("value", [None, 42, "", "no-dot", "ses_a.b.c", "abc.def", "ses_" + "x" * 300 + ".y"])
def test_malformed_refresh_tokens_are_refused(value: object) -> None:
    with pytest.raises(NotAuthenticated):
        RefreshToken.parse(value)


def test_refresh_token_format() -> None:
    token = RefreshToken("ses_" + stdlib_secrets.token_hex(16), new_secret())
    assert RefreshToken.parse(str(token)) == token


def test_throttle_delay_doubles_from_the_fifth_failure_and_caps_at_15_minutes() -> None:
    assert [lock_delay(n) for n in range(1, 5)] == [None] * 4
    assert [lock_delay(n) for n in range(5, 12)] == [30, 60, 120, 240, 480, 900, 900]
