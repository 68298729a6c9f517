"""The one table of sign-in by emailed code: one item per address and window."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.kernel.models import BaseTable, ExpiryIndex


class SignInCode(BaseTable):
    """The live code of one address, and the limits of its window.

    Keyed by an HMAC of the address's login key (key derived from the stage secret): the
    table holds no address. Written for every address a code is asked for, known or not,
    so an unknown address meets the same limits; only an address allowed to sign in holds
    a usable code (``code_hash``). A resend replaces the code and keeps ``tries`` and
    ``sends``: the window (``window_ends``, an hour from its first code) bounds both.
    """

    TABLE_SUFFIX = "sign-in-codes"
    SHARED_IN_POOL = True  # one live code per address of the pool
    TTL_ATTRIBUTE = "expires_at"
    # keyed per address, not per customer: ``customer_id`` only points at whom a code signs in
    PERSONAL = ("email",)  # only beside a usable code, removed when it is used

    class Meta:
        table_name = "unconfigured"

    code_key = UnicodeAttribute(hash_key=True)
    # who the code signs in: an account ("active" or "invited", its epoch and version at
    # sending), a new account ("new": SIGNUP_MODE=free with codes only), or no one (absent)
    target = UnicodeAttribute(null=True)
    customer_id = UnicodeAttribute(null=True)
    epoch = NumberAttribute(null=True)
    customer_version = NumberAttribute(null=True)
    invitation_id = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)  # beside a usable code: whom it signs in (the link has no address)
    code_hash = UnicodeAttribute(null=True)  # HMAC of the 6 digits; removed when used
    link_hash = UnicodeAttribute(null=True)  # HMAC of the link's secret
    device_hash = UnicodeAttribute(null=True)  # HMAC of the requester's device nonce
    code_expires_at = NumberAttribute(null=True)
    tries = NumberAttribute(default=0)  # wrong (or pending) tries in this window
    sends = NumberAttribute(default=0)  # codes sent in this window
    last_sent_at = NumberAttribute(default=0)
    window_ends = NumberAttribute()
    expires_at = NumberAttribute()  # = window_ends; reads check the window, not TTL
    expiry_bucket = UnicodeAttribute(null=True)

    expiry_index = ExpiryIndex()  # the hourly cleanup's way to the ended windows
