"""Request bodies of guest checkout and the documents feed."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints

from chalicelib.kernel.schemas import (
    AddressIn,
    Amount,
    Body,
    Email,
    ExternalId,
    Locale,
    Name,
    Password,
    RecordId,
    Text,
)

DocumentType = Literal["quotation", "order", "invoice", "subscription", "payment"]


class LineIn(Body):
    line_id: ExternalId
    sku: Annotated[str, Field(max_length=100)] | None = None
    name: Text
    quantity: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] = 1
    unit_price: Amount | None = None
    total: Amount | None = None


class TotalsIn(Body):
    net: Amount | None = None
    tax: Amount | None = None
    gross: Amount | None = None


class DocumentIn(Body):
    document_id: ExternalId
    type: DocumentType
    status: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    date: datetime.date | datetime.datetime
    number: Annotated[str, Field(max_length=60)] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    totals: TotalsIn | None = None
    lines: Annotated[list[LineIn], Field(max_length=500)] = []
    company_id: RecordId | None = None  # ordered for a company: its members see it by role


class CreateAccountIn(Body):
    password: Password
    newsletter: StrictBool = False


class GuestIn(Body):
    email: Email
    name: Name
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9+()./ \-]{3,40}$")] | None = None
    locale: Locale | None = None
    address: AddressIn | None = None
    order: DocumentIn | None = None
    create_account: CreateAccountIn | None = None
