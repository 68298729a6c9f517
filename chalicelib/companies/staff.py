"""Staff: companies created or edited directly, status (active / blocked), the pending
requests (a list and a count, the back office's bell) and their decisions (``requests``)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib.companies import store
from chalicelib.companies.common import commit, company_missing, company_view, events, request_view
from chalicelib.companies.models import COMPANY_SK, LOOKUP_SK, CompanyItem, company_pk
from chalicelib.companies.requests import lookup_item
from chalicelib.companies.schemas import CompanyIn, CompanyPatchIn, CompanyStatusIn
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import DomainClaimed, DomainError, InvalidState, StaleWrite, ValidationFailed
from chalicelib.kernel.security import new_id
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PAGE, MAX_PAGE = 50, 100
COMPANY_ID = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")


def taken() -> dict[str, DomainError]:
    """What a failed uniqueness claim means (fresh errors for each request)."""
    return {"domain": DomainClaimed(), "erp": InvalidState("Another company has this ERP account number.")}


def create(c: Container, data: CompanyIn, actor: str) -> dict[str, Any]:
    """An active company without members yet (staff add them by invitation, the ERP by contact)."""
    now = int(c.clock.now())
    company_id = new_id("co")
    company = CompanyItem(
        company_pk(company_id),
        COMPANY_SK,
        kind="company",
        company_id=company_id,
        name=data.name,
        status="active",
        domains=json.dumps(sorted(set(data.domains))),
        erp_account=data.erp_account,
        admins=0,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    steps = [
        store.create_step("company", company),
        *_claims(company_id, set(data.domains), data.erp_account, now),
    ]
    steps += events(c, company_id, "company_created", actor, None, name=data.name)
    commit(steps, taken())
    return company_view(company)


def _claims(company_id: str, domains: set[str], erp: str | None, now: int) -> list[tuple[str, Step]]:
    steps = [store.create_step("domain", lookup_item("domain", d, company_id, now)) for d in sorted(domains)]
    if erp:
        steps.append(store.create_step("erp", lookup_item("erp", erp, company_id, now)))
    return steps


def get(c: Container, company_id: str) -> dict[str, Any]:
    company = store.get_company(company_id)
    if company is None:
        raise company_missing()
    return {**company_view(company), "admins": int(company.admins or 0)}


def patch(c: Container, company_id: str, data: CompanyPatchIn, actor: str) -> dict[str, Any]:
    """Rename, change the claimed domains or the ERP account; lookups move in the same transaction."""
    company = store.get_company(company_id)
    if company is None:
        raise company_missing()
    if company.status in ("pending", "rejected") and data.domains:
        raise InvalidState("Domains are claimed once the company is approved.")
    now, fields = int(c.clock.now()), data.model_fields_set
    actions: list[Action] = [CompanyItem.updated_at.set(now)]
    steps: list[tuple[str, Step]] = []
    if "name" in fields and data.name:
        actions.append(CompanyItem.name.set(data.name))
    if "domains" in fields and data.domains is not None:
        old, new = set(json.loads(company.domains or "[]")), set(data.domains)
        actions.append(CompanyItem.domains.set(json.dumps(sorted(new))))
        if company.status not in ("pending", "rejected"):
            steps += _claims(company_id, new - old, None, now)
            steps += [store.delete_step("old_domain", f"domain#{d}", LOOKUP_SK) for d in sorted(old - new)]
    if "erp_account" in fields and data.erp_account != company.erp_account:
        actions.append(
            CompanyItem.erp_account.set(data.erp_account)
            if data.erp_account
            else CompanyItem.erp_account.remove()
        )
        steps += _claims(company_id, set(), data.erp_account, now)
        if company.erp_account:
            steps.append(store.delete_step("old_erp", f"erp#{company.erp_account}", LOOKUP_SK))
    if len(actions) == 1:
        raise ValidationFailed("Nothing to change.")
    unchanged = CompanyItem.updated_at == company.updated_at
    steps.append(store.update_step("company", company.pk, COMPANY_SK, actions, unchanged))
    steps += events(c, company_id, "company_updated", actor, None, fields=sorted(fields))
    commit(steps, {**taken(), "company": StaleWrite()})
    return get(c, company_id)


def set_status(c: Container, company_id: str, data: CompanyStatusIn, actor: str) -> dict[str, Any]:
    """Block (members browse, never order) or unblock an approved company."""
    company = store.get_company(company_id)
    if company is None:
        raise company_missing()
    if company.status not in ("active", "blocked"):
        raise InvalidState("Only an approved company can be blocked or unblocked.")
    if company.status != data.status:
        actions = [CompanyItem.status.set(data.status), CompanyItem.updated_at.set(int(c.clock.now()))]
        steps = [
            store.update_step(
                "company", company.pk, COMPANY_SK, actions, CompanyItem.status == company.status
            )
        ]
        detail = {"status": data.status, "reason": data.reason} if data.reason else {"status": data.status}
        steps += events(
            c,
            company_id,
            f"company_{'blocked' if data.status == 'blocked' else 'unblocked'}",
            actor,
            None,
            **detail,
        )
        commit(steps, {"company": StaleWrite()})
    return get(c, company_id)


def _limit(raw: str | None) -> int:
    try:
        limit = int(raw) if raw is not None else PAGE
    except ValueError as e:
        raise ValidationFailed("limit must be a number.", fields={"limit": "number"}) from e
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"limit must be 1-{MAX_PAGE}.", fields={"limit": "range"})
    return limit


def _company_filter(company_id: str | None) -> str | None:
    if company_id is not None and not COMPANY_ID.match(company_id):
        raise ValidationFailed("company_id is not a company id.", fields={"company_id": "format"})
    return company_id


def pending(c: Container, company_id: str | None, cursor: str | None, limit: str | None) -> dict[str, Any]:
    """Requests waiting for a decision, by company then age: one ``Query``."""
    company_id = _company_filter(company_id)
    sealed = seal(c, "pending-requests", company_id or "")
    items, next_cursor = store.pending_page(company_id, cursor, _limit(limit), sealed)
    return {"requests": [request_view(r) for r in items], "next_cursor": next_cursor}


def pending_count(c: Container, company_id: str | None) -> dict[str, Any]:
    company_id = _company_filter(company_id)
    return {"pending": store.pending_count(company_id)}
