"""Request bodies: pydantic models that turn bad input into ``ValidationFailed`` (422)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from chalicelib.kernel.errors import ValidationFailed
from chalicelib.kernel.i18n import Problem, describe

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
        raise PydanticCustomError("email", "not a valid email address") from e
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
        raise PydanticCustomError("one_line", "must be one line of text, without control characters")
    return value


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(plain_text)
]
LOCALE_PATTERN = r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"
RECORD_ID_PATTERN = r"^[A-Za-z0-9_\-]{1,100}$"
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9_\-:.]{1,100}$"
PHONE_PATTERN = r"^[0-9+()./ \-]{3,40}$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
Locale = Annotated[str, Field(min_length=2, max_length=35, pattern=LOCALE_PATTERN)]
RecordId = Annotated[str, StringConstraints(pattern=RECORD_ID_PATTERN)]  # cus_..., never empty


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_max_length=4096)


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` against ``model``; a 422 lists each wrong field, never its value,
    in words the caller's language has (``problems``, translated at the HTTP boundary)."""
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = [_problem(err) for err in e.errors(include_input=False)]
        message, fields = describe(problems, "en")
        raise ValidationFailed(message, fields=fields, problems=problems) from e


#: pattern of a field type -> the message that explains it
PATTERN_MESSAGES = {
    COUNTRY_PATTERN: "validation.country",
    PHONE_PATTERN: "validation.phone",
    LOCALE_PATTERN: "validation.locale",
    RECORD_ID_PATTERN: "validation.identifier",
    EXTERNAL_ID_PATTERN: "validation.identifier",
    r"^[A-Z]{3}$": "validation.currency",
    r"^[0-9]{4}$": "validation.last4",
    r"^[a-z][a-z0-9_]{0,39}$": "validation.code",
    r"^[a-z][a-z0-9_\-]{1,39}$": "validation.code",
}
#: pydantic error type -> message id (with the error's context as values)
ERROR_MESSAGES = {
    "missing": "validation.missing",
    "string_type": "validation.text",
    "string_too_short": "validation.too_short",
    "string_too_long": "validation.too_long",
    "too_short": "validation.too_few",
    "too_long": "validation.too_many",
    "int_parsing": "validation.integer",
    "int_type": "validation.integer",
    "int_from_float": "validation.integer",
    "float_parsing": "validation.number",
    "float_type": "validation.number",
    "finite_number": "validation.number",
    "bool_parsing": "validation.boolean",
    "bool_type": "validation.boolean",
    "greater_than": "validation.greater_than",
    "greater_than_equal": "validation.at_least",
    "less_than": "validation.less_than",
    "less_than_equal": "validation.at_most",
    "literal_error": "validation.choice",
    "enum": "validation.choice",
    "dict_type": "validation.object",
    "model_type": "validation.object",
    "model_attributes_type": "validation.object",
    "list_type": "validation.list",
    "tuple_type": "validation.list",
    "email": "validation.email",
    "one_line": "validation.one_line",
    "value_error": "validation.value",
    "extra_forbidden": "validation.unexpected",
}
#: a limit in the error's context -> the message's value (``count`` chooses the plural)
LIMITS = {"min_length": "count", "max_length": "count"} | dict.fromkeys(("gt", "ge", "lt", "le"), "limit")


def _problem(err: Any) -> Problem:
    field = ".".join(str(p) for p in err["loc"]) or "body"
    kind, ctx = str(err["type"]), dict(err.get("ctx") or {})
    if kind == "string_pattern_mismatch":
        return field, PATTERN_MESSAGES.get(str(ctx.get("pattern")), "validation.pattern"), {}
    if kind.startswith(("date_", "datetime_")):
        return field, f"validation.{kind.split('_')[0]}", {}
    values: dict[str, Any] = {"detail": str(err["msg"]).removeprefix("Value error, ")}
    if "expected" in ctx:
        values["expected"] = str(ctx["expected"])
    for name, value in ctx.items():
        if name in LIMITS and isinstance(value, (int, float)):
            values[LIMITS[name]] = int(value) if float(value).is_integer() else value
    return field, ERROR_MESSAGES.get(kind, "validation.invalid"), values


ExternalId = Annotated[str, StringConstraints(pattern=EXTERNAL_ID_PATTERN)]


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


Amount = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]


Phone = Annotated[str, StringConstraints(pattern=PHONE_PATTERN)]


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


#: ISO 3166-1 alpha-2, any case in (``gb``), upper case out (``GB``)
Country = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=COUNTRY_PATTERN)]


Quantity = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]


class AddressIn(Body):
    name: Annotated[str, Field(max_length=200)] | None = None
    company: Annotated[str, Field(max_length=200)] | None = None
    line1: Annotated[str, Field(max_length=200)] | None = None
    line2: Annotated[str, Field(max_length=200)] | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    city: Annotated[str, Field(max_length=100)] | None = None
    region: Annotated[str, Field(max_length=100)] | None = None
    country: Country | None = None
