"""Companies' part of GDPR erasure and export (``kernel.privacy``).

Erasure: the customer's memberships and requests go (each in one transaction with its
side effects), and the company activity naming the customer loses its details. An erased
member who was a company's last admin leaves it with no admin: a GDPR erasure is never
refused for a company's sake. The company is then as one staff create (no admin): a join
request staff approve with the role ``admin`` (or an ERP contact's role) gives it one. A
pending request to create a company rejects that company (nobody is left to approve it for).
Every membership removed emits ``customer.company_membership_changed`` (change ``removed``).

A company's own name is not personal data (it names an organisation), nor is a role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import events as lifecycle
from chalicelib.companies import store
from chalicelib.companies.common import company_event, request_view
from chalicelib.companies.models import COMPANY_SK, CompanyItem, company_pk
from chalicelib.identity import Session
from chalicelib.kernel import privacy
from chalicelib.kernel.clock import iso
from chalicelib.kernel.transactions import Cancelled, Step, run_steps

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

ACTOR = "gdpr_erasure"


def _items(customer_id: str) -> list[CompanyItem]:
    """The customer's members, requests and activity items (the index projects them whole)."""
    found = privacy.keys_by_customer(CompanyItem, customer_id)
    return [i for i in found if isinstance(i, CompanyItem)]


def _erase(c: Container, subject: privacy.Subject) -> None:
    items = _items(subject.customer_id)
    for item in items:
        if item.kind == "member":
            _commit(_leave_steps(c, item))
        elif item.kind == "request":
            _commit(_withdraw_steps(c, item))
    scrubbed = [i for i in items if i.kind == "activity" and (i.detail or i.name or i.email)]
    for item in scrubbed:
        item.detail, item.name, item.email = None, None, None
    privacy.put_items(scrubbed)


def _leave_steps(c: Container, member: CompanyItem) -> list[tuple[str, Step]]:
    company_id, now = str(member.company_id), int(c.clock.now())
    steps = [store.delete_step("member", member.pk, member.sk, CompanyItem.pk.exists())]
    if member.role == "admin":  # may reach 0: the erasure is not refused for the last admin
        actions = [CompanyItem.admins.add(-1), CompanyItem.updated_at.set(now)]
        steps.append(store.update_step("admins", company_pk(company_id), COMPANY_SK, actions, None))
    note = company_event(c, company_id, "member_erased", ACTOR, None, role=member.role)
    steps.append(store.create_step("company_activity", note))
    steps.append(
        lifecycle.emit(
            c,
            lifecycle.CUSTOMER_COMPANY_MEMBERSHIP_CHANGED,
            str(member.customer_id),
            company_id=company_id,
            role=member.role,
            change="removed",
        )
    )
    return steps


def _withdraw_steps(c: Container, request: CompanyItem) -> list[tuple[str, Step]]:
    steps = [store.delete_step("request", request.pk, request.sk, CompanyItem.pk.exists())]
    if request.request_kind == "create" and request.status == "pending":
        actions = [CompanyItem.status.set("rejected"), CompanyItem.updated_at.set(int(c.clock.now()))]
        pending = CompanyItem.status == "pending"
        steps.append(store.update_step("company", request.pk, COMPANY_SK, actions, pending))
    return steps


def _commit(steps: list[tuple[str, Step]]) -> None:
    """A failed condition means a concurrent run (or the member's own leaving) did it."""
    try:
        run_steps(steps)
    except Cancelled:
        return


def _export(c: Container, customer_id: str) -> dict[str, Any]:
    items = sorted(_items(customer_id), key=lambda i: str(i.sk))
    return {
        "companies": {
            "memberships": [
                {"company_id": i.company_id, "role": i.role, "joined_at": iso(i.created_at)}
                for i in items
                if i.kind == "member"
            ],
            "requests": [request_view(i) for i in items if i.kind == "request"],
        }
    }


privacy.register("companies", CompanyItem, erase=_erase, export=_export)
privacy.not_personal(CompanyItem, "a company's name names an organisation, not a person", "company_name")
privacy.not_personal(Session, "the role (admin, buyer, viewer) the session acts with", "company_role")
