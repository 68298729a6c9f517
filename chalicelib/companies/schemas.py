"""Request bodies of the companies routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from chalicelib.companies.domains import is_free_mail
from chalicelib.kernel.schemas import Body, Email, ExternalId, Name, RecordId, Text

Role = Literal["admin", "buyer", "viewer"]


def _claimable(domain: str) -> str:
    if is_free_mail(domain):
        raise ValueError("a free-mail domain cannot be claimed")
    return domain


Domain = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=253,
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    ),
    AfterValidator(_claimable),
]
Domains = Annotated[list[Domain], Field(max_length=10)]
JoinCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=64)]


class CompanyRequestIn(Body):
    name: Name
    domains: Domains = []


class JoinIn(Body):
    """Join by the code a company admin shared, or a company offered for your email domain."""

    join_code: JoinCode | None = None
    company_id: RecordId | None = None

    @model_validator(mode="after")
    def one_way(self) -> JoinIn:
        if (self.join_code is None) == (self.company_id is None):
            raise ValueError("give either join_code or company_id")
        return self


class DecisionIn(Body):
    decision: Literal["approve", "reject"]
    role: Role = "buyer"  # a join request's member role
    reason: Text | None = None  # staff only: emailed to the requester


class RoleIn(Body):
    role: Role


class ActingIn(Body):
    company_id: RecordId | None = None  # null: act for yourself alone


class CompanyIn(Body):
    name: Name
    domains: Domains = []
    erp_account: ExternalId | None = None


class CompanyPatchIn(Body):
    name: Name | None = None
    domains: Domains | None = None
    erp_account: ExternalId | None = None


class CompanyStatusIn(Body):
    status: Literal["active", "blocked"]
    reason: Text | None = None


class InviteIn(Body):
    email: Email
    name: Name
    role: Role = "buyer"
