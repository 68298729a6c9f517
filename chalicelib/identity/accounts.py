"""Sign-up with email verification, forgotten and changed passwords, status changes.

Answers to sign-up and forgot-password are the same whether or not the address
has an account: an existing owner gets an email instead (SPEC §4, enumeration).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.identity import activity, clean_start, store
from chalicelib.identity.models import Customer, Login
from chalicelib.identity.schemas import ChangePasswordIn, ForgotIn, ResetIn, SignupIn
from chalicelib.identity.session_store import save_step
from chalicelib.identity.sessions import (
    confirm_password,
    current_customer,
    login_key,
    new_session,
    token_pair,
)
from chalicelib.identity.store import EmailTaken, IdempotentReplay
from chalicelib.kernel.clock import expiry_bucket
from chalicelib.kernel.errors import (
    InvalidState,
    InvalidToken,
    NotFound,
    ServiceUnavailable,
    SignupClosed,
)
from chalicelib.kernel.i18n import negotiate
from chalicelib.kernel.idempotency import idempotency_record, replay
from chalicelib.kernel.models import Token, is_live
from chalicelib.kernel.observability import metric
from chalicelib.kernel.security import AccessClaims, check_password_policy, hash_password
from chalicelib.kernel.settings import SignupMode
from chalicelib.kernel.tokens import live_token, new_token
from chalicelib.kernel.transactions import Step
from chalicelib.mail import Envelope, OutboxMessage, after_commit, compose, defer, task

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

SIGNUP_ACCEPTED = {
    "status": "accepted",
    "message": "Check your inbox: we sent an email to this address to continue.",
}
FORGOT_ACCEPTED = {
    "status": "accepted",
    "message": "If an account uses this address, we sent it a link to reset the password.",
}


def _mail(
    c: Container, template: str, to: str, language: str, name: str | None, **context: Any
) -> tuple[OutboxMessage, Envelope]:
    """``name`` greets the recipient: only a verified account's stored name, never text the
    caller just sent (SPEC §4), so a caller cannot write to someone else's mailbox."""
    values = {"name": name, "website": c.settings.WEBSITE_ID, **context}
    return compose(c, template, to, language, values)


def signup(
    c: Container,
    data: SignupIn,
    idempotency_key: str | None = None,
    *,
    customer_id: str | None = None,
    extra: Sequence[tuple[str, Step]] = (),
    origin: str | None = None,
) -> dict[str, Any]:
    """Sign up. The request hashes the password and writes one task, whatever the address
    (the ``signup`` task creates the account, or refreshes an unverified one, or tells the
    owner by email). With ``extra`` steps (a checkout's order) the account is created now,
    in their transaction, marked with its ``origin``, and a taken address raises
    ``EmailTaken`` for the caller."""
    s = c.settings
    if s.SIGNUP_MODE is SignupMode.INVITATION:
        raise SignupClosed()
    password = check_password_policy(data.password, email=data.email)
    language = negotiate([data.locale], s.DEFAULT_LOCALE)
    details = {"email": data.email, "name": data.name, "locale": language, "newsletter": data.newsletter}
    idem = idempotency_record(c, "signup", idempotency_key, details, SIGNUP_ACCEPTED, 202)
    details["password_hash"] = hash_password(c.hasher, password)
    if extra:
        created = create_signup(c, details, customer_id=customer_id, extra=extra, origin=origin)
        after_commit(c, [created])
        return SIGNUP_ACCEPTED
    message, envelope = defer(c, "signup", details)
    try:
        store.queue_emails([message], idem, int(c.clock.now()))
    except IdempotentReplay:
        assert idem is not None
        return replay(c, idem)
    after_commit(c, [envelope])
    return SIGNUP_ACCEPTED


def create_signup(
    c: Container,
    details: dict[str, Any],
    *,
    customer_id: str | None = None,
    extra: Sequence[tuple[str, Step]],
    origin: str | None = None,
) -> Envelope:
    """A pending account, its email claim and its verify link in one transaction with ``extra``."""
    s, now = c.settings, int(c.clock.now())
    expires = now + s.SIGNUP_PENDING_DAYS * 86400
    bucket = expiry_bucket(expires)
    key = login_key(c, details["email"])
    customer = Customer(
        customer_id or f"cus_{secrets.token_hex(12)}",
        namespace=s.account_namespace,
        website_id=s.WEBSITE_ID,
        email=details["email"],
        name=details["name"],
        locale=details["locale"],
        newsletter=details["newsletter"],
        status="pending",
        session_epoch=0,
        created_at=now,
        updated_at=now,
        expires_at=expires,
        expiry_bucket=bucket,
        origin=origin,
    )
    login = Login(
        key,
        customer_id=customer.customer_id,
        password_hash=details["password_hash"],
        status="pending",
        session_epoch=0,
        failed_signins=0,
        expires_at=expires,
        expiry_bucket=bucket,
    )
    token, message, envelope = verify_link(c, customer, key, version=1)
    store.create_signup(customer, login, token, [message], None, now, extra)
    metric("SignUps")
    return envelope


@task("signup")
def _signup_task(c: Container, details: dict[str, Any], done: tuple[str, Step]) -> list[Envelope]:
    """The sign-up's work after the answer: the account, or an email to the address's owner."""
    try:
        return [create_signup(c, details, extra=[done])]
    except EmailTaken:
        return [_signup_over_existing(c, details, done)]


def verify_link(
    c: Container, customer: Customer, key: str, *, version: int
) -> tuple[Token, OutboxMessage, Envelope]:
    """A verify token bound to the customer's ``version``, and its email.

    The email greets no one: the name of an unverified account is whatever its caller sent."""
    hours = c.settings.VERIFY_TOKEN_HOURS
    token, secret = new_token(c, "verify", customer, key, hours * 3600, version=version)
    link = c.settings.link("/verify", secret)
    message, envelope = _mail(c, "verify", customer.email, customer.locale, None, link=link, hours=hours)
    return token, message, envelope


def _signup_over_existing(c: Container, details: dict[str, Any], done: tuple[str, Step]) -> Envelope:
    """The address is taken: refresh an unverified sign-up, or tell the owner by email."""
    s, now = c.settings, int(c.clock.now())
    key = login_key(c, details["email"])
    login = store.get_login(key)
    if login is None or not is_live(login, now):
        raise ServiceUnavailable("The address is changing state; retry.")
    if login.status == "pending":
        customer = store.get_customer(login.customer_id)
        if customer is None:
            raise ServiceUnavailable("The address is changing state; retry.")
        if clean_start.made_by_checkout(customer):  # never adopt what a checkout's caller wrote
            fresh = clean_start.fresh_customer(c, details, customer)
            token, message, envelope = verify_link(c, fresh, key, version=1)
            clean_start.take_over(customer, fresh, details["password_hash"], token, message, now, done)
            metric("SignUpsOverCheckoutRecords")
            return envelope
        customer.name, customer.locale = details["name"], details["locale"]
        customer.newsletter = details["newsletter"]
        token, message, envelope = verify_link(c, customer, key, version=int(customer.version) + 1)
        store.replace_pending_signup(
            customer, key, details["password_hash"], token, [message], None, now, done
        )
        metric("SignUpsRepeated")
        return envelope
    message, envelope = _mail(
        c,
        "account_exists",
        details["email"],
        details["locale"],
        None,  # not the caller's name: the caller need not own this address
        signin_link=s.storefront(s.STOREFRONT_SIGNIN_PATH),
        forgot_link=s.storefront(s.STOREFRONT_FORGOT_PATH),
    )
    store.queue_emails([message], None, now, done)
    metric("SignUpsForExistingEmail")
    return envelope


def verify_email(c: Container, secret: object) -> dict[str, Any]:
    token = live_token(c, secret, "verify")
    store.complete_verification(token, int(c.clock.now()))
    metric("EmailsVerified")
    return {"status": "verified", "customer_id": token.customer_id}


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
    message, envelope = _mail(
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
    message, envelope = _password_changed_mail(c, customer)
    event = activity.event(c, customer.customer_id, "password_reset", "customer")
    store.reset_password(token, customer, new_hash, [message], int(c.clock.now()), activity.step(event))
    after_commit(c, [envelope])
    metric("PasswordResets")
    return {"status": "password_reset", "customer_id": customer.customer_id}


def _password_changed_mail(c: Container, customer: Customer) -> tuple[OutboxMessage, Envelope]:
    s = c.settings
    return _mail(
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
    message, envelope = _password_changed_mail(c, customer)
    event = activity.step(activity.event(c, customer.customer_id, "password_changed", "customer"))
    steps = [save_step(session), event]
    store.change_credentials(customer, key, new_hash, steps, [message], int(c.clock.now()))
    after_commit(c, [envelope])
    metric("PasswordChanges")
    return token_pair(c, session, refresh)


def get_for_staff(c: Container, customer_id: str) -> Customer:
    customer = store.get_customer(customer_id)
    if customer is None or customer.namespace != c.settings.account_namespace:
        raise NotFound("No such customer.")
    return customer


def set_status(c: Container, customer_id: str, status: str) -> Customer:
    """Staff change a status; every session of the account ends at once."""
    customer = get_for_staff(c, customer_id)
    if customer.status not in ("active", "inactive", "blocked"):
        raise InvalidState(
            f"A customer with status {customer.status} has no account whose status can change."
        )
    store.set_status(customer, customer.login_key, status, int(c.clock.now()))
    metric("StatusChanges")
    refreshed = store.get_customer(customer_id)
    assert refreshed is not None
    return refreshed
