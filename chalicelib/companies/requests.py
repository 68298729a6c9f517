"""Ways in: a customer asks for a new company (pending until staff approve) or to join one
(by a shared join code, or offered for their verified email's domain); the company's
admins (join requests) or staff (both) approve or reject. One request per customer and
company: its key is the customer's, so a second request while one waits is refused by the
write itself, and two deciders racing on one request meet on its ``status`` condition."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import identity
from chalicelib.companies import store
from chalicelib.companies.common import Person, commit, company_missing, events, member_of, request_view
from chalicelib.companies.domains import email_domain, is_free_mail
from chalicelib.companies.models import COMPANY_SK, LOOKUP_SK, CompanyItem, company_pk
from chalicelib.companies.schemas import CompanyRequestIn, DecisionIn, JoinIn
from chalicelib.identity import Customer
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import (
    AlreadyMember,
    DomainClaimed,
    InvalidJoinCode,
    InvalidState,
    LimitReached,
    NotFound,
    RequestPending,
    StaleWrite,
)
from chalicelib.kernel.idempotency import idempotency_record, replay
from chalicelib.kernel.security import AccessClaims, new_id, sha256_hex
from chalicelib.kernel.transactions import Cancelled, Step, run_steps
from chalicelib.mail import Envelope, OutboxMessage, after_commit, compose

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

MAX_PENDING_CREATES = 3  # company requests one customer may have waiting at once


def decided() -> InvalidState:
    return InvalidState("This request was already decided.")


def _request(
    c: Container, company_id: str, customer: Customer, kind: str, company_name: str, via: str | None
) -> CompanyItem:
    now = c.clock.now()
    return CompanyItem(
        company_pk(company_id),
        store.request_sk(customer.customer_id),
        kind="request",
        company_id=company_id,
        customer_id=customer.customer_id,
        name=customer.name,
        email=customer.email,
        company_name=company_name,
        request_kind=kind,
        via=via,
        status="pending",
        pending="pending",
        pending_key=f"{company_id}#{int(now * 1000):013d}#{customer.customer_id}",
        created_at=int(now),
        updated_at=int(now),
    )


def request_company(
    c: Container, claims: AccessClaims, data: CompanyRequestIn, idempotency_key: str | None = None
) -> dict[str, Any]:
    """A new company, ``pending`` until staff approve; the requester becomes its admin then.
    A retry with the same ``Idempotency-Key`` answers the first request's answer."""
    customer = identity.current_customer(c, claims)
    waiting = [
        r
        for r in store.of_customer(customer.customer_id, "request#")
        if r.status == "pending" and r.request_kind == "create"
    ]
    if len(waiting) >= MAX_PENDING_CREATES:
        raise LimitReached(f"At most {MAX_PENDING_CREATES} company requests may wait at once.")
    now = int(c.clock.now())
    company = CompanyItem(
        company_pk(company_id := new_id("co")),
        COMPANY_SK,
        kind="company",
        company_id=company_id,
        name=data.name,
        status="pending",
        domains=json.dumps(sorted(set(data.domains))),
        created_by=customer.customer_id,
        created_at=now,
        updated_at=now,
    )
    request = _request(c, company_id, customer, "create", data.name, None)
    view = request_view(request)
    operation = f"company_request:{customer.customer_id}"  # a key never reaches another's answer
    record = idempotency_record(c, operation, idempotency_key, data.model_dump(), view, 201)
    steps = [
        store.create_step("company", company),
        store.create_step("request", request),
        *events(c, company_id, "company_requested", "customer", customer.customer_id, name=data.name),
        *(identity.idempotency_steps(record, now) if record else []),
    ]
    try:
        run_steps(steps)
    except Cancelled as e:
        if record is not None and "idempotency" in e.failed:
            return replay(c, record)
        raise StaleWrite() from e
    return view


def join(c: Container, claims: AccessClaims, data: JoinIn) -> dict[str, Any]:
    """A join request, by join code or for the company that claimed the verified email's domain."""
    customer = identity.current_customer(c, claims)
    if data.join_code is not None:
        company_id, via = store.lookup("join", sha256_hex(data.join_code)), "code"
        if company_id is None:
            raise InvalidJoinCode()
    else:
        company_id, via = data.company_id, "domain"
        if company_id is None or company_id not in offered_companies(customer):
            raise company_missing()
    company, member = store.company_with(company_id, store.member_sk(customer.customer_id))
    if company is None or company.status != "active":
        raise company_missing() if via == "domain" else InvalidJoinCode()
    if member is not None:
        raise AlreadyMember()
    request = _request(c, company_id, customer, "join", str(company.name), via)
    pk = company_pk(company_id)
    free = CompanyItem.pk.does_not_exist() | (CompanyItem.status != "pending")
    steps = [
        store.put_step("request", request, free),
        store.check_step(
            "member", pk, store.member_sk(customer.customer_id), CompanyItem.pk.does_not_exist()
        ),
        store.check_step("company", pk, COMPANY_SK, CompanyItem.status == "active"),
        *events(c, company_id, "join_requested", "customer", customer.customer_id, via=via),
    ]
    commit(steps, {"request": RequestPending(), "member": AlreadyMember(), "company": company_missing()})
    return request_view(request)


def offered_companies(customer: Customer) -> list[str]:
    """The company that claimed the domain of the customer's verified email (never free mail)."""
    domain = email_domain(customer.email)
    if customer.verified_at is None or customer.status != "active" or is_free_mail(domain):
        return []
    company_id = store.lookup("domain", domain)
    return [company_id] if company_id else []


def decide_as_admin(
    c: Container, claims: AccessClaims, company_id: str, customer_id: str, data: DecisionIn
) -> dict[str, Any]:
    """A company admin decides a join request; no reason travels (their text, someone else's inbox)."""
    admin, _, _ = member_of(c, claims, company_id, "admin")
    request = store.get(company_pk(company_id), store.request_sk(customer_id))
    if request is None or request.request_kind != "join":
        raise NotFound("No such request.")
    return _decide(c, request, data.model_copy(update={"reason": None}), f"member:{admin.customer_id}")


def decide_as_staff(
    c: Container, company_id: str, customer_id: str, data: DecisionIn, actor: str
) -> dict[str, Any]:
    request = store.get(company_pk(company_id), store.request_sk(customer_id))
    if request is None:
        raise NotFound("No such request.")
    return _decide(c, request, data, actor)


def _decide(c: Container, request: CompanyItem, data: DecisionIn, actor: str) -> dict[str, Any]:
    if request.status != "pending":
        raise decided()
    approve = data.decision == "approve"
    company_id, customer_id = str(request.company_id), str(request.customer_id)
    pk, now = company_pk(company_id), int(c.clock.now())
    actions: list[Action] = [
        CompanyItem.status.set("approved" if approve else "rejected"),
        CompanyItem.updated_at.set(now),
        CompanyItem.decided_by.set(actor),
        CompanyItem.pending.remove(),
        CompanyItem.pending_key.remove(),
    ]
    actions.append(CompanyItem.reason.set(data.reason) if data.reason else CompanyItem.reason.remove())
    steps: list[tuple[str, Step]] = [
        store.update_step("request", pk, request.sk, actions, CompanyItem.status == "pending")
    ]
    creating = request.request_kind == "create"
    company = store.get_company(company_id)
    if company is None:
        raise company_missing()
    if creating:
        status = "active" if approve else "rejected"
        steps.append(_company_status_step(company_id, status, now, "pending"))
        if approve:
            steps += _domain_steps(company, now)
    role = "admin" if creating else data.role
    if not creating and approve:  # the company must still be active; an admin counts as one
        count = [CompanyItem.admins.add(1)] if role == "admin" else []
        actions = [CompanyItem.updated_at.set(now), *count]
        steps.append(store.update_step("company", pk, COMPANY_SK, actions, CompanyItem.status == "active"))
    if approve:
        steps.append(store.create_step("member", new_member(c, company_id, request, role)))
    kind = f"{'company' if creating else 'join'}_{'approved' if approve else 'rejected'}"
    detail: dict[str, Any] = {"role": role} if approve else {}
    steps += events(c, company_id, kind, actor, customer_id, **detail)
    outbox, envelopes = _decision_mail(c, request, company, approve, data.reason)
    commit(
        steps,
        {
            "request": decided(),
            "company": InvalidState("The company is not active."),
            "member": AlreadyMember(),
            "domain": DomainClaimed(),
        },
        outbox,
    )
    after_commit(c, envelopes)
    request.status, request.reason, request.updated_at = (
        ("approved" if approve else "rejected"),
        data.reason,
        now,
    )
    return request_view(request)


def new_member(c: Container, company_id: str, who: Person, role: str) -> CompanyItem:
    """A membership item for ``who`` (a customer, or a request naming one)."""
    customer_id = str(who.customer_id)
    return CompanyItem(
        company_pk(company_id),
        store.member_sk(customer_id),
        kind="member",
        company_id=company_id,
        customer_id=customer_id,
        name=who.name,
        email=who.email,
        role=role,
        created_at=int(c.clock.now()),
    )


def _company_status_step(company_id: str, status: str, now: int, *current: str) -> tuple[str, Step]:
    actions: list[Action] = [CompanyItem.status.set(status), CompanyItem.updated_at.set(now)]
    if status == "active":  # the requester becomes its first admin
        actions.append(CompanyItem.admins.add(1))
    return store.update_step(
        "company", company_pk(company_id), COMPANY_SK, actions, CompanyItem.status.is_in(*current)
    )


def _domain_steps(company: CompanyItem, now: int) -> list[tuple[str, Step]]:
    """Claim each of the company's domains: unique, so a second company's claim fails."""
    return [
        store.create_step("domain", lookup_item("domain", d, str(company.company_id), now))
        for d in json.loads(company.domains or "[]")
    ]


def lookup_item(kind: str, value: str, company_id: str, now: int) -> CompanyItem:
    return CompanyItem(f"{kind}#{value}", LOOKUP_SK, kind=kind, company_id=company_id, created_at=now)


def _decision_mail(
    c: Container, request: CompanyItem, company: CompanyItem, approve: bool, reason: str | None
) -> tuple[list[OutboxMessage], list[Envelope]]:
    """The requester's own (verified) address learns the decision; a reason only from staff."""
    customer = identity.get_customer(str(request.customer_id))
    if customer is None or customer.status != "active":
        return [], []
    context = {
        "name": customer.name,
        "company": company.name,
        "kind": request.request_kind,
        "approved": approve,
        "reason": reason,
        "link": c.settings.STOREFRONT_URL,
        "website": c.settings.WEBSITE_ID,
    }
    message, envelope = compose(c, "company_decision", customer.email, customer.locale, context)
    return [message], [envelope]


def pending_for_admin(
    c: Container, claims: AccessClaims, company_id: str, cursor: str | None
) -> dict[str, Any]:
    """The join requests waiting on a company's admins: one ``Query`` on the pending index."""
    member_of(c, claims, company_id, "admin")
    sealed = seal(c, "pending-requests", company_id)
    items, next_cursor = store.pending_page(company_id, cursor, 50, sealed)
    return {"requests": [request_view(r) for r in items], "next_cursor": next_cursor}
