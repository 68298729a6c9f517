"""Request bodies: pydantic models that turn bad input into ``ValidationFailed`` (422)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
)

from chalicelib.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)

MAX_EMAIL = 254


def normalize_email(value: str) -> str:
    """Trim, validate the syntax (no DNS) and lower-case the whole address."""
    from email_validator import EmailNotValidError, validate_email

    value = value.strip()
    if len(value) > MAX_EMAIL:
        raise ValueError("the email address is too long")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as e:
        raise ValueError("not a valid email address") from e
    return checked.normalized.lower()


Email = Annotated[str, Field(max_length=MAX_EMAIL + 64), AfterValidator(normalize_email)]
Password = Annotated[str, Field(max_length=1024)]  # the policy (8-256) is checked by the service
Secret = Annotated[str, Field(min_length=1, max_length=512)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Locale = Annotated[str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]
RecordId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,100}$")]  # cus_..., never empty


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_max_length=4096)


class SignupIn(Body):
    email: Email
    password: Password
    name: Name
    locale: Locale | None = None
    newsletter: StrictBool = False


class TokenIn(Body):
    token: Secret


class SignInIn(Body):
    email: Email
    password: Password


class RefreshIn(Body):
    refresh_token: Secret


class ForgotIn(Body):
    email: Email


class ResetIn(Body):
    token: Secret
    password: Password


class ChangePasswordIn(Body):
    current_password: Password
    new_password: Password


class InvitationsIn(Body):
    """Rows are validated one by one by the job, so one bad row does not refuse the rest."""

    customers: list[Any] = Field(min_length=1, max_length=1000)


class AcceptIn(Body):
    token: Secret
    password: Password


class HandoffIn(Body):
    code: Secret


class StatusIn(Body):
    status: Literal["active", "inactive", "blocked"]


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` against ``model``; a 422 lists each wrong field, never its value."""
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        fields = {
            ".".join(str(p) for p in err["loc"]) or "body": str(err["msg"]).removeprefix("Value error, ")
            for err in e.errors(include_input=False)
        }
        summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
        raise ValidationFailed(f"Invalid fields: {summary}", fields=fields) from e


# -- documents and guest checkout ---------------------------------------------------------

DocumentType = Literal["quotation", "order", "invoice", "subscription", "payment"]
ExternalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-:.]{1,100}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Amount = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]


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


class AddressIn(Body):
    name: Annotated[str, Field(max_length=200)] | None = None
    company: Annotated[str, Field(max_length=200)] | None = None
    line1: Annotated[str, Field(max_length=200)] | None = None
    line2: Annotated[str, Field(max_length=200)] | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    city: Annotated[str, Field(max_length=100)] | None = None
    region: Annotated[str, Field(max_length=100)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


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


# -- the customer portal ------------------------------------------------------------------

PreferenceKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
PreferenceValue = Annotated[str, Field(max_length=200)] | StrictBool | None
Phone = Annotated[str, StringConstraints(pattern=r"^[0-9+()./ \-]{3,40}$")]


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
Quantity = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]


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
