"""Request bodies of the customer's own erasure."""

from __future__ import annotations

from chalicelib.kernel.schemas import Body, Password


class ErasureIn(Body):
    password: Password
