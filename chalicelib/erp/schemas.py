"""Request bodies of the ERP contact routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.kernel.schemas import Body, Email, Name

AccountCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-/]+$")
]
CompanyName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
MAX_ROWS = 1000


class ContactIn(Body):
    erp_account: AccountCode
    email: Email
    name: Name | None = None
    role: Literal["admin", "buyer", "viewer"] = "buyer"
    company: CompanyName | None = None
    account_type: Literal["trade", "cash"] = "trade"


class ContactsIn(Body):
    contacts: list[ContactIn] = Field(min_length=1, max_length=MAX_ROWS)
    sync_id: Annotated[str, StringConstraints(pattern=r"^syn_[0-9a-f]{24}$")] | None = None


class EmailQuery(Body):
    email: Email
