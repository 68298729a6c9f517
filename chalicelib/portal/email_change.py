"""Changing the email address: only the customer, with the password; confirmed from the
new address; the old one is told. On confirmation the email claim moves in one
transaction (the new address must be free) and every session ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import events, identity
from chalicelib.identity import Customer, Login, activity, confirm_password, current_customer, login_key
from chalicelib.kernel.errors import AddressInUse, InvalidToken
from chalicelib.kernel.models import Token
from chalicelib.kernel.security import AccessClaims
from chalicelib.kernel.tokens import live_token, new_token
from chalicelib.kernel.transactions import Cancelled, Step, run_or_conflict, run_steps
from chalicelib.mail import after_commit, compose
from chalicelib.portal.schemas import EmailChangeIn

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

TAKEN_AT_CONFIRM = (
    "Another account uses this address now, so the change cannot be made; "
    "the account keeps its current address. Start a new change to use another one."
)
ACCEPTED = {"status": "accepted", "message": "Confirm the change from the new address: we emailed it a link."}


def request(c: Container, claims: AccessClaims, data: EmailChangeIn) -> dict[str, Any]:
    customer = current_customer(c, claims)
    key = customer.login_key
    confirm_password(c, customer, data.password)
    if data.new_email == customer.email:
        return ACCEPTED
    s = c.settings
    token, secret = new_token(
        c, "email_change", customer, key, s.EMAIL_CHANGE_MINUTES * 60, version=int(customer.version)
    )
    token.ref = data.new_email
    values = {"name": customer.name, "website": s.WEBSITE_ID}
    confirm, confirm_envelope = _to_new_address(c, customer, data.new_email, secret)
    notice, notice_envelope = compose(
        c,
        "email_change_requested",
        customer.email,
        customer.locale,
        {**values, "forgot_link": s.storefront(s.STOREFRONT_FORGOT_PATH)},
    )
    event = activity.event(c, customer.customer_id, "email_change_requested", "customer")
    steps: list[tuple[str, Step]] = [
        ("token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist())),
        activity.step(event),
    ]
    run_or_conflict(steps, [confirm, notice])
    after_commit(c, [confirm_envelope, notice_envelope])
    return ACCEPTED


def _to_new_address(c: Container, customer: Customer, new_email: str, secret: str) -> tuple[Any, Any]:
    """The email to the new address: the confirmation link, or, when another account holds
    the address, a neutral notice to its owner (no link, nothing the requester wrote, in the
    website's language). The requester cannot tell which went: same answer, same calls (the
    address is always looked up), the same one transaction."""
    s = c.settings
    if address_free(c, new_email):
        context = {"name": None, "link": s.link("/email/confirm", secret), "minutes": s.EMAIL_CHANGE_MINUTES}
        return compose(c, "email_change_confirm", new_email, customer.locale, context)
    notice = {
        "name": None,
        "signin_link": s.storefront(s.STOREFRONT_SIGNIN_PATH),
        "forgot_link": s.storefront(s.STOREFRONT_FORGOT_PATH),
    }
    return compose(c, "email_change_taken", new_email, s.DEFAULT_LOCALE, notice)


def address_free(c: Container, email: str) -> bool:
    """No live claim on ``email`` (an unverified sign-up's claim past its expiry is free)."""
    login = identity.get_login(login_key(c, email))
    now = int(c.clock.now())
    return login is None or (login.expires_at is not None and int(login.expires_at) < now)


def pending_change(c: Container, secret: object) -> tuple[Token, Customer]:
    """The live email-change token and its customer (the page shows the new address)."""
    token = live_token(c, secret, "email_change")
    customer = identity.get_customer(token.customer_id)
    if customer is None or customer.status != "active" or customer.version != token.bound_version:
        raise InvalidToken()
    return token, customer


def confirm(c: Container, secret: object) -> dict[str, Any]:
    """Move the email claim to the new address; every session of the account ends."""
    token, customer = pending_change(c, secret)
    old = identity.get_login(token.login_key)
    if old is None or old.customer_id != customer.customer_id or not token.ref:
        raise InvalidToken()
    now, new_email = int(c.clock.now()), token.ref
    epoch = int(customer.session_epoch) + 1
    new_login = Login(
        login_key(c, new_email),
        customer_id=customer.customer_id,
        password_hash=old.password_hash,
        status=old.status,
        session_epoch=epoch,
        failed_signins=0,
    )
    customer_actions: list[Action] = [
        Customer.email.set(new_email),
        Customer.session_epoch.set(epoch),
        Customer.updated_at.set(now),
    ]
    notice, envelope = compose(
        c,
        "email_changed",
        customer.email,
        customer.locale,
        {
            "name": customer.name,
            "website": c.settings.WEBSITE_ID,
            "new_email": new_email,
        },
    )
    event = activity.event(c, customer.customer_id, "email_changed", "customer")
    steps: list[tuple[str, Step]] = [
        ("token", identity.consume_step(token, now)),
        (
            "old_login",
            lambda tx: tx.delete(Login(token.login_key), condition=Login.customer_id == customer.customer_id),
        ),
        ("new_login", lambda tx: tx.save(new_login, condition=identity.claim_free(now))),
        (
            "customer",
            lambda tx: tx.update(customer, actions=customer_actions, condition=Customer.status == "active"),
        ),
        activity.step(event),
        events.emit(c, events.CUSTOMER_EMAIL_CHANGED, customer.customer_id, fields=["email"]),
        *identity.search_index_steps(customer, identity.customer_as(customer, email=new_email)),
    ]
    try:
        run_steps(steps, [notice])
    except Cancelled as e:
        if "new_login" in e.failed:
            raise AddressInUse(TAKEN_AT_CONFIRM) from e
        raise InvalidToken() from e
    after_commit(c, [envelope])
    return {"status": "email_changed", "customer_id": customer.customer_id, "email": new_email}
