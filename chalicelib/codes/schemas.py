"""Request bodies of sign-in by emailed code."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints, model_validator

from chalicelib.kernel.schemas import Body, Email, Locale, Secret

#: six digits; spaces a customer types (``123 456``) are taken out first
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]
#: the emailed link's token: ``<64 hex of the address's key>.<secret>``
LinkToken = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}\.[A-Za-z0-9_\-]{16,128}$")]


class CodeRequestIn(Body):
    email: Email
    locale: Locale | None = None  # the email's language when the address has no account yet


class CodeVerifyIn(Body):
    """The typed code (``email`` + ``code``), or the link (``link`` + ``device``)."""

    email: Email | None = None
    code: Code | None = None
    link: LinkToken | None = None
    device: Secret | None = None

    @model_validator(mode="before")
    @classmethod
    def _unspaced(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            return {**data, "code": data["code"].replace(" ", "")}
        return data

    @model_validator(mode="after")
    def _one_way(self) -> CodeVerifyIn:
        if self.link is not None:
            if self.device is None:
                raise ValueError("a link is verified with the device value its request answered")
        elif self.email is None or self.code is None:
            raise ValueError("send email and code, or link and device")
        return self
