"""Staff create, read and edit customers, and send them the customer's own reset link.

Every write is one transaction with its activity event, whose actor is the staff key
(``staff:<key id>:<key name>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import events, identity, invitations, portal
from chalicelib.backoffice import notes
from chalicelib.backoffice.schemas import CustomerIn, CustomerPatchIn
from chalicelib.identity import Customer, Login, activity, staff_view
from chalicelib.kernel.budgets import Budget, Window, charge
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import AddressInUse, InvalidState
from chalicelib.kernel.i18n import negotiate
from chalicelib.kernel.idempotency import idempotency_record, replay
from chalicelib.kernel.transactions import Cancelled, Step, run_steps
from chalicelib.mail import after_commit, defer

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

STAFF = "staff"  # Customer.origin of a record staff created
LAST_ORDERS = 5
RESET_COOLDOWN = Budget("cooldown:staff_reset", Window(900, 1), Window(900, 1))  # 1 per 15 min
EDITABLE = ("pending", "invited", "active", "inactive", "blocked", "guest")


def create(c: Container, data: CustomerIn, actor: str, idempotency_key: str | None) -> dict[str, Any]:
    """A customer and its email claim in one transaction, with its reference and search keys.

    With ``invite``, the invitation email goes out (the customer chooses a password);
    without, the account waits to be claimed: the owner's sign-up, a reset link or a later
    invitation (status ``pending``, which never expires). A claimed address is a 409."""
    s, now = c.settings, int(c.clock.now())
    locale = negotiate([data.locale], s.DEFAULT_LOCALE)
    fingerprint = {"email": data.email, "name": data.name, "invite": data.invite}
    if data.invite:
        grant = invitations.grant_new(c, data.email, data.name, locale, actor, None, phone=data.phone)
        assert grant.customer is not None
        customer, steps, outbox, envelopes = grant.customer, grant.steps, grant.outbox, grant.envelopes
    else:
        customer = identity.new_customer(
            c,
            email=data.email,
            name=data.name,
            locale=locale,
            status="pending",
            phone=data.phone,
            origin=STAFF,
        )
        login = Login(
            identity.login_key(c, data.email),
            customer_id=customer.customer_id,
            status="pending",
            session_epoch=0,
            failed_signins=0,
        )
        steps = [
            *identity.creation_steps(customer),
            ("login", lambda tx: tx.save(login, condition=identity.claim_free(now))),
            events.emit(c, events.CUSTOMER_CREATED, customer.customer_id, status="pending", via="staff"),
        ]
        outbox, envelopes = [], []
    # the answer is made before the write (the idempotency record holds it): the version the
    # transaction's first save gives the customer is 1
    answer = {**staff_view(customer), "version": 1, "invited": data.invite}
    event = activity.event(c, customer.customer_id, "created_by_staff", actor, invited=data.invite)
    steps.append(activity.step(event))
    idem = idempotency_record(c, "admin_customer", idempotency_key, fingerprint, answer, 201)
    if idem is not None:
        steps += identity.idempotency_steps(idem, now)
    try:
        identity.run_create(steps, outbox)
    except identity.IdempotentReplay:
        assert idem is not None
        return replay(c, idem)
    except identity.EmailTaken as e:
        raise AddressInUse("This address already has an account.") from e
    after_commit(c, envelopes)
    return answer


def detail(c: Container, customer_id: str) -> dict[str, Any]:
    """The staff view with the reference, locale, notes count, last sign-in, last orders."""
    customer = identity.for_staff(c, customer_id)
    login = identity.get_login(customer.login_key) if customer.status != "guest" else None
    signed_in = login.last_sign_in_at if login is not None and login.customer_id == customer_id else None
    return {
        **staff_view(customer),
        "notes_count": notes.count(customer_id),
        "last_sign_in_at": iso(signed_in),
        "last_orders": portal.last_orders(c, customer_id, LAST_ORDERS),
    }


def update(c: Container, customer_id: str, data: CustomerPatchIn, actor: str) -> dict[str, Any]:
    """Name, phone, locale, preferences: the portal's profile rules, search keys moved along."""
    customer = identity.for_staff(c, customer_id)
    if customer.status not in EDITABLE:
        raise InvalidState(f"A customer with status {customer.status} cannot be edited.")
    profile = portal.ProfileIn.model_validate(data.model_dump(exclude_unset=True))
    return staff_view(portal.apply_profile(c, customer, profile, actor, allowed=EDITABLE))


def detail_of(c: Container, customer_id: str) -> Customer:
    """The customer of this website (else ``NotFound``)."""
    return identity.for_staff(c, customer_id)


def editable(c: Container, customer_id: str) -> Customer:
    """The customer, if staff may change its data (addresses...)."""
    customer = identity.for_staff(c, customer_id)
    if customer.status not in EDITABLE:
        raise InvalidState(f"A customer with status {customer.status} cannot be edited.")
    return customer


def send_password_reset(c: Container, customer_id: str, actor: str) -> dict[str, Any]:
    """The customer's own reset flow (its task sends the link to an active or unverified
    account); silently nothing more than once per 15 minutes per customer."""
    customer = identity.for_staff(c, customer_id)
    message, envelope = defer(c, "forgot_password", {"email": customer.email})
    cooldown = charge(c, RESET_COOLDOWN, customer_id)
    event = activity.event(c, customer_id, "password_reset_link_requested", actor)
    steps: list[tuple[str, Step]] = [("cooldown", cooldown.step), activity.step(event)]
    try:
        run_steps(steps, [message])
    except Cancelled as e:
        if "cooldown" not in e.failed:
            raise
        return ACCEPTED  # within the cooldown: the same answer, nothing sent
    after_commit(c, [envelope])
    return ACCEPTED


ACCEPTED = {"status": "accepted", "message": "If the account can reset its password, a link is on its way."}
