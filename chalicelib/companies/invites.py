"""A company admin invites by email, through the invitation machinery: a new address gets
an account invitation (the membership waits on the invited customer), an address with an
account gets a join link that its signed-in owner accepts.

The answer is the same whatever the address (no enumeration), and both emails charge the
recipient's budget (``company_invitation``): an admin can make us write to any address.
Neither email carries text the admin chose; the company's name was reviewed by staff.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from chalicelib import identity, invitations
from chalicelib.companies import store
from chalicelib.companies.common import commit, company_view, events, member_of
from chalicelib.companies.members import member_steps
from chalicelib.companies.schemas import InviteIn
from chalicelib.identity import Customer
from chalicelib.kernel.errors import AlreadyMember, InvalidState, InvalidToken
from chalicelib.kernel.models import Token, is_live
from chalicelib.kernel.security import AccessClaims
from chalicelib.kernel.tokens import live_token, new_token
from chalicelib.kernel.transactions import Step
from chalicelib.mail import Envelope, OutboxMessage, after_commit, compose, recipient_charge

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PURPOSE = "company_invite"
ACCEPT_PATH = "/account/companies/accept"  # the storefront's page; it posts the token back
SENT = {"status": "sent"}


def invite(c: Container, claims: AccessClaims, company_id: str, data: InviteIn) -> dict[str, Any]:
    admin, company, _ = member_of(c, claims, company_id, "admin")
    if company.status != "active":
        raise InvalidState("A blocked company cannot invite.")
    actor = f"member:{admin.customer_id}"
    login = identity.get_login(identity.login_key(c, data.email))
    owner = identity.get_customer(login.customer_id) if login and is_live(login, c.clock.now()) else None
    if owner is None:
        grant = invitations.grant_new(c, data.email, data.name, c.settings.DEFAULT_LOCALE, actor, None)
        invited: Any = SimpleNamespace(customer_id=grant.customer_id, name=data.name, email=data.email)
        steps, outbox, envelopes = grant.steps, grant.outbox, grant.envelopes
    elif owner.status == "active":
        if store.get(company.pk, store.member_sk(owner.customer_id)) is not None:
            return SENT  # already a member: nothing to send, the same answer
        steps, outbox, envelopes = _join_link(c, company, owner, data.role)
        steps += events(c, company_id, "company_invitation_sent", actor, owner.customer_id, role=data.role)
        invited = None
    elif owner.status in ("invited", "pending"):  # an account waiting for its owner
        grant = invitations.grant_existing(c, owner, login, actor, None, data.name)  # type: ignore[arg-type]
        steps, outbox, envelopes, invited = grant.steps, grant.outbox, grant.envelopes, owner
    else:
        return SENT  # a disabled account: nothing sent, the same answer
    if invited is not None:
        steps = [*steps, *member_steps(c, company_id, invited, data.role, actor)]
        for message in outbox:  # the admin chose the address: the recipient's budget pays
            message.charge = recipient_charge(c, "company_invitation", data.email)
    commit(steps, {"member": AlreadyMember()}, outbox)
    after_commit(c, envelopes)
    return SENT


def _join_link(
    c: Container, company: Any, owner: Customer, role: str
) -> tuple[list[tuple[str, Step]], list[OutboxMessage], list[Envelope]]:
    s = c.settings
    seconds = s.INVITATION_TOKEN_DAYS * 86400
    token, secret = new_token(c, PURPOSE, owner, owner.login_key, seconds, version=None)
    token.ref = f"{company.company_id}#{role}"
    context = {
        "name": owner.name,
        "company": company.name,
        "website": s.WEBSITE_ID,
        "link": f"{s.STOREFRONT_URL}{ACCEPT_PATH}?token={secret}",
        "days": s.INVITATION_TOKEN_DAYS,
    }
    message, envelope = compose(c, "company_invitation", owner.email, owner.locale, context)
    step = ("token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist()))
    return [step], [message], [envelope]


def accept(c: Container, claims: AccessClaims, secret: object) -> dict[str, Any]:
    """The signed-in owner of the invited address joins with the invitation's role."""
    customer = identity.current_customer(c, claims)
    token = live_token(c, secret, PURPOSE)
    if token.customer_id != customer.customer_id or not token.ref:
        raise InvalidToken()
    company_id, role = token.ref.split("#", 1)
    company = store.get_company(company_id)
    if company is None or company.status != "active":
        raise InvalidToken()
    consume = ("token", identity.consume_step(token, int(c.clock.now())))
    steps = [consume, *member_steps(c, company_id, customer, role, "customer")]
    commit(steps, {"token": InvalidToken(), "member": AlreadyMember()})
    return company_view(company, role=role)
