"""Request bodies of ``/admin/webhooks``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.events.emit import TYPES
from chalicelib.kernel.schemas import Body

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2048)]
EventType = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z_]+)?(\.\*)?$|^\*$", max_length=100)]


def _known(values: list[str]) -> list[str]:
    for value in values:
        known = value == "*" or value in TYPES
        if value.endswith(".*"):
            known = any(t.startswith(value[:-1]) for t in TYPES)
        if not known:
            raise ValueError(
                f"unknown event type {value!r}; known: {', '.join(TYPES)} (or 'customer.*', '*')"
            )
    return sorted(set(values))


class WebhookIn(Body):
    url: Url
    event_types: list[EventType] = Field(min_length=1, max_length=50)

    @field_validator("event_types")
    @classmethod
    def _types(cls, values: list[str]) -> list[str]:
        return _known(values)


class WebhookPatch(Body):
    url: Url | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=50)
    status: Literal["active", "disabled"] | None = None

    @field_validator("event_types")
    @classmethod
    def _types(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _known(values)
