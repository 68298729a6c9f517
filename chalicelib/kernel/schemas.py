"""Request bodies: pydantic models that turn bad input into ``ValidationFailed`` (422)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from chalicelib.kernel.errors import ValidationFailed

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
#: Unicode categories a name never holds: control characters (line breaks, tabs, BEL...),
#: line and paragraph separators, surrogates; and the bidirectional overrides that reorder
#: text as displayed.
REFUSED_IN_NAMES = frozenset({"Cc", "Zl", "Zp", "Cs"})
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain_text(value: str) -> str:
    """One line of text: no control characters, no line breaks, no bidi overrides."""
    import unicodedata

    if any(unicodedata.category(ch) in REFUSED_IN_NAMES or ch in BIDI_CONTROLS for ch in value):
        raise ValueError("must be one line of text, without control characters")
    return value


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(plain_text)
]
Locale = Annotated[str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]
RecordId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,100}$")]  # cus_..., never empty


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_max_length=4096)


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


ExternalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-:.]{1,100}$")]


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


Amount = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]


Phone = Annotated[str, StringConstraints(pattern=r"^[0-9+()./ \-]{3,40}$")]


Quantity = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]


class AddressIn(Body):
    name: Annotated[str, Field(max_length=200)] | None = None
    company: Annotated[str, Field(max_length=200)] | None = None
    line1: Annotated[str, Field(max_length=200)] | None = None
    line2: Annotated[str, Field(max_length=200)] | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    city: Annotated[str, Field(max_length=100)] | None = None
    region: Annotated[str, Field(max_length=100)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
