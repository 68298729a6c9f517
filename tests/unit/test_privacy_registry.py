"""Every table's personal data is declared, and every feature's part is registered: a new
table or attribute that nobody erases or exports fails here (GDPR)."""

from __future__ import annotations

import re

import pytest

from chalicelib import privacy as privacy_feature  # noqa: F401 (registers every feature's part)
from chalicelib.kernel import privacy
from chalicelib.kernel.models import BaseTable
from chalicelib.tables import ALL_TABLES

pytestmark = pytest.mark.unit

#: words of an attribute name that suggest personal data (names, contact, free text, traces)
PERSONAL_WORDS = {
    "email", "mail", "name", "surname", "phone", "mobile", "address", "line", "street",
    "city", "postcode", "zip", "postal", "region", "country", "company", "birth", "gender",
    "text", "note", "comment", "message", "body", "detail", "data", "payload", "response",
    "preferences", "login", "ip", "agent", "user", "hint", "iban", "vat", "tax", "token",
}  # fmt: skip
#: id, hash and bookkeeping words that make a name not personal even with one of the above
NEUTRAL = re.compile(r"(^|_)(id|ids|hash|at|count|status|kind|key_hash|message_id|template)$")


def looks_personal(attribute: str) -> bool:
    if NEUTRAL.search(attribute) or attribute in ("token_hash", "ses_message_id", "namespace"):
        return False
    words = attribute.split("_")
    return any(w in PERSONAL_WORDS or w.rstrip("s") in PERSONAL_WORDS for w in words)


def attributes(model: type[BaseTable]) -> list[str]:
    return sorted(model.get_attributes())


@pytest.mark.parametrize("model", ALL_TABLES, ids=lambda m: m.TABLE_SUFFIX)
def test_personal_looking_attributes_are_declared(model: type[BaseTable]) -> None:
    exempt = privacy.exempt(model)
    undeclared = [
        a for a in attributes(model) if looks_personal(a) and a not in model.PERSONAL and a not in exempt
    ]
    assert undeclared == [], (
        f"{model.__name__}: declare {undeclared} in PERSONAL, or privacy.not_personal(...) with a reason"
    )


@pytest.mark.parametrize("model", ALL_TABLES, ids=lambda m: m.TABLE_SUFFIX)
def test_declarations_name_real_attributes(model: type[BaseTable]) -> None:
    names = set(attributes(model))
    assert set(model.PERSONAL) <= names
    assert model.CUSTOMER_KEY is None or model.CUSTOMER_KEY in names


@pytest.mark.parametrize("model", ALL_TABLES, ids=lambda m: m.TABLE_SUFFIX)
def test_every_table_with_personal_data_or_a_customer_is_covered(model: type[BaseTable]) -> None:
    handlers = privacy.covering(model)
    if model.PERSONAL or model.CUSTOMER_KEY:
        assert handlers, f"{model.__name__}: no feature registered its erasure and export (kernel.privacy)"
    if model.CUSTOMER_KEY:
        assert any(h.export for h in handlers), f"{model.__name__}: a customer's items must be exported"
        assert any(h.erase or h.kept for h in handlers), f"{model.__name__}: erased, or kept and why"
    elif model.PERSONAL:  # no customer key: an eraser finds them otherwise, or they expire
        erased = any(h.erase for h in handlers)  # e.g. ERP contacts, by the erased address
        assert erased or any(h.expires for h in handlers), f"{model.__name__}: personal, no customer key"
        assert erased or model.TTL_ATTRIBUTE, f"{model.__name__}: says it expires, but has no TTL"


def test_registered_parts_cover_only_known_tables() -> None:
    for handler in privacy.handlers():
        assert set(handler.tables) <= set(ALL_TABLES), handler.name


def test_the_check_catches_an_undeclared_personal_attribute() -> None:
    """The heuristic itself: a new table with an undeclared phone fails."""
    from pynamodb.attributes import UnicodeAttribute

    class Careless(BaseTable):
        TABLE_SUFFIX = "careless"

        class Meta:
            table_name = "unconfigured"

        customer_id = UnicodeAttribute(hash_key=True)
        billing_phone = UnicodeAttribute()
        street_line = UnicodeAttribute()

    try:
        with pytest.raises(AssertionError):
            test_personal_looking_attributes_are_declared(Careless)
        Careless.PERSONAL, Careless.CUSTOMER_KEY = ("billing_phone", "street_line"), "customer_id"
        test_personal_looking_attributes_are_declared(Careless)
        with pytest.raises(AssertionError, match="no feature registered"):
            test_every_table_with_personal_data_or_a_customer_is_covered(Careless)
    finally:
        BaseTable.registered.remove(Careless)


def test_the_reapply_command_draws_a_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.cli import progress_bar

    for done in (1, 2, 4):
        progress_bar(done, 4, width=8)
    err = capsys.readouterr().err
    assert err == "\r[##......] 1/4 25%\r[####....] 2/4 50%\r[########] 4/4 100%\n"
    progress_bar(0, 0, width=4)  # a total of 0 divides by nothing
    assert capsys.readouterr().err == "\r[....] 0/1 0%"
