"""Register later: a guest turns into a registered account that keeps its documents.

The register-later link goes to whoever made the checkout call, so it proves nothing
about the mailbox: like a sign-up, the new account waits for its email to be verified
(a link we send), and an unverified one expires like a sign-up. If the address already
has an active account, its owner is offered a merge instead.

Like a sign-up, the request does the same work whatever the address: it checks the link,
hashes the password, and spends the link in the one transaction that writes the
``register_later`` task; the answer is the same. The task, after the answer, makes the
account or offers the merge.

Someone else's unverified sign-up does not hold the address against it (squatting): the
claim moves to this guest, the squatter's password is dropped and its links die (they
name the other record), and the verify link goes to the mailbox, whose owner decides.
The squatter's record, without its claim, expires like any unverified sign-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib import events, identity
from chalicelib.checkout import merges
from chalicelib.identity import Customer, Login, activity
from chalicelib.kernel.clock import expiry_bucket
from chalicelib.kernel.errors import InvalidToken, StaleWrite
from chalicelib.kernel.models import Token, is_live
from chalicelib.kernel.security import check_password_policy, hash_password
from chalicelib.kernel.tokens import live_token
from chalicelib.kernel.transactions import Cancelled, Step, run_steps
from chalicelib.mail import AlreadyDone, Envelope, after_commit, defer, task

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def guest_for(c: Container, secret: object) -> tuple[Token, Customer]:
    """The live register-later token and its guest (for the page and the form)."""
    token = live_token(c, secret, "register")
    guest = identity.get_customer(token.customer_id)
    if guest is None or guest.status != "guest" or not is_live(guest, c.clock.now()):
        raise InvalidToken()
    return token, guest


REGISTER_ACCEPTED = "email_sent"


def register(c: Container, secret: object, password: str) -> dict[str, Any]:
    """Spend the link and leave the rest to the ``register_later`` task: one answer, whether
    the address gets a verify link or its owner a merge link."""
    token, guest = guest_for(c, secret)
    password = check_password_policy(password, email=guest.email)
    task, envelope = defer(
        c,
        "register_later",
        {"guest_id": guest.customer_id, "password_hash": hash_password(c.hasher, password)},
    )
    try:
        run_steps([("token", identity.consume_step(token, int(c.clock.now())))], [task])
    except Cancelled as e:
        raise InvalidToken() from e
    after_commit(c, [envelope])
    return {"status": REGISTER_ACCEPTED, "customer_id": guest.customer_id}


@task("register_later")
def _register_task(c: Container, data: dict[str, Any], done: tuple[str, Step]) -> list[Envelope]:
    """The guest becomes an account awaiting verification, or the address's owner is offered
    a merge. A guest no longer a guest (merged, expired) or an address held by an invitation
    leaves nothing to do: its owner has a link already."""
    guest = identity.get_customer(data["guest_id"])
    if guest is None or guest.status != "guest" or not is_live(guest, c.clock.now()):
        return []
    account = merges.account_for(c, guest.email)
    if account is not None:
        return _offer_merge(c, guest, account, done)
    try:
        return [claim_for_guest(c, guest, data["password_hash"], done)]
    except Cancelled as e:
        if "task" in e.failed:
            raise AlreadyDone() from e
        if "login" in e.failed:  # claimed meanwhile: an active owner decides, an invitation holds it
            account = merges.account_for(c, guest.email)
            return _offer_merge(c, guest, account, done) if account is not None else []
        raise StaleWrite() from e  # the guest changed meanwhile: the task is tried again


def claim_for_guest(
    c: Container,
    guest: Customer,
    password_hash: str,
    *extra: tuple[str, Step],
    newsletter: bool | None = None,
    actor: str = "customer",
) -> Envelope:
    """In one transaction with ``extra``: the guest becomes a ``pending`` account (same id, its
    documents kept) holding the address's claim with the password, and its verify link is
    queued. ``Cancelled`` with ``login`` when the address is claimed by an account or an
    invitation (an unverified sign-up yields: it proves nothing about the mailbox)."""
    now = int(c.clock.now())
    # never sooner than the guest would have gone; a sign-up's 7 days at least
    expires = max(int(guest.expires_at or 0), now + c.settings.SIGNUP_PENDING_DAYS * 86400)
    bucket = expiry_bucket(expires)
    pending: list[Action] = [
        Customer.status.set("pending"),
        Customer.origin.set(identity.CHECKOUT),  # a sign-up by the mailbox owner starts clean
        Customer.updated_at.set(now),
        Customer.expires_at.set(expires),
        Customer.expiry_bucket.set(bucket),
    ]
    if newsletter is not None:
        pending.append(Customer.newsletter.set(newsletter))
    key = guest.login_key
    login = Login(
        key,
        customer_id=guest.customer_id,
        password_hash=password_hash,
        status="pending",
        session_epoch=int(guest.session_epoch or 0),
        failed_signins=0,
        expires_at=expires,
        expiry_bucket=bucket,
    )
    next_version = int(guest.version) + 1  # the verify link dies if the record changes again
    verify, message, envelope = identity.verify_link(c, guest, key, version=next_version)
    event = activity.event(c, guest.customer_id, "registered_from_guest", actor)
    steps: list[tuple[str, Step]] = [
        *extra,
        ("guest", lambda tx: tx.update(guest, actions=pending, condition=Customer.status == "guest")),
        ("login", lambda tx: tx.save(login, condition=_claimable(now))),
        ("verify", lambda tx: tx.save(verify, condition=Token.token_hash.does_not_exist())),
        activity.step(event),
        events.emit(
            c, events.CUSTOMER_STATUS_CHANGED, guest.customer_id, status="pending", previous_status="guest"
        ),
    ]
    run_steps(steps, [message])
    return envelope


def _claimable(now: int) -> Condition:
    """Free, or held only by an unverified sign-up (which proves nothing about the mailbox)."""
    condition: Condition = identity.claim_free(now) | (Login.status == "pending")
    return condition


def _offer_merge(c: Container, guest: Customer, account: Customer, done: tuple[str, Step]) -> list[Envelope]:
    steps, message, envelope = merges.offer_steps(c, guest, account, "customer")
    try:
        run_steps([done, *steps], [message])
    except Cancelled as e:
        if "task" in e.failed:
            raise AlreadyDone() from e
        raise StaleWrite() from e
    return [envelope]
