"""Sign-up with email verification, and staff status changes (passwords: ``passwords``).

Answers to sign-up and forgot-password are the same whether or not the address
has an account: an existing owner gets an email instead (SPEC §4, enumeration).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalicelib import events
from chalicelib.identity import activity, clean_start, links, search, store
from chalicelib.identity.creation import new_customer
from chalicelib.identity.models import Customer, Login
from chalicelib.identity.schemas import SignupIn
from chalicelib.identity.sessions import (
    login_key,
)
from chalicelib.identity.store import EmailTaken, IdempotentReplay
from chalicelib.kernel.choices import SignupMode
from chalicelib.kernel.clock import expiry_bucket
from chalicelib.kernel.errors import (
    InvalidState,
    NotFound,
    ServiceUnavailable,
    SignupClosed,
)
from chalicelib.kernel.i18n import negotiate
from chalicelib.kernel.idempotency import idempotency_record, replay
from chalicelib.kernel.models import Token, is_live
from chalicelib.kernel.observability import metric
from chalicelib.kernel.security import check_password_policy, hash_password
from chalicelib.kernel.tokens import live_token, new_token
from chalicelib.kernel.transactions import Step
from chalicelib.mail import Envelope, OutboxMessage, after_commit, compose, defer, task

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

SIGNUP_ACCEPTED = {
    "status": "accepted",
    "message": "Check your inbox: we sent an email to this address to continue.",
}


def mail(
    c: Container, template: str, to: str, language: str, name: str | None, **context: Any
) -> tuple[OutboxMessage, Envelope]:
    """``name`` greets the recipient: only a verified account's stored name, never text the
    caller just sent (SPEC §4), so a caller cannot write to someone else's mailbox."""
    values = {"name": name, "website": c.settings.WEBSITE_ID, **context}
    return compose(c, template, to, language, values)


def signup(c: Container, data: SignupIn, idempotency_key: str | None = None) -> dict[str, Any]:
    """Sign up. The request hashes the password and writes one task, whatever the address:
    the ``signup`` task creates the account, or refreshes an unverified one, or tells the
    owner by email, after the answer."""
    s = c.settings
    if s.SIGNUP_MODE is SignupMode.INVITATION and not s.ERP_INSTANT_ACCOUNTS:
        raise SignupClosed()
    password = check_password_policy(data.password, email=data.email)
    language = negotiate([data.locale], s.DEFAULT_LOCALE)
    details = {"email": data.email, "name": data.name, "locale": language, "newsletter": data.newsletter}
    idem = idempotency_record(c, "signup", idempotency_key, details, SIGNUP_ACCEPTED, 202)
    details["password_hash"] = hash_password(c.hasher, password)
    message, envelope = defer(c, "signup", details)
    try:
        store.queue_emails([message], idem, int(c.clock.now()))
    except IdempotentReplay:
        assert idem is not None
        return replay(c, idem)
    after_commit(c, [envelope])
    return SIGNUP_ACCEPTED


def create_signup(c: Container, details: dict[str, Any], *, extra: Sequence[tuple[str, Step]]) -> Envelope:
    """A pending account, its email claim and its verify link in one transaction with ``extra``."""
    customer = _pending_customer(c, details)
    key = login_key(c, details["email"])
    login = Login(
        key,
        customer_id=customer.customer_id,
        password_hash=details["password_hash"],
        status="pending",
        session_epoch=0,
        failed_signins=0,
        expires_at=customer.expires_at,
        expiry_bucket=customer.expiry_bucket,
    )
    token, message, envelope = verify_link(c, customer, key, version=1)
    created = events.emit(c, events.CUSTOMER_CREATED, customer.customer_id, status="pending")
    store.create_signup(customer, login, token, [message], None, int(c.clock.now()), [*extra, created])
    metric("SignUps")
    return envelope


def _pending_customer(c: Container, details: dict[str, Any]) -> Customer:
    """A new unverified customer holding only what the sign-up sent; it expires unverified."""
    s, now = c.settings, int(c.clock.now())
    expires = now + s.SIGNUP_PENDING_DAYS * 86400
    return new_customer(
        c,
        email=details["email"],
        name=details["name"],
        locale=details["locale"],
        newsletter=details["newsletter"],
        status="pending",
        expires_at=expires,
        expiry_bucket=expiry_bucket(expires),
    )


@task("signup")
def _signup_task(c: Container, details: dict[str, Any], done: tuple[str, Step]) -> list[Envelope]:
    """The sign-up's work after the answer: the account, or an email to the address's owner.

    Where sign-up is by invitation, only an address the ERP knows (``links.admits``) goes
    on; any other is dropped here, after the same answer and the same request work."""
    if c.settings.SIGNUP_MODE is SignupMode.INVITATION and not links.admits(c, details["email"]):
        store.queue_emails([], None, int(c.clock.now()), done)
        metric("SignUpsNotAdmitted")
        return []
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
    message, envelope = mail(c, "verify", customer.email, customer.locale, None, link=link, hours=hours)
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
            fresh = _pending_customer(c, details)
            token, message, envelope = verify_link(c, fresh, key, version=1)
            changes = [
                events.emit(c, events.CUSTOMER_CREATED, fresh.customer_id, status="pending"),
                events.emit(
                    c,
                    events.CUSTOMER_STATUS_CHANGED,
                    customer.customer_id,
                    status="guest",
                    previous_status="pending",
                ),
            ]
            clean_start.take_over(
                customer, fresh, details["password_hash"], token, message, now, done, *changes
            )
            metric("SignUpsOverCheckoutRecords")
            return envelope
        before = search.changed(customer)
        customer.name, customer.locale = details["name"], details["locale"]
        customer.newsletter = details["newsletter"]
        token, message, envelope = verify_link(c, customer, key, version=int(customer.version) + 1)
        updated = events.emit(
            c,
            events.CUSTOMER_UPDATED,
            customer.customer_id,
            fields=["locale", "name", "newsletter", "password"],
        )
        store.replace_pending_signup(
            customer,
            key,
            details["password_hash"],
            token,
            [message],
            None,
            now,
            done,
            updated,
            *search.index_steps(before, customer),
        )
        metric("SignUpsRepeated")
        return envelope
    message, envelope = mail(
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
    """Activate the account; the link proves the mailbox, so the proof's links join it."""
    token = live_token(c, secret, "verify")
    email = token.login_key.split("#", 1)[1]
    change = links.on_verified(c, token.customer_id, email)
    if change is None and c.settings.SIGNUP_MODE is SignupMode.INVITATION:
        raise SignupClosed()  # the address left the ERP's contacts since it signed up
    change = change or links.ProofChange()
    verified = events.emit(c, events.CUSTOMER_VERIFIED, token.customer_id, status="active")
    store.complete_verification(token, int(c.clock.now()), change.actions, [*change.steps, verified])
    metric("EmailsVerified")
    return {"status": "verified", "customer_id": token.customer_id}


def get_for_staff(c: Container, customer_id: str) -> Customer:
    customer = store.get_customer(customer_id)
    if customer is None or customer.namespace != c.settings.account_namespace:
        raise NotFound("No such customer.")
    return customer


def set_status(c: Container, customer_id: str, status: str, actor: str) -> Customer:
    """Staff change a status; every session of the account ends at once."""
    customer = get_for_staff(c, customer_id)
    if customer.status not in ("active", "inactive", "blocked"):
        raise InvalidState(
            f"A customer with status {customer.status} has no account whose status can change."
        )
    changed = events.emit(
        c, events.CUSTOMER_STATUS_CHANGED, customer_id, status=status, previous_status=customer.status
    )
    event = activity.event(c, customer_id, "status_changed", actor, status=status, previous=customer.status)
    store.set_status(customer, customer.login_key, status, int(c.clock.now()), changed, activity.step(event))
    metric("StatusChanges")
    refreshed = store.get_customer(customer_id)
    assert refreshed is not None
    return refreshed
