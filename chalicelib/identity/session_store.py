"""Sessions: start (with the login's counters reset), rotate the refresh token, end, and
read a session with its customer in one call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactGet

from chalicelib.identity.models import Customer, Session
from chalicelib.kernel.dynamo import error_code, translated
from chalicelib.kernel.errors import InvalidCredentials, StaleWrite
from chalicelib.kernel.models import Token
from chalicelib.kernel.security import Acting
from chalicelib.kernel.transactions import Cancelled, Step, run_with_optional

T = TypeVar("T")


def save_step(session: Session) -> tuple[str, Step]:
    return ("session", lambda tx: tx.save(session, condition=Session.session_id.does_not_exist()))


@translated
def start(session: Session, *extra: tuple[str, Step], optional: Sequence[tuple[str, Step]] = ()) -> None:
    """Write a new session with ``extra`` steps (its activity, a login update) in one transaction.

    The login step holds only while the address still belongs to the customer whose password
    was checked: an erasure (or an email change) that took it meanwhile is a failed sign-in.
    ``optional`` steps (a link the sign-in earns) are dropped when only they failed: a
    concurrent sign-in wrote the link first, or the customer changed meanwhile; the session
    starts all the same, and the next sign-in links."""
    try:
        run_with_optional([save_step(session), *extra], optional)
    except Cancelled as e:
        raise (InvalidCredentials() if "login" in e.failed else StaleWrite()) from e


@translated
def rotate(session_id: str, old_hash: str, new_hash: str, now: int) -> Session | None:
    """Swap the refresh hash if ``old_hash`` is current and the session live; else None."""
    session = Session(session_id)
    try:
        session.update(
            actions=[
                Session.previous_refresh_hash.set(old_hash),
                Session.refresh_hash.set(new_hash),
                Session.refreshed_at.set(now),
            ],
            condition=(Session.refresh_hash == old_hash) & (Session.expires_at > now),
        )
    except UpdateError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            return None
        raise
    return session


@translated
def set_acting(session_id: str, customer_id: str, acting: Acting | None) -> Session | None:
    """Record the company the session acts for; None if the session is gone or not theirs."""
    session = Session(session_id)
    fields = (Session.company_id, Session.company_role, Session.company_status)
    values = (acting.company_id, acting.role, acting.status) if acting else (None, None, None)
    pairs = zip(fields, values, strict=True)
    actions: list[Action] = [f.set(v) if v is not None else f.remove() for f, v in pairs]
    try:
        session.update(
            actions=actions,
            condition=(Session.customer_id == customer_id) & Session.session_id.exists(),
        )
    except UpdateError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            return None
        raise
    return session


@translated
def get(session_id: str) -> Session | None:
    try:
        return Session.get(session_id, consistent_read=True)
    except Session.DoesNotExist:
        return None


@translated
def end(session_id: str, customer_id: str) -> None:
    """Delete the session if it is this customer's (idempotent)."""
    try:
        Session(session_id).delete(condition=Session.customer_id == customer_id)
    except DeleteError as e:
        if error_code(e) != "ConditionalCheckFailedException":
            raise


@translated
def with_customer(session_id: str, customer_id: str) -> tuple[Session | None, Customer | None]:
    """The session and its customer, both as they are now: one ``TransactGetItems``."""
    # every table shares one botocore client: any model's connection serves the read
    with TransactGet(connection=Token._get_connection().connection) as read:
        session = read.get(Session, session_id)
        customer = read.get(Customer, customer_id)
    return _found(session.get), _found(customer.get)


def _found(get: Callable[[], T]) -> T | None:
    try:
        return get()
    except DoesNotExist:
        return None
