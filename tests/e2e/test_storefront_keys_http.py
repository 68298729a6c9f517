"""Storefront keys over real HTTP: made, listed and revoked with the project command against
the local stage, and required by checkout and the hand-off exchange."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.e2e.helpers import Api, LocalService, document, new_address

pytestmark = pytest.mark.e2e


def _error(answer: requests.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def test_checkout_answers_only_a_storefronts_server(api: Api) -> None:
    body: dict[str, Any] = {"email": new_address("gus"), "name": "Gus", "order": document()}
    assert _error(api.call("POST", "/guests", body)) == (401, "storefront_key_required")
    as_staff = api.call("POST", "/guests", body, **{"X-Storefront-Key": api.staff_key})
    assert _error(as_staff) == (401, "invalid_storefront_key")
    assert _error(api.call("POST", "/guests", body, token=api.staff_key)) == (401, "storefront_key_required")
    assert _error(api.call("POST", "/sessions/handoff", {"code": "y" * 43})) == (
        401,
        "storefront_key_required",
    )
    assert api.storefront("POST", "/guests", body).status_code == 201


def test_ops_make_list_and_revoke_storefront_keys_with_the_project_command(
    api: Api, local_service: LocalService
) -> None:
    name = f"shop-{new_address('k').split('@')[0]}"
    made = json.loads(local_service.cli("storefront-keys", "create", "--name", name))
    assert made["secret"].startswith("sfk_") and made["name"] == name
    listed = local_service.cli("storefront-keys", "list")
    assert made["key_id"] in listed and made["secret"] not in listed
    assert made["key_id"] not in local_service.cli("staff-keys", "list")

    body: dict[str, Any] = {"email": new_address("gus"), "name": "Gus"}
    key = {"X-Storefront-Key": made["secret"]}
    assert api.call("POST", "/guests", body, **key).status_code == 201
    assert f"revoked {made['key_id']}" in local_service.cli("storefront-keys", "revoke", made["key_id"])
    assert _error(api.call("POST", "/guests", body, **key)) == (401, "invalid_storefront_key")  # at once
    [line] = [
        row for row in local_service.cli("storefront-keys", "list").splitlines() if made["key_id"] in row
    ]
    assert "\trevoked 2" in line  # an ISO date, no longer "-"
