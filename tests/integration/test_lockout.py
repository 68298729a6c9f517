"""The sign-in lockout holds under concurrent attempts (SPEC §4, abuse budgets).

25 threads behind a barrier send wrong passwords at once; an attempt is reserved by a
conditional write before argon2 runs, so no more passwords are checked than 5 sequential
attempts would check, and the account ends up locked as after those 5.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from chalicelib.identity.models import Login
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from devtools.probes import CountingHasher, at_once
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api
from tests.support import STRONG_PASSWORD

ATTEMPTS = 25
KEY = "web:test-shop#ada@example.com"


@pytest.fixture
def container(configure: Callable[..., Container]) -> Container:
    """Every attempt comes from the test client's one address: its source budget must not
    answer before the account's lock does."""
    return configure(SOURCE_BUDGET_PER_MINUTE=10_000, SOURCE_BUDGET_PER_HOUR=100_000)


@pytest.fixture
def hasher(container: Container) -> Iterator[CountingHasher]:
    counting = CountingHasher(container.hasher)
    container.hasher = counting  # type: ignore[assignment]  # the Container is the one door
    yield counting


def test_25_wrong_passwords_at_once_check_5_and_lock_the_account(api: Api, hasher: CountingHasher) -> None:
    api.verified_account("ada@example.com")
    hasher.verified = 0
    answers = at_once(lambda _: api.sign_in("ada@example.com", "a wrong password!"), ATTEMPTS)
    statuses = sorted(a.status_code for a in answers)
    assert hasher.verified <= 5, f"{hasher.verified} passwords checked before the lock"
    assert statuses == [401] * 5 + [429] * (ATTEMPTS - 5)
    locked = api.sign_in("ada@example.com")  # even the right password waits
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 30
    assert hasher.verified == 5  # a locked account checks no password
    assert Login.get(KEY).failed_signins == 5


def test_after_the_lock_a_second_burst_gets_one_check_and_a_doubled_lock(
    api: Api, hasher: CountingHasher, clock: ManualClock
) -> None:
    api.verified_account("ada@example.com")
    at_once(lambda _: api.sign_in("ada@example.com", "a wrong password!"), ATTEMPTS)
    clock.advance(int(api.sign_in("ada@example.com").headers["Retry-After"]))
    hasher.verified = 0
    answers = at_once(lambda _: api.sign_in("ada@example.com", "a wrong password!"), ATTEMPTS)
    assert hasher.verified == 1
    assert sorted(a.status_code for a in answers) == [401] + [429] * (ATTEMPTS - 1)
    assert api.sign_in("ada@example.com").headers["Retry-After"] == "60"  # as after a 6th failure


def test_the_right_password_among_concurrent_wrong_ones_still_signs_in(api: Api) -> None:
    api.verified_account("ada@example.com")
    passwords = [STRONG_PASSWORD] + ["a wrong password!"] * 3
    answers = at_once(lambda i: api.sign_in("ada@example.com", passwords[i]), len(passwords))
    assert sorted(a.status_code for a in answers) == [200, 401, 401, 401]


def test_wrong_password_and_unknown_address_make_the_same_calls(
    api: Api, hasher: CountingHasher, aws_hooks: Hooks
) -> None:
    api.verified_account("ada@example.com")
    calls = {}
    for email in ("ada@example.com", "nobody@example.com"):
        aws_hooks.calls.clear()
        hasher.verified = 0
        answer = api.sign_in(email, "a wrong password!")
        calls[email] = (answer.status_code, answer.json_body, aws_hooks.operations(), hasher.verified)
    assert calls["ada@example.com"] == calls["nobody@example.com"]
    # the source's budget, then the attempt's reservation, which answers for an unknown address too
    assert calls["ada@example.com"][2:] == (["UpdateItem", "UpdateItem"], 1)
    aws_hooks.calls.clear()
    assert api.sign_in("ada@example.com").status_code == 200
    assert aws_hooks.operations() == ["UpdateItem", "UpdateItem", "TransactWriteItems"]
