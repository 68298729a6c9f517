"""What the companies services share: roles, the membership check, activity on both sides,
views, and the transaction runner that turns failed conditions into domain errors."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib import events as lifecycle
from chalicelib import identity
from chalicelib.companies import store
from chalicelib.companies.models import CompanyItem, company_pk
from chalicelib.identity import Customer, activity
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import CompanyRoleRequired, DomainError, NotFound, StaleWrite
from chalicelib.kernel.models import BaseTable, is_live
from chalicelib.kernel.security import AccessClaims, Acting
from chalicelib.kernel.transactions import Cancelled, Step, run_steps

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

ROLES = ("admin", "buyer", "viewer")
#: activity kinds that change a customer's membership -> the lifecycle event's ``change``
MEMBERSHIP_CHANGES = {
    "member_added": "added",
    "company_approved": "added",
    "join_approved": "added",
    "member_removed": "removed",
    "member_role_changed": "role_changed",
}


class Person(Protocol):
    """Who a membership names: a customer, or a request or an invitation naming one."""

    customer_id: Any
    name: Any
    email: Any


#: company statuses whose members may act for it (blocked: browse, never order)
ACTING_STATUSES = ("active", "blocked")


def company_missing() -> NotFound:
    return NotFound("No such company.")


def member_of(
    c: Container, claims: AccessClaims, company_id: str, *roles: str
) -> tuple[Customer, CompanyItem, CompanyItem]:
    """The signed-in customer, the company and their membership, read as they are now
    (a removed member is refused at once). Not a member: 404, as if the company were absent."""
    customer = identity.current_customer(c, claims)
    company, member = store.company_with(company_id, store.member_sk(customer.customer_id))
    if company is None or member is None or company.status not in ACTING_STATUSES:
        raise company_missing()
    if roles and member.role not in roles:
        raise CompanyRoleRequired()
    return customer, company, member


def acting(company: CompanyItem, member: CompanyItem) -> Acting:
    return Acting(str(company.company_id), str(member.role), str(company.status))


def company_event(
    c: Container, company_id: str, kind: str, actor: str, customer_id: str | None, **detail: Any
) -> CompanyItem:
    now = c.clock.now()
    return CompanyItem(
        company_pk(company_id),
        f"activity#{int(now * 1000):013d}#{secrets.token_hex(4)}",
        kind="activity",
        company_id=company_id,
        customer_id=customer_id,
        status=kind,  # the event's kind
        actor=actor,
        detail=json.dumps(detail, sort_keys=True) if detail else None,
        created_at=int(now),
        expires_at=int(now) + c.settings.ACTIVITY_RETENTION_DAYS * 86400,
    )


def events(
    c: Container, company_id: str, kind: str, actor: str, customer_id: str | None, **detail: Any
) -> list[tuple[str, Step]]:
    """The change in the company's activity and, when it concerns one, the customer's; a
    membership change also emits ``customer.company_membership_changed`` (thin: the company,
    the role, the change), all in the caller's transaction."""
    item = company_event(c, company_id, kind, actor, customer_id, **detail)
    steps: list[tuple[str, Step]] = [store.create_step("company_activity", item)]
    if customer_id is not None:
        steps.append(
            activity.step(activity.event(c, customer_id, kind, actor, company_id=company_id, **detail))
        )
        if kind in MEMBERSHIP_CHANGES:
            change, role = MEMBERSHIP_CHANGES[kind], detail.get("role")
            steps.append(
                lifecycle.emit(
                    c,
                    lifecycle.CUSTOMER_COMPANY_MEMBERSHIP_CHANGED,
                    customer_id,
                    company_id=company_id,
                    role=str(role) if role is not None else None,
                    change=change,
                )
            )
    return steps


def commit(
    steps: Sequence[tuple[str, Step]],
    errors: Mapping[str, DomainError],
    outbox: Sequence[BaseTable] = (),
) -> None:
    """One transaction; a failed condition becomes the error named for its step (else 409)."""
    try:
        run_steps(steps, outbox)
    except Cancelled as e:
        for label in sorted(e.failed):
            if label in errors:
                raise errors[label] from e
        raise StaleWrite() from e


def company_view(company: CompanyItem, *, role: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "company_id": company.company_id,
        "name": company.name,
        "status": company.status,
        "erp_account": company.erp_account,
        "domains": json.loads(company.domains) if company.domains else [],
        "created_at": iso(company.created_at),
    }
    if role is not None:
        body["role"] = role
        body["can_order"] = company.status == "active" and role in ("admin", "buyer")
    return body


def member_view(member: CompanyItem) -> dict[str, Any]:
    return {
        "customer_id": member.customer_id,
        "name": member.name,
        "email": member.email,
        "role": member.role,
        "joined_at": iso(member.created_at),
    }


def request_view(request: CompanyItem) -> dict[str, Any]:
    return {
        "company_id": request.company_id,
        "customer_id": request.customer_id,
        "kind": request.request_kind,
        "via": request.via,
        "status": request.status,
        "company_name": request.company_name,
        "requested_by": {"name": request.name, "email": request.email},
        "reason": request.reason,
        "created_at": iso(request.created_at),
        "decided_at": iso(request.updated_at) if request.status != "pending" else None,
    }


def activity_view(item: CompanyItem) -> dict[str, Any]:
    return {
        "at": iso(item.created_at),
        "kind": item.status,
        "actor": item.actor,
        "customer_id": item.customer_id,
        "detail": json.loads(item.detail) if item.detail else {},
    }


def live_activity(c: Container, items: list[CompanyItem]) -> list[dict[str, Any]]:
    return [activity_view(i) for i in items if is_live(i, c.clock.now())]
