"""Password attempts on the login item: reserved before argon2 runs, settled after.

A reservation is one conditional ``UpdateItem`` that counts the attempt in
``failed_signins`` and holds ``locked_until`` for a lease, unless the account is locked:
DynamoDB applies them one at a time, so concurrent attempts queue behind the lock
exactly as sequential ones do. A right password clears the count; a wrong one that
reaches the free allowance turns the lease into the lock (SPEC §4, throttling).
"""

from __future__ import annotations

import contextlib

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.identity.models import Login
from chalicelib.kernel.dynamo import error_code, translated, update_or_current
from chalicelib.kernel.transactions import Cancelled, Step, run


def open_for_attempt(now: int, free: int) -> Condition:
    """A live login whose free attempts are not used up, or whose lock has passed."""
    live: Condition = Login.login_key.exists() & (
        Login.expires_at.does_not_exist() | (Login.expires_at > now)
    )
    unlocked = (
        Login.failed_signins.does_not_exist()
        | (Login.failed_signins < free)
        | Login.locked_until.does_not_exist()
        | (Login.locked_until <= now)
    )
    condition: Condition = live & unlocked
    return condition


@translated
def reserve(key: str, now: int, lease: int, free: int) -> tuple[Login | None, Login | None]:
    """Count an attempt on the login at ``key``: ``(login after, None)``; or, if it is locked,
    expired or absent, ``(None, login as it is or None)``. An absent key writes nothing."""
    actions: list[Action] = [Login.failed_signins.add(1), Login.locked_until.set(now + lease)]
    return update_or_current(Login, key, actions, open_for_attempt(now, free))


@translated
def record_failure(login: Login, locked_until: int | None, event: tuple[str, Step]) -> None:
    """A wrong password's activity event, and the lock after the ``login.failed_signins``-th
    failure (skipped if a right password cleared the count meanwhile): one transaction."""
    steps = [event]
    if locked_until is not None:
        condition = (Login.customer_id == login.customer_id) & (Login.failed_signins >= login.failed_signins)
        actions: list[Action] = [Login.locked_until.set(locked_until)]
        steps.append(
            ("login", lambda tx: tx.update(Login(login.login_key), actions=actions, condition=condition))
        )
    with contextlib.suppress(Cancelled):
        run(steps)


def _cleared(login: Login, new_hash: str | None = None) -> tuple[list[Action], Condition]:
    """A right password: the count and the lock go (and a rehashed password is stored),
    while the address still belongs to the same customer."""
    actions: list[Action] = [Login.failed_signins.set(0), Login.locked_until.remove()]
    if new_hash:
        actions.append(Login.password_hash.set(new_hash))
    condition: Condition = Login.customer_id == login.customer_id
    return actions, condition


def clear_step(
    login: Login, new_hash: str | None = None, signed_in_at: int | None = None
) -> tuple[str, Step]:
    """``clear`` as the ``login`` step of a transaction (the session's, at sign-in, which
    also notes the time: the back office shows the last sign-in)."""
    actions, condition = _cleared(login, new_hash)
    if signed_in_at is not None:
        actions.append(Login.last_sign_in_at.set(signed_in_at))

    def step(tx: TransactWrite) -> None:
        tx.update(Login(login.login_key), actions=actions, condition=condition)

    return ("login", step)


@translated
def clear(login: Login) -> None:
    """A right password that starts no session: the count and the lock go."""
    actions, condition = _cleared(login)
    try:
        Login(login.login_key).update(actions=actions, condition=condition)
    except UpdateError as e:
        if error_code(e) != "ConditionalCheckFailedException":
            raise  # else the address changed owner meanwhile: nothing to clear
