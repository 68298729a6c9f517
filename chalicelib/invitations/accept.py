"""Accepting an invitation: the customer chooses a password and is signed in.

One ``GetItem`` (the token) and one transaction that consumes it, activates the customer
and its login, marks the invitation accepted, records the activity and starts a session.
The hosted page cannot hand tokens to the storefront, so it gets a hand-off code (2 min,
single use) that the storefront's server trades for a session.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import events, identity
from chalicelib.identity import Customer, Login, activity, new_session, save_step, token_pair
from chalicelib.invitations.models import Invitation
from chalicelib.kernel.errors import InvalidToken
from chalicelib.kernel.models import Token, is_live
from chalicelib.kernel.security import check_password_policy, hash_password
from chalicelib.kernel.tokens import live_token, new_token, token_email
from chalicelib.kernel.transactions import Step, run_steps

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

HANDOFF_SECONDS = 120


def page_details(c: Container, secret: object) -> tuple[Token, Customer]:
    """What the invitation page pre-fills: the live token and its customer."""
    token = live_token(c, secret, "invite")
    customer = identity.get_customer(token.customer_id)
    if customer is None or customer.status != "invited":
        raise InvalidToken()
    return token, customer


def accept(c: Container, secret: object, password: str, *, handoff: bool = False) -> dict[str, Any]:
    """Set the password, activate, and start a session (or, for the page, a hand-off code)."""
    token = live_token(c, secret, "invite")
    password = check_password_policy(password, email=token_email(token))
    password_hash = hash_password(c.hasher, password)
    now = int(c.clock.now())
    epoch = now  # invited customers never had a session: any new epoch works
    customer = Customer(token.customer_id, version=token.bound_version)
    customer_actions: list[Action] = [
        Customer.status.set("active"),
        Customer.verified_at.set(now),
        Customer.updated_at.set(now),
        Customer.session_epoch.set(epoch),
        Customer.invitation_id.remove(),
    ]
    login_actions: list[Action] = [
        Login.password_hash.set(password_hash),
        Login.status.set("active"),
        Login.session_epoch.set(epoch),
    ]
    invitation = Invitation(token.ref)
    invitation_actions: list[Action] = [
        Invitation.status.set("accepted"),
        Invitation.pending_in.remove(),
        Invitation.token_hash.remove(),
        Invitation.updated_at.set(now),
    ]
    steps: list[tuple[str, Step]] = [
        ("token", identity.consume_step(token, now)),
        (
            "customer",
            lambda tx: tx.update(customer, actions=customer_actions, condition=Customer.status == "invited"),
        ),
        (
            "login",
            lambda tx: tx.update(
                Login(token.login_key),
                actions=login_actions,
                condition=(Login.customer_id == token.customer_id) & (Login.status == "invited"),
            ),
        ),
        (
            "invitation",
            lambda tx: tx.update(
                invitation,
                actions=invitation_actions,
                condition=(Invitation.status == "pending") & (Invitation.token_hash == token.token_hash),
            ),
        ),
        activity.step(
            activity.event(c, token.customer_id, "invitation_accepted", "customer", invitation_id=token.ref)
        ),
        events.emit(c, events.CUSTOMER_VERIFIED, token.customer_id, status="active", via="invitation"),
    ]
    if handoff:
        code_token, code = new_token(c, "handoff", customer, token.login_key, HANDOFF_SECONDS, version=None)
        code_token.locale = token.locale
        steps.append(("handoff", lambda tx: tx.save(code_token)))
        _accept(steps)
        return {"status": "accepted", "customer_id": token.customer_id, "handoff_code": code}
    session, refresh = new_session(c, token.customer_id, epoch)
    steps.append(save_step(session))
    _accept(steps)
    return {"status": "accepted", **token_pair(c, session, refresh)}


def _accept(steps: Sequence[tuple[str, Step]]) -> None:
    from chalicelib.kernel.transactions import Cancelled

    try:
        run_steps(steps)
    except Cancelled as e:
        raise InvalidToken() from e


def exchange_handoff(c: Container, code: object) -> dict[str, Any]:
    """Trade a page's hand-off code (2 min, single use) for a session."""
    token = live_token(c, code, "handoff")
    customer = identity.get_customer(token.customer_id)
    if customer is None or customer.status != "active" or not is_live(token, c.clock.now()):
        raise InvalidToken()
    now = int(c.clock.now())
    session, refresh = new_session(c, customer.customer_id, int(customer.session_epoch))
    steps: list[tuple[str, Step]] = [
        ("token", identity.consume_step(token, now)),
        save_step(session),
    ]
    _accept(steps)
    return token_pair(c, session, refresh)
