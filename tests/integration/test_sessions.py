"""Sign-in, throttling, refresh rotation, sign-out and access-token checks over HTTP."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.identity.models import Login
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from chalicelib.kernel.security import AccessClaims, issue_access_token
from tests.integration.conftest import Api


def test_sign_in_returns_an_access_and_a_refresh_token(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    assert set(pair) >= {"access_token", "refresh_token", "expires_in", "customer_id"}
    assert pair["expires_in"] <= 15 * 60
    me = api.call("GET", "/me", token=pair["access_token"])
    assert me.status_code == 200 and me.json_body["customer_id"] == pair["customer_id"]


def test_wrong_password_and_unknown_email_get_the_same_401(api: Api) -> None:
    api.verified_account("ada@example.com")
    wrong = api.sign_in("ada@example.com", "not the right password")
    unknown = api.sign_in("nobody@example.com", "not the right password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json_body == unknown.json_body
    assert wrong.json_body["error"]["code"] == "invalid_credentials"


def test_five_failures_lock_the_account_with_429_and_retry_after(api: Api, clock: ManualClock) -> None:
    api.verified_account("ada@example.com")
    for _ in range(5):
        assert api.sign_in("ada@example.com", "wrong password!").status_code == 401
    locked = api.sign_in("ada@example.com")  # even the right password waits
    assert locked.status_code == 429
    assert locked.json_body["error"]["code"] == "too_many_attempts"
    assert locked.headers["Retry-After"] == "30"


def test_the_delay_doubles_per_failure_and_is_capped_at_15_minutes(api: Api, clock: ManualClock) -> None:
    api.verified_account("ada@example.com")
    for _ in range(5):
        api.sign_in("ada@example.com", "wrong password!")
    delays = []
    for _ in range(7):
        retry_after = int(api.sign_in("ada@example.com").headers["Retry-After"])
        delays.append(retry_after)
        clock.advance(retry_after)
        assert api.sign_in("ada@example.com", "wrong password!").status_code == 401
    assert delays == [30, 60, 120, 240, 480, 900, 900]


def test_a_successful_sign_in_resets_the_failure_count(api: Api, clock: ManualClock) -> None:
    api.verified_account("ada@example.com")
    for _ in range(4):
        api.sign_in("ada@example.com", "wrong password!")
    assert api.sign_in("ada@example.com").status_code == 200
    assert Login.get("web:test-shop#ada@example.com").failed_signins == 0
    for _ in range(4):
        assert api.sign_in("ada@example.com", "wrong password!").status_code == 401
    assert api.sign_in("ada@example.com").status_code == 200


def test_refresh_rotates_and_the_old_refresh_token_stops_working(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    renewed = api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200
    assert renewed.json_body["refresh_token"] != pair["refresh_token"]
    assert api.call("GET", "/me", token=renewed.json_body["access_token"]).status_code == 200
    old = api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]})
    assert old.status_code == 401


def test_replaying_a_rotated_refresh_token_ends_the_session(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    renewed = api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]}).json_body
    api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]})  # stolen copy
    after = api.call("POST", "/sessions/refresh", {"refresh_token": renewed["refresh_token"]})
    assert after.status_code == 401


def test_refresh_tokens_expire_after_30_days(api: Api, clock: ManualClock) -> None:
    pair = api.verified_account("ada@example.com")
    clock.advance(30 * 86400 + 1)
    assert api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]}).status_code == 401


def test_access_tokens_expire_after_15_minutes(api: Api, clock: ManualClock) -> None:
    pair = api.verified_account("ada@example.com")
    clock.advance(15 * 60 + 1)
    expired = api.call("GET", "/me", token=pair["access_token"])
    assert expired.status_code == 401 and expired.json_body["error"]["code"] == "not_authenticated"


def test_sign_out_ends_the_session(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    assert api.call("DELETE", "/sessions/current", token=pair["access_token"]).status_code == 204
    refused = api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]})
    assert refused.status_code == 401


def test_me_refuses_missing_forged_and_foreign_tokens(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    assert api.call("GET", "/me").status_code == 401
    assert api.call("GET", "/me", token=pair["access_token"][:-3] + "abc").status_code == 401
    claims = AccessClaims(pair["customer_id"], "ses_x", 0, "test-shop")
    forged = issue_access_token(b"not the stage key, but 32+ bytes long", claims, container.clock.now(), 15)
    assert api.call("GET", "/me", token=forged).status_code == 401
    other_site = AccessClaims(pair["customer_id"], "ses_x", 0, "another-shop")
    foreign = issue_access_token(container.key("jwt"), other_site, container.clock.now(), 15)
    assert api.call("GET", "/me", token=foreign).status_code == 401
    unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + pair["access_token"].split(".")[1] + "."
    assert api.call("GET", "/me", token=unsigned).status_code == 401


def test_sign_in_rehashes_when_the_argon2_parameters_rise(
    api: Api, configure: Callable[..., Container]
) -> None:
    api.verified_account("ada@example.com")
    before = Login.get("web:test-shop#ada@example.com").password_hash
    assert "m=19456,t=2,p=1" in before
    configure(ARGON2_TIME_COST=3)
    assert api.sign_in("ada@example.com").status_code == 200
    after = Login.get("web:test-shop#ada@example.com").password_hash
    assert after.startswith("$argon2id$") and "m=19456,t=3,p=1" in after
    assert api.sign_in("ada@example.com").status_code == 200
