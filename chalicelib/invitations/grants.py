"""Invitations: staff grant portal access; the customer only chooses a password.

An invited customer has a customer record and an email claim (status ``invited``,
no password) and a pending ``Invitation`` whose current token is emailed. Resending
issues a new token and kills the old one; revoking kills it. Accepting sets the
password, activates the account and starts a session in one transaction. An
address that already has an account gets a link to sign in instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import events, identity
from chalicelib.identity import Customer, Login, activity, login_key
from chalicelib.invitations import store
from chalicelib.invitations.models import Invitation
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import InvalidState, NotFound, StaleWrite
from chalicelib.kernel.models import Token
from chalicelib.kernel.tokens import new_token
from chalicelib.kernel.transactions import Step, run_steps
from chalicelib.mail import Envelope, OutboxMessage, compose

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


@dataclass
class Grant:
    """What granting access to one customer will write, and what to tell staff."""

    result: str  # invited | already_invited | already_has_account | invalid
    steps: list[tuple[str, Step]]
    outbox: list[OutboxMessage]
    envelopes: list[Envelope]
    invitation_id: str | None = None
    detail: str | None = None
    customer_id: str | None = None  # the customer granted (the new one, or the address's owner)
    customer: Customer | None = None  # the customer a new grant creates


def _invite_mail(c: Container, customer: Customer, secret: str) -> tuple[OutboxMessage, Envelope]:
    s = c.settings
    link = s.link("/invitations", secret)
    context = {"name": customer.name, "website": s.WEBSITE_ID, "link": link, "days": s.INVITATION_TOKEN_DAYS}
    return compose(c, "invitation", customer.email, customer.locale, context)


def _invite_token(c: Container, customer: Customer, invitation_id: str, version: int) -> tuple[Token, str]:
    key = customer.login_key
    seconds = c.settings.INVITATION_TOKEN_DAYS * 86400
    token, secret = new_token(c, "invite", customer, key, seconds, version=version)
    token.ref = invitation_id
    return token, secret


def _new_invitation(c: Container, customer: Customer, actor: str, job_id: str | None) -> Invitation:
    now = int(c.clock.now())
    return Invitation(
        f"inv_{secrets.token_hex(12)}",
        namespace=customer.namespace,
        customer_id=customer.customer_id,
        email=customer.email,
        name=customer.name,
        status="pending",
        sent_count=1,
        created_by=actor,
        created_at=now,
        updated_at=now,
        job_id=job_id,
        pending_in=customer.namespace,
    )


def _sent(
    c: Container, customer: Customer, invitation: Invitation, token: Token, secret: str, kind: str, actor: str
) -> tuple[list[tuple[str, Step]], OutboxMessage, Envelope]:
    invitation.token_hash, invitation.token_expires_at = token.token_hash, token.expires_at
    message, envelope = _invite_mail(c, customer, secret)
    steps: list[tuple[str, Step]] = [
        ("token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist())),
        activity.step(
            activity.event(c, customer.customer_id, kind, actor, invitation_id=invitation.invitation_id)
        ),
    ]
    return steps, message, envelope


def grant_new(
    c: Container, email: str, name: str, language: str, actor: str, job_id: str | None, **fields: Any
) -> Grant:
    """A new invited customer (with ``fields``: its phone...) and its email claim."""
    now = int(c.clock.now())
    customer = identity.new_customer(c, email=email, name=name, locale=language, status="invited", **fields)
    invitation = _new_invitation(c, customer, actor, job_id)
    customer.invitation_id = invitation.invitation_id
    token, secret = _invite_token(c, customer, invitation.invitation_id, version=1)
    login = Login(
        login_key(c, email),
        customer_id=customer.customer_id,
        status="invited",
        session_epoch=0,
        failed_signins=0,
    )
    steps, message, envelope = _sent(c, customer, invitation, token, secret, "invitation_sent", actor)
    steps += [
        *identity.creation_steps(customer),
        ("login", lambda tx: tx.save(login, condition=identity.claim_free(now))),
        ("invitation", lambda tx: tx.save(invitation)),
        events.emit(c, events.CUSTOMER_CREATED, customer.customer_id, status="invited"),
    ]
    return Grant(
        "invited",
        steps,
        [message],
        [envelope],
        invitation.invitation_id,
        customer_id=customer.customer_id,
        customer=customer,
    )


def grant_existing(
    c: Container,
    customer: Customer,
    login: Login,
    actor: str,
    job_id: str | None,
    name: str | None = None,
    language: str | None = None,
) -> Grant:
    """Access for a customer whose address is already claimed."""
    if login.status == "invited":
        return _reinvite(c, customer, actor, job_id)
    if login.status == "pending":  # staff's details replace the unverified sign-up's
        before = identity.customer_as(customer)
        customer.name, customer.locale = name or customer.name, language or customer.locale
        grant = _invite_pending_signup(c, customer, actor, job_id)
        grant.steps += identity.search_index_steps(before, customer)
        return grant
    if login.status != "active":
        detail = f"the account is {login.status}: no email sent"
        return Grant("already_has_account", [], [], [], detail=detail)
    s = c.settings
    context = {
        "name": customer.name,
        "website": s.WEBSITE_ID,
        "signin_link": s.storefront(s.STOREFRONT_SIGNIN_PATH),
        "forgot_link": s.storefront(s.STOREFRONT_FORGOT_PATH),
    }
    message, envelope = compose(c, "invitation_existing", customer.email, customer.locale, context)
    event = activity.event(c, customer.customer_id, "account_link_sent", actor)
    return Grant(
        "already_has_account", [activity.step(event)], [message], [envelope], detail="sent a sign-in link"
    )


def _reinvite(c: Container, customer: Customer, actor: str, job_id: str | None) -> Grant:
    current = store.get_invitation(customer.invitation_id) if customer.invitation_id else None
    if current is None or current.status != "pending":  # revoked earlier: a fresh invitation
        invitation = _new_invitation(c, customer, actor, job_id)
        token, secret = _invite_token(
            c, customer, invitation.invitation_id, version=int(customer.version) + 1
        )
        steps, message, envelope = _sent(c, customer, invitation, token, secret, "invitation_sent", actor)
        steps += [
            ("invitation", lambda tx: tx.save(invitation)),
            (
                "customer",
                lambda tx: tx.update(
                    customer,
                    actions=[Customer.invitation_id.set(invitation.invitation_id)],
                    condition=Customer.status == "invited",
                ),
            ),
        ]
        return Grant(
            "already_invited", steps, [message], [envelope], invitation.invitation_id, "sent a new invitation"
        )
    steps, message, envelope = resend_steps(c, customer, current, actor)
    return Grant(
        "already_invited", steps, [message], [envelope], current.invitation_id, "sent the invitation again"
    )


def resend_steps(
    c: Container, customer: Customer, invitation: Invitation, actor: str
) -> tuple[list[tuple[str, Step]], OutboxMessage, Envelope]:
    """A new token for a pending invitation; the previous one dies in the same transaction."""
    old_hash = invitation.token_hash
    token, secret = _invite_token(c, customer, invitation.invitation_id, version=int(customer.version))
    steps, message, envelope = _sent(c, customer, invitation, token, secret, "invitation_resent", actor)
    now = int(c.clock.now())
    update: list[Action] = [
        Invitation.token_hash.set(token.token_hash),
        Invitation.token_expires_at.set(token.expires_at),
        Invitation.sent_count.add(1),
        Invitation.updated_at.set(now),
    ]
    condition = (Invitation.status == "pending") & (Invitation.token_hash == old_hash)
    steps.append(("invitation", lambda tx: tx.update(invitation, actions=update, condition=condition)))
    if old_hash:
        steps.append(("old_token", lambda tx: tx.delete(Token(old_hash))))
    return steps, message, envelope


def _invite_pending_signup(c: Container, customer: Customer, actor: str, job_id: str | None) -> Grant:
    """An unverified sign-up becomes an invitation: its password (maybe not the owner's) goes."""
    invitation = _new_invitation(c, customer, actor, job_id)
    token, secret = _invite_token(c, customer, invitation.invitation_id, version=int(customer.version) + 1)
    steps, message, envelope = _sent(c, customer, invitation, token, secret, "invitation_sent", actor)
    key = customer.login_key
    customer_actions: list[Action] = [
        Customer.status.set("invited"),
        Customer.name.set(customer.name),
        Customer.locale.set(customer.locale),
        Customer.invitation_id.set(invitation.invitation_id),
        Customer.expires_at.remove(),
        Customer.expiry_bucket.remove(),
    ]
    login_actions: list[Action] = [
        Login.status.set("invited"),
        Login.password_hash.remove(),
        Login.expires_at.remove(),
        Login.expiry_bucket.remove(),
    ]
    login_condition = (Login.customer_id == customer.customer_id) & (Login.status == "pending")
    steps += [
        ("invitation", lambda tx: tx.save(invitation)),
        (
            "customer",
            lambda tx: tx.update(customer, actions=customer_actions, condition=Customer.status == "pending"),
        ),
        ("login", lambda tx: tx.update(Login(key), actions=login_actions, condition=login_condition)),
        events.emit(
            c,
            events.CUSTOMER_STATUS_CHANGED,
            customer.customer_id,
            status="invited",
            previous_status="pending",
        ),
    ]
    return Grant(
        "invited", steps, [message], [envelope], invitation.invitation_id, "replaced an unverified sign-up"
    )


# -- staff actions on one invitation ----------------------------------------------------


def _pending_invitation(c: Container, invitation_id: str) -> tuple[Invitation, Customer]:
    invitation = store.get_invitation(invitation_id)
    if invitation is None or invitation.namespace != c.settings.account_namespace:
        raise NotFound("No such invitation.")
    if invitation.status != "pending":
        raise InvalidState(f"The invitation is {invitation.status}.")
    customer = identity.get_customer(invitation.customer_id)
    if customer is None or customer.status != "invited":
        raise InvalidState("The customer is no longer waiting for this invitation.")
    return invitation, customer


def resend(c: Container, invitation_id: str, actor: str) -> Invitation:
    from chalicelib.mail import after_commit

    invitation, customer = _pending_invitation(c, invitation_id)
    steps, message, envelope = resend_steps(c, customer, invitation, actor)
    _staff_change(steps, [message])
    after_commit(c, [envelope])
    refreshed = store.get_invitation(invitation_id)
    assert refreshed is not None
    return refreshed


def revoke(c: Container, invitation_id: str, actor: str) -> Invitation:
    invitation, customer = _pending_invitation(c, invitation_id)
    now = int(c.clock.now())
    actions: list[Action] = [
        Invitation.status.set("revoked"),
        Invitation.pending_in.remove(),
        Invitation.token_hash.remove(),
        Invitation.updated_at.set(now),
    ]
    steps: list[tuple[str, Step]] = [
        (
            "invitation",
            lambda tx: tx.update(invitation, actions=actions, condition=Invitation.status == "pending"),
        ),
        activity.step(
            activity.event(c, customer.customer_id, "invitation_revoked", actor, invitation_id=invitation_id)
        ),
    ]
    if invitation.token_hash:
        old = invitation.token_hash
        steps.append(("token", lambda tx: tx.delete(Token(old))))
    _staff_change(steps)
    refreshed = store.get_invitation(invitation_id)
    assert refreshed is not None
    return refreshed


def _staff_change(steps: Sequence[tuple[str, Step]], outbox: Sequence[OutboxMessage] = ()) -> None:
    from chalicelib.kernel.transactions import Cancelled

    try:
        run_steps(steps, outbox)
    except Cancelled as e:
        raise StaleWrite("The invitation changed meanwhile; read it again.") from e


def pending(c: Container, cursor: str | None, limit: int = 50) -> dict[str, Any]:
    namespace = c.settings.account_namespace
    items, next_cursor = store.pending(namespace, cursor, limit, seal(c, "invitations", namespace))
    return {"invitations": [invitation_view(c, i) for i in items], "next_cursor": next_cursor}


def invitation_view(c: Container, invitation: Invitation) -> dict[str, Any]:
    from chalicelib.kernel.clock import iso

    state = invitation.status
    if state == "pending" and (invitation.token_expires_at or 0) <= c.clock.now():
        state = "expired"
    return {
        "invitation_id": invitation.invitation_id,
        "customer_id": invitation.customer_id,
        "email": invitation.email,
        "name": invitation.name,
        "status": state,
        "sent_count": invitation.sent_count,
        "created_at": iso(invitation.created_at),
        "expires_at": iso(invitation.token_expires_at),
        "created_by": invitation.created_by,
    }
