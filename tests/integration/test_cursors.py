"""Cursors are sealed: a caller can neither tamper with one, craft one, nor carry one from
one customer's listing to another's (SPEC §4, listings)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from chalicelib.kernel.bootstrap import Container
from tests.integration.conftest import Api, staff_headers


def _documents(api: Api, container: Container, customer_id: str, count: int) -> None:
    staff = {"Content-Type": "application/json", **staff_headers(container, f"erp-{customer_id}")}
    for i in range(count):
        doc = {"document_id": f"SO-{i}", "type": "order", "status": "open", "date": f"2026-01-{i + 10}"}
        path = f"/admin/customers/{customer_id}/documents"
        assert api.client.http.post(path, headers=staff, body=json.dumps(doc)).status_code == 200


def _unsealed(key: dict[str, Any]) -> str:
    """A cursor as they were before: the start key, base64-encoded JSON."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _refused(answer: Any) -> bool:
    return bool(answer.status_code == 400 and answer.json_body["error"]["code"] == "bad_request")


@pytest.fixture
def ada(api: Api, container: Container) -> dict[str, Any]:
    pair = api.verified_account("ada@example.com")
    _documents(api, container, pair["customer_id"], 3)
    return pair


def test_a_cursor_from_a_real_listing_pages_on(api: Api, ada: dict[str, Any]) -> None:
    first = api.call("GET", "/me/documents?limit=2", token=ada["access_token"]).json_body
    second = api.call(
        "GET", f"/me/documents?limit=2&cursor={first['next_cursor']}", token=ada["access_token"]
    )
    assert [d["document_id"] for d in second.json_body["documents"]] == ["SO-0"]


def test_a_tampered_cursor_is_refused(api: Api, ada: dict[str, Any]) -> None:
    cursor = api.call("GET", "/me/documents?limit=1", token=ada["access_token"]).json_body["next_cursor"]
    for i in range(len(cursor)):
        if cursor[i] == ".":
            continue
        tampered = cursor[:i] + ("A" if cursor[i] != "A" else "B") + cursor[i + 1 :]
        answer = api.call("GET", f"/me/documents?limit=1&cursor={tampered}", token=ada["access_token"])
        assert _refused(answer), (i, answer.status_code)


def test_a_crafted_cursor_is_refused(api: Api, container: Container, ada: dict[str, Any]) -> None:
    bob = api.verified_account("bob@example.com")
    _documents(api, container, bob["customer_id"], 1)
    for owner in (ada["customer_id"], bob["customer_id"]):  # a start key of one's own making, or another's
        key = {
            "customer_id": {"S": owner},
            "document_id": {"S": "SO-2"},
            "date_key": {"S": "2026-01-12#SO-2"},
        }
        answer = api.call("GET", f"/me/documents?cursor={_unsealed(key)}", token=ada["access_token"])
        assert _refused(answer), (owner, answer.status_code, answer.body)
    activity = {"customer_id": {"S": ada["customer_id"]}, "at": {"S": "9999999999999#ffffffff"}}
    answer = api.call("GET", f"/me/activity?cursor={_unsealed(activity)}", token=ada["access_token"])
    assert _refused(answer)


def test_a_cursor_does_not_travel_to_another_customers_listing(api: Api, ada: dict[str, Any]) -> None:
    cursor = api.call("GET", "/me/documents?limit=1", token=ada["access_token"]).json_body["next_cursor"]
    bob = api.verified_account("bob@example.com")
    assert _refused(api.call("GET", f"/me/documents?limit=1&cursor={cursor}", token=bob["access_token"]))
    typed = f"/me/documents?type=order&limit=1&cursor={cursor}"  # nor to another listing of ada's
    assert _refused(api.call("GET", typed, token=ada["access_token"]))
