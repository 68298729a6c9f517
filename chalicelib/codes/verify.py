"""Verifying a code (or its link): two DynamoDB calls (with ERP instant accounts on, an
existing account's sign-in also reads its ERP contacts and record, as a password sign-in does;
a new account may take a block of references).

1. One conditional ``UpdateItem`` counts the try before anything is compared (refused once
   the window's tries are spent), so 25 concurrent guesses get as many compares as 5
   sequential ones. An address no code was asked for makes the same call (it fails).
2. With the right code, one transaction consumes it (conditional on it still being the
   live one) and signs in: the session (or a hosted page's hand-off code) and the activity,
   with the account's own change when the code activates it (an invitation) or creates it
   (SIGNUP_MODE=free with codes only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import events, identity
from chalicelib.codes import keys, store
from chalicelib.codes.ask import require_codes
from chalicelib.codes.models import SignInCode
from chalicelib.codes.schemas import CodeVerifyIn
from chalicelib.identity import Customer, Login, activity, new_session, save_step, token_pair
from chalicelib.invitations import Invitation
from chalicelib.kernel.errors import InvalidCode, TooManyAttempts, WrongDevice
from chalicelib.kernel.observability import metric
from chalicelib.kernel.tokens import new_token
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

HANDOFF_SECONDS = 120  # a hosted page's hand-off code, as the invitation page's


def verify(c: Container, data: CodeVerifyIn, *, handoff: bool = False) -> dict[str, Any]:
    """A session for the right code (or link on its device); ``handoff``: a hand-off code."""
    require_codes(c)
    now = int(c.clock.now())
    if data.link is not None:
        key, secret = data.link.split(".", 1)
    else:
        assert data.email is not None
        key, secret = keys.code_key(c, identity.login_key(c, data.email)), ""
    item, current = store.reserve_try(key, now, c.settings.CODE_TRIES)
    if item is None:
        if current is not None and current.window_ends > now:
            metric("SignInCodeLockouts")
            raise TooManyAttempts(retry_after=max(1, int(current.window_ends) - now))
        raise InvalidCode()
    usable = item.target is not None and (item.code_expires_at or 0) > now
    if data.link is not None:  # the hash is computed whatever the item holds: the same work
        right = keys.same(item.link_hash, keys.link_hash(c, key, secret)) and usable
        if right and not keys.same(item.device_hash, keys.device_hash(c, data.device or "")):
            raise WrongDevice()
    else:
        right = keys.same(item.code_hash, keys.code_hash(c, key, data.code or "")) and usable
    if not right:
        metric("SignInCodeFailures")
        raise InvalidCode()
    return _sign_in(c, item, now, handoff)


def _sign_in(c: Container, item: SignInCode, now: int, handoff: bool) -> dict[str, Any]:
    assert item.email is not None
    login_key = identity.login_key(c, item.email)
    linked: list[tuple[str, Step]] = []
    if item.target == "new":
        (customer_id, steps), epoch = _create(c, item, login_key, now), 0
    elif item.target == "invited":
        assert item.customer_id is not None
        customer_id, epoch = item.customer_id, now  # invited customers never had a session
        steps = _activate(item, login_key, now)
        steps.append(events.emit(c, events.CUSTOMER_VERIFIED, customer_id, status="active", via="code"))
    else:
        assert item.customer_id is not None
        customer_id, epoch = item.customer_id, int(item.epoch or 0)
        steps = [_still_active(item, login_key, epoch)]
        linked = identity.links.on_sign_in(c, customer_id, item.email)  # the code proved the address
    event = activity.event(c, customer_id, "sign_in", "customer", method="code", account=item.target)
    steps.append(activity.step(event))
    if handoff:
        owner = _Owner(customer_id, item.locale or c.settings.DEFAULT_LOCALE)
        code_token, code = new_token(c, "handoff", owner, login_key, HANDOFF_SECONDS, version=None)
        steps.append(("handoff", lambda tx: tx.save(code_token)))
        store.sign_in(item, steps, optional=linked)
        metric("SignIns")
        return {"status": "signed_in", "customer_id": customer_id, "handoff_code": code}
    session, refresh = new_session(c, customer_id, epoch)
    steps.append(save_step(session))
    store.sign_in(item, steps, optional=linked)
    metric("SignIns")
    return token_pair(c, session, refresh)


class _Owner:
    """What a hand-off token needs of its customer."""

    def __init__(self, customer_id: str, locale: str) -> None:
        self.customer_id, self.locale = customer_id, locale


def _still_active(item: SignInCode, login_key: str, epoch: int) -> tuple[str, Step]:
    """The account signs in as it did when the code was sent: same owner, still active, no
    session-ending change since (a reset, a status change, an email change)."""
    condition = (
        (Login.customer_id == item.customer_id) & (Login.status == "active") & (Login.session_epoch == epoch)
    )
    return ("login", lambda tx: tx.condition_check(Login, login_key, condition=condition))


def _activate(item: SignInCode, login_key: str, now: int) -> list[tuple[str, Step]]:
    """An invited customer's first sign-in: active with no password (forgot-password gives
    one later, if ever); the invitation is accepted, its link dies."""
    customer = Customer(item.customer_id, version=item.customer_version)
    customer_actions: list[Action] = [
        Customer.status.set("active"),
        Customer.verified_at.set(now),
        Customer.updated_at.set(now),
        Customer.session_epoch.set(now),
        Customer.invitation_id.remove(),
    ]
    login_actions: list[Action] = [Login.status.set("active"), Login.session_epoch.set(now)]
    login_condition = (Login.customer_id == item.customer_id) & (Login.status == "invited")
    steps: list[tuple[str, Step]] = [
        (
            "customer",
            lambda tx: tx.update(customer, actions=customer_actions, condition=Customer.status == "invited"),
        ),
        (
            "login",
            lambda tx: tx.update(Login(login_key), actions=login_actions, condition=login_condition),
        ),
    ]
    if item.invitation_id:
        invitation_actions: list[Action] = [
            Invitation.status.set("accepted"),
            Invitation.pending_in.remove(),
            Invitation.token_hash.remove(),
            Invitation.updated_at.set(now),
        ]
        invitation = Invitation(item.invitation_id)
        pending = Invitation.status == "pending"
        steps.append(
            ("invitation", lambda tx: tx.update(invitation, actions=invitation_actions, condition=pending))
        )
    return steps


def _create(c: Container, item: SignInCode, login_key: str, now: int) -> tuple[str, list[tuple[str, Step]]]:
    """The first verified code of an address with no account creates it (SIGNUP_MODE=free,
    codes only): active at once, since the code proved the mailbox; no password. Built as
    every customer is (``identity.new_customer``: its reference and search keys), with its
    ``customer.created`` and ``customer.verified`` events."""
    assert item.email is not None
    customer = identity.new_customer(
        c,
        email=item.email,
        name="",
        locale=item.locale or c.settings.DEFAULT_LOCALE,
        status="active",
        verified_at=now,
    )
    customer_id = customer.customer_id
    login = Login(login_key, customer_id=customer_id, status="active", session_epoch=0)
    claim = identity.claim_free(now)
    return customer_id, [
        *identity.creation_steps(customer),
        ("login", lambda tx: tx.save(login, condition=claim)),
        events.emit(c, events.CUSTOMER_CREATED, customer_id, status="active", via="code"),
        events.emit(c, events.CUSTOMER_VERIFIED, customer_id, status="active", via="code"),
    ]
