"""One row of an import file: its columns matched by header name, its values validated on
their own (the file as a whole only adds the duplicate check, in ``passes``).

Header names are matched case-insensitively, spaces, hyphens and underscores alike
(``Address Line 1`` is ``address_line1``); ``docs/import-template.csv`` shows them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import ValidationError

from chalicelib import identity
from chalicelib.kernel.i18n import negotiate
from chalicelib.kernel.schemas import Locale, Name, Phone, normalize_email
from chalicelib.portal import AddressBookIn

COLUMNS = (
    "email", "name", "first_name", "last_name", "locale", "phone", "newsletter", "action",
    "password_hash", "company", "address_line1", "address_line2", "postal_code", "city",
    "region", "country",
)  # fmt: skip
ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "language": "locale",
    "zip": "postal_code",
    "zip_code": "postal_code",
    "postcode": "postal_code",
    "street": "address_line1",
    "address_line_1": "address_line1",
    "address_line_2": "address_line2",
    "address1": "address_line1",
    "address2": "address_line2",
    "state": "region",
    "newsletter_opt_in": "newsletter",
}
ADDRESS = {
    "company": "company",
    "address_line1": "line1",
    "address_line2": "line2",
    "postal_code": "postal_code",
    "city": "city",
    "region": "region",
    "country": "country",
}
TRUE, FALSE = {"1", "yes", "true", "y", "x", "oui"}, {"", "0", "no", "false", "n", "non"}
MAX_CELL = 1000
#: ISO 3166-1 alpha-2
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: headers that announce plaintext passwords: such a file is refused whole (and deleted)
PLAINTEXT = frozenset({"password", "plain_password", "passwd", "pwd", "mot_de_passe", "kennwort", "passwort"})


def column_name(header: Any) -> str:
    name = re.sub(r"[\s\-_]+", "_", str(header or "").strip().lower())
    return ALIASES.get(name, name)


@dataclass
class Columns:
    """Which position holds which known column; unknown headers are ignored (and reported)."""

    positions: dict[str, int]
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def match(cls, header: list[Any]) -> Columns:
        positions: dict[str, int] = {}
        ignored: list[str] = []
        for i, raw in enumerate(header):
            name = column_name(raw)
            if name in COLUMNS and name not in positions:
                positions[name] = i
            elif str(raw or "").strip():
                ignored.append(str(raw).strip()[:60])
        return cls(positions, ignored[:50])

    def known(self) -> list[str]:
        return sorted(self.positions, key=self.positions.__getitem__)

    def plaintext(self) -> bool:
        """Does a header announce plaintext passwords?"""
        return bool(PLAINTEXT & {column_name(h) for h in self.ignored})

    def problem(self) -> str | None:
        if "email" not in self.positions:
            return "the header has no email column"
        if "name" not in self.positions and "first_name" not in self.positions:
            return "the header has no name column (name, or first_name and last_name)"
        return None

    def values(self, cells: list[Any]) -> dict[str, str]:
        out = {}
        for name, i in self.positions.items():
            value = cells[i] if i < len(cells) else None
            out[name] = _unquote(str(value).strip()) if value is not None else ""
        return out


def _unquote(value: str) -> str:
    """A cell our error file protected from formula injection ('=...) reads as it was."""
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_START and len(value) > 1 else value


class RowError(Exception):
    def __init__(self, field_name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field_name, code, message


@dataclass
class Candidate:
    """A row whose values are valid on their own."""

    email: str
    name: str
    locale: str | None  # None: not in the row (a new customer gets the website's default)
    phone: str | None
    newsletter: bool | None
    update: bool
    password_hash: str | None
    address: AddressBookIn | None


def email_of(values: dict[str, str]) -> str:
    """The row's normalised email, or ``RowError``."""
    raw = values.get("email", "")
    if not raw:
        raise RowError("email", "required", "the email is missing")
    try:
        return normalize_email(raw)
    except ValueError as e:
        raise RowError("email", "invalid_email", str(e)) from e


def validate(values: dict[str, str], email: str, default_locale: str) -> Candidate:
    """The row's values checked one by one; the first wrong one is its ``RowError``."""
    if any(len(v) > MAX_CELL for v in values.values()):
        name = next(k for k, v in values.items() if len(v) > MAX_CELL)
        raise RowError(name, "too_long", f"at most {MAX_CELL} characters")
    name = values.get("name") or " ".join(x for x in (values.get("first_name"), values.get("last_name")) if x)
    name = _typed(Name, name, "name", "invalid_name", "the name is missing or not one line of text")
    locale = values.get("locale") or None
    if locale:
        locale = negotiate(
            [_typed(Locale, locale, "locale", "invalid_locale", "not a language tag")], default_locale
        )
    phone = values.get("phone") or None
    if phone:
        phone = _typed(Phone, phone, "phone", "invalid_phone", "not a phone number")
    newsletter = values.get("newsletter", "").lower()
    if newsletter not in TRUE | FALSE:
        raise RowError("newsletter", "invalid_newsletter", "use yes or no")
    action = values.get("action", "").lower() or "create"
    if action not in ("create", "update"):
        raise RowError("action", "invalid_action", "use create or update")
    password_hash = values.get("password_hash") or None
    if password_hash and (why := identity.legacy_hashes.problem(password_hash)):
        raise RowError("password_hash", "unsupported_hash", why)
    return Candidate(
        email, name, locale, phone, (newsletter in TRUE) if newsletter else None, action == "update",
        password_hash, _address(values, name),
    )  # fmt: skip


@cache
def _adapter(kind: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(kind)


def _typed(kind: Any, value: str, field_name: str, code: str, message: str) -> Any:
    try:
        return _adapter(kind).validate_python(value)
    except ValidationError as e:
        raise RowError(field_name, code, message) from e


def _address(values: dict[str, str], name: str) -> AddressBookIn | None:
    given = {ADDRESS[k]: v for k, v in values.items() if k in ADDRESS and v}
    if not given:
        return None
    if "country" in given:
        given["country"] = given["country"].upper()
        if given["country"] not in COUNTRIES:
            raise RowError("country", "invalid_country", "not an ISO 3166 country code (FR, DE, US...)")
    for needed, column in (("line1", "address_line1"), ("city", "city"), ("country", "country")):
        if needed not in given:
            raise RowError(column, "incomplete_address", f"an address needs {column}")
    try:
        return AddressBookIn.model_validate({**given, "name": name})
    except ValidationError as e:
        where = str(e.errors()[0]["loc"][0]) if e.errors() else "address"
        column = next((k for k, v in ADDRESS.items() if v == where), where)
        raise RowError(column, "invalid_address", "this address field is not valid") from e
