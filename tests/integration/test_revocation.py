"""Revocation at once on every route (SPEC §4): after sign-out, a password reset or change,
or a status change, no route returns data to an older access token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.kernel.bootstrap import Container
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, last_mail, staff_headers, token_from
from tests.support import STRONG_PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def _reads(api: Api, container: Container, pair: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Every portal read, with data behind it."""
    token, customer_id = pair["access_token"], pair["customer_id"]
    staff = {"Content-Type": "application/json", **staff_headers(container, "erp")}
    order = {"document_id": "SO-1", "type": "order", "status": "open", "date": "2026-11-01"}
    order["lines"] = [{"line_id": "1", "name": "Tea"}]
    api.client.http.post(f"/admin/customers/{customer_id}/documents", headers=staff, body=json.dumps(order))
    api.call("POST", "/me/addresses", {"line1": "1 rue", "city": "Paris", "country": "FR"}, token=token)
    api.call("PUT", "/me/wishlist/TEA", {}, token=token)
    api.call("POST", "/me/payment-methods", {"provider": "stripe", "token_ref": "pm_1"}, token=token)
    list_id = api.call("POST", "/me/lists", {"name": "Office"}, token=token).json_body["list_id"]
    return [
        ("GET", "/me", None),
        ("GET", "/me/addresses", None),
        ("GET", "/me/documents", None),
        ("GET", "/me/documents/SO-1", None),
        ("POST", "/me/orders/SO-1/reorder", {"line_ids": ["1"]}),
        ("GET", "/me/payment-methods", None),
        ("GET", "/me/activity", None),
        ("GET", "/me/wishlist", None),
        ("GET", "/me/lists", None),
        ("GET", f"/me/lists/{list_id}", None),
        ("POST", f"/me/lists/{list_id}/cart", None),
    ]


def _sign_out(api: Api, container: Container, pair: dict[str, Any]) -> None:
    assert api.call("DELETE", "/sessions/current", token=pair["access_token"]).status_code == 204


def _reset_by_link(api: Api, container: Container, pair: dict[str, Any]) -> None:
    api.call("POST", "/password/forgot", {"email": "ada@example.com"})
    token = token_from(last_mail("ada@example.com").link("/password/reset"))
    assert api.call("POST", "/password/reset", {"token": token, "password": NEW_PASSWORD}).status_code == 200


def _change_elsewhere(api: Api, container: Container, pair: dict[str, Any]) -> None:
    other = api.sign_in("ada@example.com").json_body["access_token"]
    body = {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}
    assert api.call("POST", "/me/password", body, token=other).status_code == 200


def _blocked_by_staff(api: Api, container: Container, pair: dict[str, Any]) -> None:
    path = f"/admin/customers/{pair['customer_id']}/status"
    blocked = api.call("PUT", path, {"status": "blocked"}, **staff_headers(container, "support"))
    assert blocked.status_code == 200


def _refresh_token_replayed(api: Api, container: Container, pair: dict[str, Any]) -> None:
    api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]})
    api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]})  # a stolen copy


@pytest.mark.parametrize(
    "revoke", [_sign_out, _reset_by_link, _change_elsewhere, _blocked_by_staff, _refresh_token_replayed]
)
def test_no_portal_read_answers_an_older_access_token(
    api: Api, configure: Callable[..., Container], revoke: Callable[[Api, Container, dict[str, Any]], None]
) -> None:
    container = configure(B2B_LISTS=True)
    pair = api.verified_account("ada@example.com")
    reads = _reads(api, container, pair)
    for method, path, body in reads:
        answer = api.call(method, path, body, token=pair["access_token"])
        assert answer.status_code == 200, (path, answer.body)
    revoke(api, container, pair)
    for method, path, body in reads:
        answer = api.call(method, path, body, token=pair["access_token"])
        assert answer.status_code == 401, (revoke.__name__, path, answer.status_code)
        assert answer.json_body["error"]["code"] == "not_authenticated"


def test_a_signed_out_session_ends_alone(api: Api) -> None:
    first = api.verified_account("ada@example.com")
    second = api.sign_in("ada@example.com").json_body
    api.call("DELETE", "/sessions/current", token=first["access_token"])
    assert api.call("GET", "/me/addresses", token=first["access_token"]).status_code == 401
    assert api.call("GET", "/me/addresses", token=second["access_token"]).status_code == 200


def test_a_portal_read_makes_two_calls_and_get_me_one(api: Api, aws_hooks: Hooks) -> None:
    pair = api.verified_account("ada@example.com")
    aws_hooks.calls.clear()
    assert api.call("GET", "/me", token=pair["access_token"]).status_code == 200
    assert aws_hooks.operations() == ["TransactGetItems"]  # the session and the customer
    aws_hooks.calls.clear()
    assert api.call("GET", "/me/addresses", token=pair["access_token"]).status_code == 200
    assert aws_hooks.operations() == ["TransactGetItems", "Query"]
