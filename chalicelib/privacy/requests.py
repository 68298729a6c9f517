"""The customer's own erasure: asked with the password, confirmed from an emailed link.

The request (``POST /me/erasure``) checks the password (throttled like any password check)
and emails a single-use link (256-bit secret, stored hashed, ``ERASURE_TOKEN_HOURS``) to
the account's own address, bound to the session epoch: a password reset or change, or a
status change, kills it. Opening the link shows a page with a Confirm button (a mail
scanner that opens links erases nothing); confirming spends the link in the erasure's
own transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import identity
from chalicelib.identity import Customer, activity
from chalicelib.kernel.errors import InvalidToken
from chalicelib.kernel.models import Token
from chalicelib.kernel.security import AccessClaims
from chalicelib.kernel.tokens import live_token, new_token
from chalicelib.mail import after_commit, compose
from chalicelib.privacy import erasure, store

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PURPOSE = "erasure"
REQUESTED = {
    "status": "accepted",
    "message": "We sent a confirmation link to your address: your data is erased once you confirm.",
}


def request(c: Container, claims: AccessClaims, password: str) -> dict[str, Any]:
    customer = identity.current_customer(c, claims)
    identity.confirm_password(c, customer, password)
    hours = c.settings.ERASURE_TOKEN_HOURS
    token, secret = new_token(
        c, PURPOSE, customer, customer.login_key, hours * 3600, version=int(customer.session_epoch)
    )
    context = {"name": customer.name, "website": c.settings.WEBSITE_ID, "hours": hours}
    message, envelope = compose(
        c,
        "erasure_confirm",
        customer.email,
        customer.locale,
        {**context, "link": c.settings.link("/erasure", secret)},
    )
    event = activity.event(c, customer.customer_id, "erasure_requested", "customer")
    store.issue_link(token, message, activity.step(event))
    after_commit(c, [envelope])
    return REQUESTED


def pending(c: Container, secret: object) -> Token:
    """The live link and its account (the confirmation page), or ``InvalidToken``."""
    token = live_token(c, secret, PURPOSE)
    _check(c, token, identity.get_customer(token.customer_id))
    return token


def confirm(c: Container, secret: object) -> dict[str, Any]:
    """Erase the link's account; the link is spent in the erasure's own transaction."""
    token = live_token(c, secret, PURPOSE)
    now = int(c.clock.now())
    return erasure.anonymize(
        c,
        token.customer_id,
        "customer",
        guard=lambda customer: _check(c, token, customer),
        extra=[("token", store.consume_step(token, now))],
    )


def _check(c: Container, token: Token, customer: Customer | None) -> None:
    """The link was issued for this account as it still is (same epoch, still active)."""
    if (
        customer is None
        or customer.namespace != c.settings.account_namespace
        or customer.status != "active"
        or int(customer.session_epoch) != token.bound_version
    ):
        raise InvalidToken()
