"""Staff keys, the /admin authorizer, and the first staff routes."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.identity import staff_keys as staff
from chalicelib.identity.models import StaffKey
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.security import sha256_hex
from tests.integration.conftest import Api


def test_staff_read_a_customer_with_a_valid_key(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    _, secret = staff.create(container, "erp")
    answer = api.call("GET", f"/admin/customers/{pair['customer_id']}", token=secret)
    assert answer.status_code == 200
    assert answer.json_body["email"] == "ada@example.com"
    assert answer.json_body["status"] == "active"


def test_admin_routes_refuse_missing_wrong_and_revoked_keys(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    path = f"/admin/customers/{pair['customer_id']}"
    assert api.call("GET", path).status_code == 401
    assert api.call("GET", path, token="sk_not-a-real-key-at-all").status_code == 403
    assert api.call("GET", path, token=pair["access_token"]).status_code == 403  # a customer token
    key, secret = staff.create(container, "temp")
    assert api.call("GET", path, token=secret).status_code == 200
    staff.revoke(container, key.key_id)
    assert api.call("GET", path, token=secret).status_code == 403


def test_staff_keys_are_stored_only_as_hashes(container: Container) -> None:
    key, secret = staff.create(container, "ops")
    stored = StaffKey.get(sha256_hex(secret))
    assert secret not in str(stored.attribute_values)
    assert stored.key_id == key.key_id
    assert [k.key_id for k in staff.list_keys(container)] == [key.key_id]


def test_unknown_customer_is_404(api: Api, container: Container) -> None:
    _, secret = staff.create(container, "erp")
    answer = api.call("GET", "/admin/customers/cus_nope", token=secret)
    assert answer.status_code == 404 and answer.json_body["error"]["code"] == "not_found"


def test_a_customer_of_another_website_is_404(api: Api, configure: Callable[..., Container]) -> None:
    pair = api.verified_account("ada@example.com")
    other = configure(WEBSITE_ID="other-shop")
    _, secret = staff.create(other, "erp")
    assert api.call("GET", f"/admin/customers/{pair['customer_id']}", token=secret).status_code == 404


def test_a_status_change_ends_every_session_at_once(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    _, secret = staff.create(container, "support")
    path = f"/admin/customers/{pair['customer_id']}/status"
    blocked = api.call("PUT", path, {"status": "blocked"}, token=secret)
    assert blocked.status_code == 200 and blocked.json_body["status"] == "blocked"
    assert api.call("GET", "/me", token=pair["access_token"]).status_code == 401
    assert api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]}).status_code == 401
    refused = api.sign_in("ada@example.com")
    assert refused.status_code == 403 and refused.json_body["error"]["code"] == "account_disabled"
    api.call("PUT", path, {"status": "active"}, token=secret)
    assert api.sign_in("ada@example.com").status_code == 200


def test_status_change_validates_the_status(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    _, secret = staff.create(container, "support")
    path = f"/admin/customers/{pair['customer_id']}/status"
    answer = api.call("PUT", path, {"status": "deleted"}, token=secret)
    assert answer.status_code == 422 and answer.json_body["error"]["code"] == "validation_failed"
