"""Storefront keys over real HTTP: made, listed and revoked with the project command against
the local stage, and required by checkout and the hand-off exchange."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from devtools.local_setup import local_environ
from tests.e2e.helpers import Api, LocalService, document, new_address

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _error(answer: requests.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def _cli(service: LocalService, *args: str) -> str:
    """``python -m chalicelib.cli --stage local ...`` against the session's moto server."""
    aws_port = int(service.aws_url.rsplit(":", 1)[1])
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "--stage", "local", *args],
        cwd=ROOT,
        env=local_environ(dict(os.environ), aws_port),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


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
    made = json.loads(_cli(local_service, "storefront-keys", "create", "--name", name))
    assert made["secret"].startswith("sfk_") and made["name"] == name
    listed = _cli(local_service, "storefront-keys", "list")
    assert made["key_id"] in listed and made["secret"] not in listed
    assert made["key_id"] not in _cli(local_service, "staff-keys", "list")

    body: dict[str, Any] = {"email": new_address("gus"), "name": "Gus"}
    key = {"X-Storefront-Key": made["secret"]}
    assert api.call("POST", "/guests", body, **key).status_code == 201
    assert f"revoked {made['key_id']}" in _cli(local_service, "storefront-keys", "revoke", made["key_id"])
    assert _error(api.call("POST", "/guests", body, **key)) == (401, "invalid_storefront_key")  # at once
    [line] = [
        row for row in _cli(local_service, "storefront-keys", "list").splitlines() if made["key_id"] in row
    ]
    assert "\trevoked 2" in line  # an ISO date, no longer "-"
