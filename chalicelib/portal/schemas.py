"""Request bodies of the customer portal."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, StringConstraints

from chalicelib.kernel.schemas import (
    AddressIn,
    Body,
    Email,
    ExternalId,
    Locale,
    Name,
    Password,
    Phone,
    Quantity,
    Text,
)

PreferenceKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


PreferenceValue = Annotated[str, Field(max_length=200)] | StrictBool | None


class ProfileIn(Body):
    model_config = ConfigDict(extra="forbid")  # an "email" here is a mistake worth saying

    name: Name | None = None
    phone: Phone | None = None
    locale: Locale | None = None
    newsletter: StrictBool | None = None
    preferences: Annotated[dict[PreferenceKey, PreferenceValue], Field(max_length=20)] | None = None


class AddressBookIn(AddressIn):
    label: Annotated[str, Field(max_length=60)] | None = None
    phone: Phone | None = None
    default_billing: StrictBool = False
    default_shipping: StrictBool = False


ProductId = ExternalId


class WishIn(Body):
    note: Annotated[str, Field(max_length=300)] | None = None


class ListLineIn(Body):
    product_id: ProductId
    quantity: Quantity = 1
    note: Annotated[str, Field(max_length=300)] | None = None


class ListIn(Body):
    name: Text
    kind: Literal["list", "cart"] = "list"
    lines: Annotated[list[ListLineIn], Field(max_length=200)] = []


class RenameIn(Body):
    name: Text


class PaymentMethodIn(Body):
    provider: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{1,39}$")]
    token_ref: Annotated[str, Field(min_length=3, max_length=200)]
    brand: Annotated[str, Field(max_length=40)] | None = None
    last4: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = None
    exp_month: Annotated[int, Field(ge=1, le=12)] | None = None
    exp_year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    label: Annotated[str, Field(max_length=60)] | None = None


class ReorderIn(Body):
    line_ids: Annotated[list[ExternalId], Field(min_length=1, max_length=500)]


class EmailChangeIn(Body):
    new_email: Email
    password: Password
