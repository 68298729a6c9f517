"""Staff key scopes: what each ``/admin`` route needs, and what each key carries.

The one list of scopes. A feature that adds staff routes adds its scope here; every
``/admin`` route declares one (``api.admin``), and a route
that declares none is refused (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable

CUSTOMERS_READ = "customers:read"
CUSTOMERS_WRITE = "customers:write"
DOCUMENTS_WRITE = "documents:write"
INVITATIONS = "invitations"
IMPORT = "import"
GDPR = "gdpr"
COMPANIES = "companies"
ERP = "erp"
WEBHOOKS = "webhooks"

#: every scope a staff key may carry, in the order ``staff-keys list`` shows them
STAFF_SCOPES: tuple[str, ...] = (
    CUSTOMERS_READ,
    CUSTOMERS_WRITE,
    DOCUMENTS_WRITE,
    INVITATIONS,
    IMPORT,
    GDPR,
    COMPANIES,
    ERP,
    WEBHOOKS,
)
ALL = "all"  # ``--scope all``: every scope above


def chosen(names: Iterable[str]) -> frozenset[str]:
    """The scopes named (``all`` stands for every one); an unknown name is a ``ValueError``."""
    picked: set[str] = set()
    for name in names:
        name = name.strip()
        if name == ALL:
            picked.update(STAFF_SCOPES)
        elif name in STAFF_SCOPES:
            picked.add(name)
        else:
            raise ValueError(f"unknown scope {name!r}; scopes: {', '.join(STAFF_SCOPES)} (or {ALL})")
    return frozenset(picked)


def carried(stored: Iterable[str] | None) -> frozenset[str]:
    """A key's scopes. A key made before scopes existed stores none: it keeps every scope
    until it is re-issued (OPERATIONS.md)."""
    if stored is None:
        return frozenset(STAFF_SCOPES)
    return frozenset(s for s in stored if s in STAFF_SCOPES)
