"""Members: a customer's companies, acting for one, the company's members (admins manage
them), join codes, and the surface other features use to add a member.

A company keeps at least one admin: its ``admins`` count moves in the transaction that adds,
removes or changes an admin, conditioned on staying at one or more, so two admins removing
each other at once cannot leave it without one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import identity
from chalicelib.companies import store
from chalicelib.companies.common import (
    Person,
    acting,
    commit,
    company_missing,
    company_view,
    events,
    live_activity,
    member_of,
    member_view,
    request_view,
)
from chalicelib.companies.models import COMPANY_SK, LOOKUP_SK, CompanyItem, company_pk
from chalicelib.companies.requests import lookup_item, new_member, offered_companies
from chalicelib.identity import Customer, Session
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import AlreadyMember, CompanyRoleRequired, LastAdmin, NotFound
from chalicelib.kernel.security import AccessClaims, Acting, new_secret, sha256_hex
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PAGE = 50


def my_companies(c: Container, claims: AccessClaims) -> dict[str, Any]:
    """Memberships, waiting or decided requests, and the company offered for the email's domain."""
    customer = identity.current_customer(c, claims)
    members = store.of_customer(customer.customer_id, "member#")
    requests = store.of_customer(customer.customer_id, "request#")
    companies = []
    for member in members:
        company = store.get_company(str(member.company_id))
        if company is not None:
            companies.append(company_view(company, role=str(member.role)))
    joined = {m.company_id for m in members} | {r.company_id for r in requests if r.status == "pending"}
    offers = []
    for company_id in offered_companies(customer):
        company = store.get_company(company_id)
        if company is not None and company.status == "active" and company_id not in joined:
            offers.append({"company_id": company_id, "name": company.name})
    return {
        "companies": companies,
        "requests": [request_view(r) for r in requests],
        "offers": offers,
        "acting_for": claims.acting.claim() if claims.acting else None,
    }


def one(c: Container, claims: AccessClaims, company_id: str) -> dict[str, Any]:
    _, company, member = member_of(c, claims, company_id)
    return company_view(company, role=str(member.role))


def act_for(c: Container, claims: AccessClaims, company_id: str | None) -> dict[str, Any]:
    """A new access token acting for ``company_id`` (a member of an active or blocked
    company), or for the customer alone (``None``); the refresh token is unchanged."""
    if company_id is None:
        identity.current_customer(c, claims)
        return identity.act_for(c, claims, None)
    _, company, member = member_of(c, claims, company_id)
    return identity.act_for(c, claims, acting(company, member))


@identity.acting_source
def still_acting(c: Container, session: Session) -> Acting | None:
    """At a refresh: the company the session acts for, as it is now (None: no longer)."""
    company, member = store.company_with(str(session.company_id), store.member_sk(session.customer_id))
    if company is None or member is None or company.status not in ("active", "blocked"):
        return None
    return acting(company, member)


def members(c: Container, claims: AccessClaims, company_id: str, cursor: str | None) -> dict[str, Any]:
    member_of(c, claims, company_id, "admin")
    items, next_cursor = store.partition_page(
        company_id, "member#", cursor, PAGE, seal(c, "members", company_id)
    )
    return {"members": [member_view(m) for m in items], "next_cursor": next_cursor}


def company_activity(c: Container, company_id: str, cursor: str | None) -> dict[str, Any]:
    sealed = seal(c, "company-activity", company_id)
    items, next_cursor = store.partition_page(
        company_id, "activity#", cursor, PAGE, sealed, newest_first=True
    )
    return {"activity": live_activity(c, items), "next_cursor": next_cursor}


def admin_activity(c: Container, claims: AccessClaims, company_id: str, cursor: str | None) -> dict[str, Any]:
    member_of(c, claims, company_id, "admin")
    return company_activity(c, company_id, cursor)


def remove(c: Container, claims: AccessClaims, company_id: str, customer_id: str) -> None:
    """An admin removes a member, or a member leaves. Access ends at once: every company
    route reads the membership as it is now."""
    me, _, mine = member_of(c, claims, company_id)
    if customer_id != me.customer_id and mine.role != "admin":
        raise CompanyRoleRequired()
    actor = "customer" if customer_id == me.customer_id else f"member:{me.customer_id}"
    remove_member(c, company_id, customer_id, actor)


def remove_member(c: Container, company_id: str, customer_id: str, actor: str) -> None:
    company, member = store.company_with(company_id, store.member_sk(customer_id))
    if company is None or member is None:
        raise NotFound("No such member.")
    pk = company_pk(company_id)
    steps = [store.delete_step("member", pk, member.sk, CompanyItem.role == member.role)]
    if member.role == "admin":
        steps.append(_admins_step(c, company_id, -1))
    steps += events(c, company_id, "member_removed", actor, customer_id, role=member.role)
    commit(steps, {"admins": LastAdmin(), "member": NotFound("No such member.")})


def set_role(
    c: Container, claims: AccessClaims, company_id: str, customer_id: str, role: str
) -> dict[str, Any]:
    me, _, _ = member_of(c, claims, company_id, "admin")
    return change_role(c, company_id, customer_id, role, f"member:{me.customer_id}")


def change_role(c: Container, company_id: str, customer_id: str, role: str, actor: str) -> dict[str, Any]:
    company, member = store.company_with(company_id, store.member_sk(customer_id))
    if company is None or member is None:
        raise NotFound("No such member.")
    if member.role == role:
        return member_view(member)
    steps: list[tuple[str, Step]] = [
        store.update_step(
            "member", member.pk, member.sk, [CompanyItem.role.set(role)], CompanyItem.role == member.role
        )
    ]
    if "admin" in (role, member.role):
        steps.append(_admins_step(c, company_id, 1 if role == "admin" else -1))
    steps += events(c, company_id, "member_role_changed", actor, customer_id, role=role, previous=member.role)
    commit(steps, {"admins": LastAdmin(), "member": NotFound("No such member.")})
    member.role = role
    return member_view(member)


def _admins_step(c: Container, company_id: str, delta: int) -> tuple[str, Step]:
    actions = [CompanyItem.admins.add(delta), CompanyItem.updated_at.set(int(c.clock.now()))]
    condition = CompanyItem.pk.exists() if delta > 0 else CompanyItem.admins > 1
    return store.update_step("admins", company_pk(company_id), COMPANY_SK, actions, condition)


def new_join_code(c: Container, claims: AccessClaims, company_id: str) -> dict[str, Any]:
    """A fresh join code (shown once, stored hashed); the previous one stops working."""
    me, company, _ = member_of(c, claims, company_id, "admin")
    code, now = new_secret()[:24], int(c.clock.now())
    new_hash, old_hash = sha256_hex(code), company.join_code_hash
    same = CompanyItem.join_code_hash == old_hash if old_hash else CompanyItem.join_code_hash.does_not_exist()
    actions = [CompanyItem.join_code_hash.set(new_hash), CompanyItem.updated_at.set(now)]
    steps = [
        store.update_step("company", company.pk, COMPANY_SK, actions, same),
        store.create_step("code", lookup_item("join", new_hash, company_id, now)),
        *events(c, company_id, "join_code_renewed", "customer", me.customer_id),
    ]
    if old_hash:
        steps.append(store.delete_step("old_code", f"join#{old_hash}", LOOKUP_SK))
    commit(steps, {})
    return {"join_code": code}


# -- the surface for other features (ERP instant accounts) ------------------------------------


def member_steps(
    c: Container, company_id: str, customer: Person, role: str, actor: str
) -> list[tuple[str, Step]]:
    """Steps making ``customer`` a member with ``role``, for a transaction of the caller's
    own (labels ``member``: already one; ``admins``: the company is gone)."""
    steps = [store.create_step("member", new_member(c, company_id, customer, role))]
    if role == "admin":
        steps.append(_admins_step(c, company_id, 1))
    return [*steps, *events(c, company_id, "member_added", actor, str(customer.customer_id), role=role)]


def add_member(c: Container, company_id: str, customer: Customer, role: str, actor: str) -> None:
    """Make ``customer`` a member of an existing company (one transaction)."""
    if store.get_company(company_id) is None:
        raise company_missing()
    commit(member_steps(c, company_id, customer, role, actor), {"member": AlreadyMember()})


def company_for_erp_account(number: str) -> dict[str, Any] | None:
    """The company staff linked to the ERP account ``number``, if any."""
    company_id = store.lookup("erp", number)
    company = store.get_company(company_id) if company_id else None
    return company_view(company) if company is not None else None


def erp_membership_steps(
    c: Container, erp_account: str, customer: Person, role: str, actor: str, *, active: bool
) -> list[tuple[str, Step]]:
    """For an ERP link (``chalicelib.erp``, wired in ``api.wiring``), steps of its transaction:
    ``active``: make the customer a member (``via`` erp) of the company staff linked to
    ``erp_account``, unless already one; not ``active`` (the link is suspended): remove the
    membership the link made, never one made otherwise, nor the company's last admin."""
    company_id = store.lookup("erp", erp_account)
    if company_id is None:
        return []
    company, member = store.company_with(company_id, store.member_sk(str(customer.customer_id)))
    if company is None:
        return []
    if active:
        if member is not None:
            return []
        item = new_member(c, company_id, customer, role)
        item.via = "erp"
        steps = [store.create_step("member", item)]
        if role == "admin":
            steps.append(_admins_step(c, company_id, 1))
        return [*steps, *events(c, company_id, "member_added", actor, str(customer.customer_id), role=role)]
    if member is None or member.via != "erp" or (member.role == "admin" and int(company.admins or 0) <= 1):
        return []
    steps = [store.delete_step("member", member.pk, member.sk, CompanyItem.role == member.role)]
    if member.role == "admin":
        steps.append(_admins_step(c, company_id, -1))
    customer_id = str(customer.customer_id)
    return [*steps, *events(c, company_id, "member_removed", actor, customer_id, role=member.role)]
