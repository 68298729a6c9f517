"""Guest checkout and the checkout policy (``CHECKOUT_MODE``), and shop access.

A guest is a customer record with status ``guest``: no password and no claim on its
email (several guests may share one). It expires ``GUEST_TTL_DAYS`` after its last
order event. Under ``optional`` the answer carries a register-later link for the
storefront's order confirmation email.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

from chalicelib import events, identity
from chalicelib.checkout import documents, merges, registration
from chalicelib.checkout.schemas import GuestIn
from chalicelib.identity import Customer, IdempotentReplay
from chalicelib.kernel import idempotency as idempotency_store
from chalicelib.kernel.choices import CheckoutMode, ShopAccess
from chalicelib.kernel.clock import expiry_bucket, iso
from chalicelib.kernel.errors import (
    AccountCreationDisabled,
    AccountRequired,
    IdempotencyConflict,
    NotAuthenticated,
)
from chalicelib.kernel.i18n import negotiate
from chalicelib.kernel.idempotency import idempotency_record, replay
from chalicelib.kernel.models import Token, is_live
from chalicelib.kernel.security import check_password_policy, hash_password, open_text, seal_text
from chalicelib.kernel.tokens import new_token
from chalicelib.kernel.transactions import Cancelled, Step
from chalicelib.mail import Envelope, after_commit, defer, task

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

SEALED_LINK = "register_later_sealed"  # in the stored answer only: the link, encrypted
LINK_KEY = "idempotent-links"


def checkout(c: Container, data: GuestIn, idempotency_key: str | None = None) -> dict[str, Any]:
    """A guest for this checkout, or an account at once when ``create_account`` is given."""
    mode = c.settings.CHECKOUT_MODE
    if idempotency_key is not None:  # a retry gets the first answer, whichever kind it was
        stored = idempotency_store.get(_idempotency_id(c, idempotency_key), int(c.clock.now()))
        if stored is not None:
            probe = _idempotency(c, idempotency_key, data, {})
            if probe is None or stored.request_hash != probe.request_hash:
                raise IdempotencyConflict()
            return _replayed(c, stored)
    if data.create_account is not None:
        if mode is CheckoutMode.GUEST_ONLY:
            raise AccountCreationDisabled()
        return _create_account(c, data, idempotency_key)
    if mode is CheckoutMode.MANDATORY:
        raise AccountRequired()
    return _create_guest(c, data, idempotency_key)[0]


def _account_answer(customer_id: str) -> dict[str, Any]:
    return {"customer_id": customer_id, "kind": "account", "status": "pending", "verify_email_sent": True}


def _create_account(c: Container, data: GuestIn, idempotency_key: str | None) -> dict[str, Any]:
    """A guest holding the order, which then becomes the pending account (its verify link
    sent) when nobody holds the address: register later, at once. The same hash, the same two
    writes and the same answer whatever the address; when it has an account, the second
    write is refused and the checkout's merge-offer task offers the order to its owner."""
    assert data.create_account is not None
    password = check_password_policy(data.create_account.password, email=data.email)
    password_hash = hash_password(c.hasher, password)
    answer, guest = _create_guest(c, data, idempotency_key, as_account=True)
    if guest is not None:  # not a replay
        newsletter = data.create_account.newsletter
        with contextlib.suppress(Cancelled):  # the address is held: the task tells its owner
            after_commit(c, [registration.claim_for_guest(c, guest, password_hash, newsletter=newsletter)])
    return answer


def _idempotency_id(c: Container, key: str) -> str:
    return f"{c.settings.WEBSITE_ID}#checkout#{key}"


def _idempotency(c: Container, key: str | None, data: GuestIn, answer: dict[str, Any]) -> Any:
    """The checkout's idempotency record (never the password; a link only sealed)."""
    fingerprint = {"email": data.email, "name": data.name, "order": data.order and data.order.document_id}
    return idempotency_record(c, "checkout", key, fingerprint, answer, 201)


def _replayed(c: Container, stored: Any) -> dict[str, Any]:
    """The first answer again, its register-later link included (stored sealed, never readable)."""
    answer: dict[str, Any] = json.loads(stored.response)
    sealed = answer.pop(SEALED_LINK, None)
    if sealed is not None:
        answer["register_later_url"] = open_text(c.key(LINK_KEY), sealed, stored.idempotency_key)
    return answer


def _may_register_later(c: Container, guest: Customer) -> bool:
    """Under ``optional``, every guest gets the link, whatever its address holds: the answer
    must not tell (register later offers the owner a merge instead of a second account)."""
    return c.settings.CHECKOUT_MODE is CheckoutMode.OPTIONAL and guest.status == "guest"


def _create_guest(
    c: Container, data: GuestIn, idempotency_key: str | None, *, as_account: bool = False
) -> tuple[dict[str, Any], Customer | None]:
    """A guest holding the order, and the answer (the guest is None for a replayed request);
    ``as_account``: one to become the account at checkout, answered as the account."""
    s, now = c.settings, int(c.clock.now())
    expires = now + s.GUEST_TTL_DAYS * 86400
    guest = identity.new_customer(
        c,
        email=data.email,
        name=data.name,
        locale=negotiate([data.locale], s.DEFAULT_LOCALE),
        status="guest",
        phone=data.phone,
        address=json.dumps(data.address.model_dump(exclude_none=True)) if data.address else None,
        expires_at=expires,
        expiry_bucket=expiry_bucket(expires),
    )
    answer: dict[str, Any] = (
        _account_answer(guest.customer_id)
        if as_account
        else {"customer_id": guest.customer_id, "kind": "guest", "expires_at": iso(expires)}
    )
    steps: list[tuple[str, Step]] = [
        *identity.creation_steps(guest),
        events.emit(c, events.CUSTOMER_CREATED, guest.customer_id, status="guest"),
    ]
    if data.order:
        steps.append(documents.document_step(c, guest.customer_id, data.order))
    register = not as_account and _may_register_later(c, guest)
    stored = dict(answer)
    if register:
        token, secret = register_token(c, guest)
        steps.append(("token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist())))
        if idempotency_key is not None:  # a retry gets this very link back, so it is kept sealed
            sealed = seal_text(
                c.key(LINK_KEY), s.link("/register", secret), _idempotency_id(c, idempotency_key)
            )
            stored[SEALED_LINK] = sealed
    idem = _idempotency(c, idempotency_key, data, stored)
    if idem is not None:
        steps += identity.idempotency_steps(idem, now)
    # Whether the address has an account is the task's business, after the answer: the
    # request reads nothing about the address, whichever it is (no enumeration, timing too).
    offer, envelope = defer(c, "checkout_merge_offer", {"guest_id": guest.customer_id})
    try:
        identity.run_create(steps, [offer])
    except IdempotentReplay:
        assert idem is not None
        replay(c, idem)  # refuses a different request under the same key
        return _replayed(c, idempotency_store.get(idem.idempotency_key, now)), None
    after_commit(c, [envelope])
    if register:
        answer["register_later_url"] = s.link("/register", secret)
    return answer, guest


@task("checkout_merge_offer")
def _offer_task(c: Container, data: dict[str, Any], done: tuple[str, Step]) -> list[Envelope]:
    """The checkout's guest, offered to the owner of its address's account, if it has one.
    Past the owner's budget of merge offers only the email goes; the order stays the guest's."""
    guest = identity.get_customer(data["guest_id"])
    if guest is None or guest.status != "guest" or not is_live(guest, c.clock.now()):
        return []
    account = merges.account_for(c, guest.email)
    if account is None:
        return []
    steps, message, envelope = merges.offer_steps(c, guest, account, "system")
    identity.run_create([done, *steps], [message])  # a second delivery: AlreadyDone
    return [envelope]


def register_token(c: Container, guest: Customer) -> tuple[Token, str]:
    """The register-later link's token (lives as long as the guest)."""
    key = guest.login_key
    return new_token(c, "register", guest, key, c.settings.GUEST_TTL_DAYS * 86400, version=None)


def shop_access(c: Container, authorization: str | None) -> dict[str, Any]:
    """May this visitor see the shop and its prices? Without a token, only a public shop."""
    signed_in = False
    if authorization:
        try:
            identity.current_customer(c, identity.authenticate(c, authorization))
            signed_in = True
        except NotAuthenticated:
            signed_in = False  # an expired or foreign token is a visitor like any other
    visible = c.settings.SHOP_ACCESS is ShopAccess.PUBLIC or signed_in
    return {
        "shop_access": c.settings.SHOP_ACCESS.value,
        "signed_in": signed_in,
        "shop_visible": visible,
        "prices_visible": visible,
    }
