"""Request bodies of the back office."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StrictBool, StringConstraints

from chalicelib.kernel.schemas import Body, Email, Locale, Name, Phone

PreferenceKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
PreferenceValue = Annotated[str, Field(max_length=200)] | StrictBool | None
MAX_NOTE = 4000


def _note_text(value: str) -> str:
    """Lines of text: no control characters other than line breaks and tabs."""
    import unicodedata

    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise ValueError("must be text without control characters")
    return value


class CustomerIn(Body):
    email: Email
    name: Name
    locale: Locale | None = None
    phone: Phone | None = None
    invite: StrictBool = False


class CustomerPatchIn(Body):
    """What staff may change; the email is the customer's own to change (422 here)."""

    model_config = ConfigDict(extra="forbid", str_max_length=4096)

    name: Name | None = None
    phone: Phone | None = None
    locale: Locale | None = None
    preferences: Annotated[dict[PreferenceKey, PreferenceValue], Field(max_length=20)] | None = None


class NoteIn(Body):
    model_config = ConfigDict(extra="ignore", str_max_length=MAX_NOTE)

    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTE),
        AfterValidator(_note_text),
    ]
