"""The code items: issued in the task's transaction, a try reserved before any compare,
consumed with the session in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.codes.models import SignInCode
from chalicelib.kernel.dynamo import translated, update_or_current
from chalicelib.kernel.errors import InvalidCode
from chalicelib.kernel.transactions import Cancelled, Step, run, run_with_optional
from chalicelib.mail import AlreadyDone, OutboxMessage


@translated
def get(code_key: str) -> SignInCode | None:
    try:
        return SignInCode.get(code_key, consistent_read=True)
    except SignInCode.DoesNotExist:
        return None


@translated
def issue(
    item: SignInCode,
    seen: SignInCode | None,
    outbox: Sequence[OutboxMessage],
    done: tuple[str, Step],
    *extra: tuple[str, Step],
) -> bool:
    """Write ``item`` (replacing the address's code), its email and the task's done mark.

    Conditional on the item as the task read it (``seen``: its last send; None: no open
    window), so two tasks for one address cannot both send. False when one did."""
    now = int(item.last_sent_at)
    if seen is None:
        condition: Condition = SignInCode.code_key.does_not_exist() | (SignInCode.window_ends <= now)
    else:
        condition = (SignInCode.last_sent_at == seen.last_sent_at) & (SignInCode.window_ends > now)
    try:
        run([("code", lambda tx: tx.save(item, condition=condition)), done, *extra], outbox)
    except Cancelled as e:
        if "task" in e.failed:
            raise AlreadyDone() from e
        return False
    return True


@translated
def reserve_try(code_key: str, now: int, tries: int) -> tuple[SignInCode | None, SignInCode | None]:
    """Count a try before comparing: ``(item after, None)``; or ``(None, item as it is)`` when
    the window's tries are spent or it is over (``(None, None)``: no code was asked for)."""
    actions: list[Action] = [SignInCode.tries.add(1)]
    condition = SignInCode.code_key.exists() & (SignInCode.window_ends > now) & (SignInCode.tries < tries)
    return update_or_current(SignInCode, code_key, actions, condition)


def consume_step(item: SignInCode) -> tuple[str, Step]:
    """Spend the code, if it is still the one the try was reserved on (a resend replaces it);
    a right code gives the window its tries back."""
    actions: list[Action] = [
        SignInCode.code_hash.remove(),
        SignInCode.link_hash.remove(),
        SignInCode.device_hash.remove(),
        SignInCode.email.remove(),
        SignInCode.tries.set(0),
    ]
    condition = SignInCode.code_hash == item.code_hash
    return ("code", lambda tx: tx.update(SignInCode(item.code_key), actions=actions, condition=condition))


@translated
def sign_in(
    item: SignInCode, steps: Sequence[tuple[str, Step]], optional: Sequence[tuple[str, Step]] = ()
) -> None:
    """The code consumed with ``steps`` (the session, the account's changes): one transaction.
    ``optional`` steps (an ERP link the proof earns) are dropped when only they failed (a
    concurrent sign-in linked first); the next sign-in links."""
    try:
        run_with_optional([consume_step(item), *steps], optional)
    except Cancelled as e:
        raise InvalidCode() from e
