"""Codes' part of GDPR erasure (``kernel.privacy``): an item is keyed by an HMAC of the
address and names no customer of its own; the address sits beside a usable code only, removed
when the code is used, and the item leaves with its window (an hour; the hourly cleanup
deletes ended windows). An erasure ends the customer's sessions, which kills a code already
in the mailbox (a code is bound to the session epoch it was sent for)."""

from __future__ import annotations

from chalicelib.codes.models import SignInCode
from chalicelib.kernel import privacy

privacy.register(
    "sign_in_codes",
    SignInCode,
    expires="the address beside a usable code is removed when it is used; the window ends within an hour",
)
