"""Merging a guest into an existing account, confirmed by the account's owner.

The owner gets a merge link (after a guest checkout with their address, on a register-
later attempt, or from staff). Confirming, signed in or with the password on the hosted
page, marks the guest ``merging`` into the account, moves its documents in small
transactions (each moves a few documents: put under the account, delete under the
guest), then archives the guest. Every step is idempotent and the state lives on the
guest, so a crash halfway is finished by the next attempt: nothing lost, nothing doubled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import events, identity
from chalicelib.checkout import store
from chalicelib.identity import Customer, activity, login_key
from chalicelib.kernel.errors import InvalidState, InvalidToken, NotFound
from chalicelib.kernel.models import Token, is_live
from chalicelib.kernel.tokens import find, new_token, usable
from chalicelib.kernel.transactions import Step, run_or_conflict
from chalicelib.mail import Envelope, OutboxMessage, after_commit, compose

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

MERGE_TOKEN_SECONDS = 24 * 3600
DOCUMENTS_PER_TRANSACTION = 12  # 2 items each, well under the 100-item limit
KEPT_IDS_RECORDED = 100  # ids of the account's own documents a merge left alone, in its activity


def offer_steps(
    c: Container, guest: Customer, account: Customer, actor: str
) -> tuple[list[tuple[str, Step]], OutboxMessage, Envelope]:
    """A merge link for the account's owner, as steps of the caller's transaction."""
    key = account.login_key
    token, secret = new_token(c, "merge", guest, key, MERGE_TOKEN_SECONDS, version=None)
    token.ref, token.locale = account.customer_id, account.locale
    context = {
        "name": account.name,
        "website": c.settings.WEBSITE_ID,
        "link": c.settings.link("/merge", secret),
        "hours": MERGE_TOKEN_SECONDS // 3600,
    }
    message, envelope = compose(c, "merge_offer", account.email, account.locale, context)
    event = activity.event(c, account.customer_id, "merge_offered", actor, guest_id=guest.customer_id)
    steps: list[tuple[str, Step]] = [
        ("merge_token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist())),
        activity.step(event),
    ]
    return steps, message, envelope


def account_for(c: Container, email: str) -> Customer | None:
    """The active account that owns ``email`` in this namespace, if any."""
    login = identity.get_login(login_key(c, email))
    if login is None or not is_live(login, c.clock.now()) or login.status != "active":
        return None
    return identity.get_customer(login.customer_id)


def offer(c: Container, guest_id: str, actor: str) -> dict[str, Any]:
    """Staff send the owner of the guest's address a merge link."""
    guest = identity.get_customer(guest_id)
    if guest is None or guest.namespace != c.settings.account_namespace or not is_live(guest, c.clock.now()):
        raise NotFound("No such customer.")
    if guest.status != "guest":
        raise InvalidState("Only a guest can be merged into an account.")
    account = account_for(c, guest.email)
    if account is None:
        raise InvalidState("No active account uses this guest's address.")
    steps, message, envelope = offer_steps(c, guest, account, actor)
    run_or_conflict(steps, [message])
    after_commit(c, [envelope])
    return {"status": "offer_sent", "guest_id": guest.customer_id, "account_id": account.customer_id}


def merge_link(c: Container, secret: object) -> tuple[Token, Customer, Customer]:
    """The merge token, the guest and the account it names (for the page and confirm).

    A merge that stopped halfway still opens (its link may be spent by then), so the page
    can finish it."""
    token = find(secret)
    if token is None or token.purpose != "merge" or not token.ref:
        raise InvalidToken()
    guest = identity.get_customer(token.customer_id)
    account = identity.get_customer(token.ref)
    if guest is None or account is None or account.status != "active":
        raise InvalidToken()
    if not (guest.status == "merging" and guest.merged_into == account.customer_id):
        if not usable(c, token):  # not resuming: the link must be unused and unexpired
            raise InvalidToken()
        if guest.status != "guest" or not is_live(guest, c.clock.now()):
            raise InvalidToken()
    return token, guest, account


def confirm(c: Container, secret: object, account_id: str) -> dict[str, Any]:
    """The signed-in owner (``account_id``) confirms: start the merge and finish it."""
    token = find(secret)
    if token is None or token.purpose != "merge" or token.ref != account_id:
        raise InvalidToken()
    guest = identity.get_customer(token.customer_id)
    if guest is None:
        raise InvalidToken()
    if guest.status == "merging" and guest.merged_into == account_id:
        return finish(c, guest, account_id)  # an earlier attempt stopped halfway: go on
    if guest.status == "archived" and guest.merged_into == account_id:
        return {"status": "merged", "guest_id": guest.customer_id, "documents_moved": 0}
    if not usable(c, token):  # not resuming: the link must be unused and unexpired
        raise InvalidToken()
    if guest.status != "guest" or not is_live(guest, c.clock.now()):
        raise InvalidToken()  # an expired guest is gone, even before the cleanup
    _start(c, token, guest, account_id)
    return finish(c, guest, account_id)


def _start(c: Container, token: Token, guest: Customer, account_id: str) -> None:
    now = int(c.clock.now())
    actions: list[Action] = [
        Customer.status.set("merging"),
        Customer.merged_into.set(account_id),
        Customer.updated_at.set(now),
        Customer.expires_at.remove(),
        Customer.expiry_bucket.remove(),
    ]
    steps: list[tuple[str, Step]] = [
        ("token", identity.consume_step(token, now)),
        ("guest", lambda tx: tx.update(guest, actions=actions, condition=Customer.status == "guest")),
    ]
    run_or_conflict(steps)
    guest.status, guest.merged_into = "merging", account_id


def finish(c: Container, guest: Customer, account_id: str) -> dict[str, Any]:
    """Move every document of a merging guest, then archive it (safe to call again).

    A document id the account already holds is never overwritten: the guest's copy is
    dropped and its id recorded in the account's activity (``documents_kept``)."""
    moved, kept = 0, []
    while True:
        batch = store.documents_of(guest.customer_id, DOCUMENTS_PER_TRANSACTION)
        if not batch:
            break
        held = store.move_documents(batch, account_id)
        moved += len(batch) - len(held)
        kept += held
    now = int(c.clock.now())
    detail: dict[str, Any] = {"guest_id": guest.customer_id}
    if kept:
        detail |= {"documents_kept": kept[:KEPT_IDS_RECORDED], "documents_kept_count": len(kept)}
    event = activity.event(c, account_id, "merge_completed", "customer", **detail)
    archive: list[Action] = [Customer.status.set("archived"), Customer.updated_at.set(now)]
    merging = (Customer.status == "merging") & (Customer.merged_into == account_id)
    steps: list[tuple[str, Step]] = [
        ("guest", lambda tx: tx.update(guest, actions=archive, condition=merging)),
        activity.step(event),
        events.emit(c, events.CUSTOMER_MERGED, account_id, merged_customer_id=guest.customer_id),
    ]
    run_or_conflict(steps)
    return {"status": "merged", "guest_id": guest.customer_id, "documents_moved": moved}
