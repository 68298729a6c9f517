"""Every /admin route declares the scope it needs: fail closed, checked over the whole app."""

from __future__ import annotations

from app import app
from chalicelib.api.scoping import ROUTE_SCOPES
from chalicelib.identity.scopes import STAFF_SCOPES, carried, chosen


def admin_routes() -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, methods in app.routes.items()
        if path.startswith("/admin")
        for method in methods
    }


def test_every_admin_route_of_the_app_declares_a_scope() -> None:
    routes = admin_routes()
    assert routes, "no /admin route found"
    undeclared = sorted(r for r in routes if r not in ROUTE_SCOPES)
    assert not undeclared, f"/admin routes without a scope (refused to every key): {undeclared}"
    assert {ROUTE_SCOPES[r] for r in routes} <= set(STAFF_SCOPES)


def test_every_admin_route_is_behind_the_staff_key_authorizer() -> None:
    for path, methods in app.routes.items():
        if path.startswith("/admin"):
            for method, entry in methods.items():
                assert entry.authorizer is not None and entry.authorizer.name == "staff_key", (path, method)


def test_scopes_come_from_the_one_list() -> None:
    assert chosen(["all"]) == frozenset(STAFF_SCOPES)
    assert carried(None) == frozenset(STAFF_SCOPES)  # a key made before scopes
    assert carried({"customers:read", "retired"}) == {"customers:read"}
