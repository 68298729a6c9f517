"""Forgotten, reset and changed passwords.

Forgot-password answers the same, after the same one write, whether or not the address has
an account: the ``forgot_password`` task sends the link afterwards (SPEC §4, enumeration).
Reset links are bound to the session epoch, so each reset, change or status change kills
every older link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import events
from chalicelib.identity import activity, store
from chalicelib.identity.accounts import mail
from chalicelib.identity.models import Customer
from chalicelib.identity.schemas import ChangePasswordIn, ForgotIn, ResetIn
from chalicelib.identity.session_store import save_step
from chalicelib.identity.sessions import (
    confirm_password,
    current_customer,
    login_key,
    new_session,
    token_pair,
)
from chalicelib.kernel.errors import InvalidToken
from chalicelib.kernel.models import Token, is_live
from chalicelib.kernel.observability import metric
from chalicelib.kernel.security import AccessClaims, check_password_policy, hash_password
from chalicelib.kernel.tokens import live_token, new_token
from chalicelib.kernel.transactions import Step
from chalicelib.mail import Envelope, OutboxMessage, after_commit, defer, task

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

FORGOT_ACCEPTED = {
    "status": "accepted",
    "message": "If an account uses this address, we sent it a link to reset the password.",
}


def forgot_password(c: Container, data: ForgotIn) -> dict[str, Any]:
    """One task write, whatever the address; the ``forgot_password`` task sends the link."""
    message, envelope = defer(c, "forgot_password", {"email": data.email})
    store.queue_emails([message], None, int(c.clock.now()))
    after_commit(c, [envelope])
    metric("PasswordResetsRequested")
    return FORGOT_ACCEPTED


@task("forgot_password")
def _forgot_task(c: Container, data: dict[str, Any], done: tuple[str, Step]) -> list[Envelope]:
    """A reset link to the address, if an active or unverified account uses it."""
    s = c.settings
    key = login_key(c, data["email"])
    login = store.get_login(key)
    if login is None or not is_live(login, c.clock.now()) or login.status not in ("active", "pending"):
        return []
    customer = store.get_customer(login.customer_id)
    if customer is None:
        return []
    # bound to the session epoch: the next reset, password change or status change kills it
    epoch = int(customer.session_epoch)
    token, secret = new_token(c, "reset", customer, key, s.RESET_TOKEN_MINUTES * 60, version=epoch)
    message, envelope = mail(
        c,
        "reset",
        customer.email,
        customer.locale,
        customer.name if customer.status == "active" else None,  # a pending name is a caller's
        link=s.link("/password/reset", secret),
        minutes=s.RESET_TOKEN_MINUTES,
    )
    store.issue_token(token, [message], done)
    return [envelope]


def reset_link(c: Container, secret: object) -> tuple[Token, Customer]:
    """A live reset token and its customer. Links are bound to the session epoch, so every
    link issued before a reset, a password change or a status change is dead."""
    token = live_token(c, secret, "reset")
    customer = store.get_customer(token.customer_id)
    if (
        customer is None
        or customer.status not in ("active", "pending")
        or token.bound_version != customer.session_epoch
    ):
        raise InvalidToken()
    return token, customer


def reset_password(c: Container, data: ResetIn) -> dict[str, Any]:
    token, customer = reset_link(c, data.token)
    password = check_password_policy(data.password, email=customer.email)
    new_hash = hash_password(c.hasher, password)
    message, envelope = _password_changedmail(c, customer)
    event = activity.event(c, customer.customer_id, "password_reset", "customer")
    changes = [activity.step(event), _password_event(c, customer, "reset")]
    if customer.status == "pending":  # the emailed link proved the mailbox
        changes.append(events.emit(c, events.CUSTOMER_VERIFIED, customer.customer_id, status="active"))
    store.reset_password(token, customer, new_hash, [message], int(c.clock.now()), *changes)
    after_commit(c, [envelope])
    metric("PasswordResets")
    return {"status": "password_reset", "customer_id": customer.customer_id}


def _password_event(c: Container, customer: Customer, via: str) -> tuple[str, Step]:
    return events.emit(
        c, events.CUSTOMER_PASSWORD_CHANGED, customer.customer_id, fields=["password"], via=via
    )


def _password_changedmail(c: Container, customer: Customer) -> tuple[OutboxMessage, Envelope]:
    s = c.settings
    return mail(
        c,
        "password_changed",
        customer.email,
        customer.locale,
        customer.name,
        forgot_link=s.storefront(s.STOREFRONT_FORGOT_PATH),
    )


def change_password(c: Container, claims: AccessClaims, data: ChangePasswordIn) -> dict[str, Any]:
    """Change with the current password; every session ends and this caller gets a new one."""
    customer = current_customer(c, claims)
    key = customer.login_key
    password = check_password_policy(data.new_password, email=customer.email)
    confirm_password(c, customer, data.current_password, clear=False)  # credential_steps clears
    new_hash = hash_password(c.hasher, password)
    session, refresh = new_session(c, customer.customer_id, int(customer.session_epoch) + 1)
    message, envelope = _password_changedmail(c, customer)
    event = activity.step(activity.event(c, customer.customer_id, "password_changed", "customer"))
    steps = [save_step(session), event, _password_event(c, customer, "change")]
    store.change_credentials(customer, key, new_hash, steps, [message], int(c.clock.now()))
    after_commit(c, [envelope])
    metric("PasswordChanges")
    return token_pair(c, session, refresh)
