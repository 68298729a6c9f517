"""Request bodies of invitations."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chalicelib.kernel.schemas import Body, Password, Secret


class InvitationsIn(Body):
    """Rows are validated one by one by the job, so one bad row does not refuse the rest."""

    customers: list[Any] = Field(min_length=1, max_length=1000)


class AcceptIn(Body):
    token: Secret
    password: Password
