"""Register later: a guest turns into a registered account that keeps its documents.

The register-later link (in the storefront's order confirmation email) proves the
mailbox, so the new account is active and verified at once. If the address already
has an account, its owner is offered a merge instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import activity, merges
from chalicelib.errors import AddressInUse, InvalidToken
from chalicelib.mail.outbox import after_commit
from chalicelib.models import Customer, Login, Token, is_live
from chalicelib.security import check_password_policy, hash_password
from chalicelib.sessions import new_session, token_pair
from chalicelib.store import accounts as account_store
from chalicelib.store.sessions import save_step
from chalicelib.store.transactions import Cancelled, Step, run_or_conflict
from chalicelib.tokens import live_token, new_token

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container

HANDOFF_SECONDS = 120


def guest_for(c: Container, secret: object) -> tuple[Token, Customer]:
    """The live register-later token and its guest (for the page and the form)."""
    token = live_token(c, secret, "register")
    guest = account_store.get_customer(token.customer_id)
    if guest is None or guest.status != "guest" or not is_live(guest, c.clock.now()):
        raise InvalidToken()
    return token, guest


def register(c: Container, secret: object, password: str, *, handoff: bool = False) -> dict[str, Any]:
    """Make the guest an account; or, if its address has one, email its owner a merge link."""
    token, guest = guest_for(c, secret)
    account = merges.account_for(c, guest.email)
    if account is not None:
        return _offer_merge(c, guest, account)
    password = check_password_policy(password, email=guest.email)
    password_hash = hash_password(c.hasher, password)
    now = int(c.clock.now())
    epoch = now  # a guest never had a session: any new epoch works
    activate: list[Action] = [
        Customer.status.set("active"),
        Customer.verified_at.set(now),
        Customer.updated_at.set(now),
        Customer.session_epoch.set(epoch),
        Customer.expires_at.remove(),
        Customer.expiry_bucket.remove(),
    ]
    login = Login(
        token.login_key,
        customer_id=guest.customer_id,
        password_hash=password_hash,
        status="active",
        session_epoch=epoch,
        failed_signins=0,
    )
    claim_free = Login.login_key.does_not_exist() | (Login.expires_at < now)
    consume = Token.used_at.does_not_exist() & (Token.expires_at > now)
    event = activity.event(c, guest.customer_id, "registered_from_guest", "customer")
    steps: list[tuple[str, Step]] = [
        ("token", lambda tx: tx.update(token, actions=[Token.used_at.set(now)], condition=consume)),
        ("guest", lambda tx: tx.update(guest, actions=activate, condition=Customer.status == "guest")),
        ("login", lambda tx: tx.save(login, condition=claim_free)),
        activity.step(event),
    ]
    answer: dict[str, Any] = {"status": "registered", "customer_id": guest.customer_id}
    if handoff:
        code_token, code = new_token(c, "handoff", guest, token.login_key, HANDOFF_SECONDS, version=None)
        steps.append(("handoff", lambda tx: tx.save(code_token)))
        answer["handoff_code"] = code
    else:
        session, refresh = new_session(c, guest.customer_id, epoch)
        steps.append(save_step(session))
        answer.update(token_pair(c, session, refresh))
    try:
        account_store.run_steps(steps)
    except Cancelled as e:
        if "login" in e.failed:  # the address is claimed: an active owner decides
            account = merges.account_for(c, guest.email)
            if account is not None:
                return _offer_merge(c, guest, account)
            raise AddressInUse() from e
        raise InvalidToken() from e
    return answer


def _offer_merge(c: Container, guest: Customer, account: Customer) -> dict[str, Any]:
    steps, message, envelope = merges.offer_steps(c, guest, account, "customer")
    run_or_conflict(steps, [message])
    after_commit(c, [envelope])
    return {"status": "merge_offered", "customer_id": guest.customer_id}
