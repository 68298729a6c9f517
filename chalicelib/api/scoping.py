"""Staff key scopes on ``/admin``: each route declares the scope it needs, one check enforces it.

``declare`` records a route's scope (``api.admin.staff_route`` calls it); the HTTP middleware
calls ``refusal`` on every ``/admin`` request, before the view runs: a route that declared no
scope is refused whatever the key (fail closed), and so is a key without the scope. The
authorizer hands the key's scopes to the request (``requestContext.authorizer.scopes``).
"""

from __future__ import annotations

from chalice.app import Request

from chalicelib.identity.scopes import STAFF_SCOPES
from chalicelib.kernel.errors import InsufficientScope

ADMIN_PREFIX = "/admin"
#: (resource path, method) -> the scope the route needs
ROUTE_SCOPES: dict[tuple[str, str], str] = {}


def declare(path: str, methods: list[str], scope: str) -> None:
    if scope not in STAFF_SCOPES:
        raise ValueError(f"unknown scope {scope!r} for {path}")
    for method in methods:
        ROUTE_SCOPES[(path, method.upper())] = scope


def authorizer_context(key_id: str, name: str, scopes: frozenset[str]) -> dict[str, str]:
    """What the authorizer hands the request (API Gateway context values are strings)."""
    return {"staff_key": key_id, "staff_name": name, "scopes": " ".join(sorted(scopes))}


def refusal(request: Request) -> InsufficientScope | None:
    """Why this ``/admin`` request must be refused, if it must; None for any other path."""
    context = request.context or {}
    path = str(context.get("resourcePath") or "")
    if not path.startswith(ADMIN_PREFIX):
        return None
    needed = ROUTE_SCOPES.get((path, str(request.method).upper()))
    if needed is None:
        return InsufficientScope("This staff route declares no scope: it is refused to every key.")
    held = str((context.get("authorizer") or {}).get("scopes") or "").split()
    if needed not in held:
        return InsufficientScope(f"This staff key does not carry the scope {needed}.")
    return None
