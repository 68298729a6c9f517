"""Storefront server keys (SPEC §4, who may call what): checkout and the hand-off exchange
answer only a storefront's server, identified by ``X-Storefront-Key``."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.identity import staff_keys, storefront_keys
from chalicelib.identity.models import Customer, StaffKey
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.errors import ValidationFailed
from chalicelib.kernel.security import sha256_hex
from tests.integration.conftest import Api, staff_headers

CHECKOUT = {"email": "gus@example.com", "name": "Gus"}


def _code(answer: Any) -> tuple[int, str]:
    return answer.status_code, answer.json_body["error"]["code"]


def test_guest_checkout_without_a_storefront_key_is_refused_and_creates_nothing(api: Api) -> None:
    assert _code(api.call("POST", "/guests", CHECKOUT)) == (401, "storefront_key_required")
    blank = api.call("POST", "/guests", CHECKOUT, **{"X-Storefront-Key": " "})
    assert _code(blank) == (401, "storefront_key_required")
    wrong = api.call("POST", "/guests", CHECKOUT, **{"X-Storefront-Key": "sfk_not-a-key-of-ours-at-all"})
    assert _code(wrong) == (401, "invalid_storefront_key")
    assert Customer.count() == 0
    assert api.storefront("POST", "/guests", CHECKOUT).status_code == 201
    assert Customer.count() == 1


def test_a_revoked_storefront_key_is_refused_at_once(api: Api, container: Container) -> None:
    key, secret = storefront_keys.create(container, "old shop")
    headers = {"X-Storefront-Key": secret}
    assert api.call("POST", "/guests", CHECKOUT, **headers).status_code == 201
    storefront_keys.revoke(container, key.key_id)
    assert _code(api.call("POST", "/guests", CHECKOUT, **headers)) == (401, "invalid_storefront_key")


def test_a_staff_key_is_not_a_storefront_key(api: Api, container: Container) -> None:
    _, staff_secret = staff_keys.create(container, "erp")
    as_storefront = api.call("POST", "/guests", CHECKOUT, **{"X-Storefront-Key": staff_secret})
    assert _code(as_storefront) == (401, "invalid_storefront_key")
    as_bearer = api.call("POST", "/guests", CHECKOUT, token=staff_secret)
    assert _code(as_bearer) == (401, "storefront_key_required")
    assert Customer.count() == 0


def test_a_storefront_key_does_not_open_the_admin_routes(api: Api) -> None:
    guest_id = api.storefront("POST", "/guests", CHECKOUT).json_body["customer_id"]
    assert api.call("GET", f"/admin/customers/{guest_id}", token=api.storefront_key).status_code == 403


def test_a_customer_token_is_not_a_storefront_key(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    answer = api.call("POST", "/guests", CHECKOUT, **{"X-Storefront-Key": pair["access_token"]})
    assert _code(answer) == (401, "invalid_storefront_key")


def test_storefront_keys_are_hashed_and_listed_apart_from_staff_keys(container: Container) -> None:
    shop, secret = storefront_keys.create(container, "www")
    staff, _ = staff_keys.create(container, "support")
    assert secret.startswith("sfk_")
    stored = StaffKey.get(sha256_hex(secret))
    assert secret not in str(stored.attribute_values) and stored.kind == "storefront"
    assert [k.key_id for k in storefront_keys.list_keys(container)] == [shop.key_id]
    assert [k.key_id for k in staff_keys.list_keys(container)] == [staff.key_id]
    with pytest.raises(Exception, match="No storefront key"):
        storefront_keys.revoke(container, staff.key_id)  # a staff key is not revoked from here


def test_one_secret_cannot_be_both_kinds(container: Container) -> None:
    secret = "local-secret-0123456789"
    staff_keys.create(container, "local-dev", secret)
    with pytest.raises(ValidationFailed):
        storefront_keys.create(container, "local-storefront", secret)
    assert storefront_keys.create(container, "again", "another-local-secret-0123")[0].kind == "storefront"


def test_staff_routes_still_take_staff_keys(api: Api, container: Container) -> None:
    guest_id = api.storefront("POST", "/guests", CHECKOUT).json_body["customer_id"]
    answer = api.client.http.get(f"/admin/customers/{guest_id}", headers=staff_headers(container))
    assert answer.status_code == 200
