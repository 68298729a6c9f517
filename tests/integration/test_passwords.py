"""Forgotten password, reset by emailed link, change with the current password."""

from __future__ import annotations

from chalicelib.kernel.clock import ManualClock
from tests.integration.conftest import Api, last_mail, mails_to, token_from
from tests.support import STRONG_PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def _reset_token(api: Api, email: str) -> str:
    assert api.call("POST", "/password/forgot", {"email": email}).status_code == 202
    return token_from(last_mail(email).link("/password/reset"))


def test_forgot_answers_the_same_whether_or_not_the_account_exists(api: Api) -> None:
    api.verified_account("ada@example.com")
    known = api.call("POST", "/password/forgot", {"email": "ada@example.com"})
    unknown = api.call("POST", "/password/forgot", {"email": "nobody@example.com"})
    assert (
        (known.status_code, known.json_body)
        == (unknown.status_code, unknown.json_body)
        == (
            202,
            known.json_body,
        )
    )
    assert last_mail("ada@example.com").subject == "Reset your password"
    assert mails_to("nobody@example.com") == []


def test_reset_sets_the_password_and_ends_every_session_at_once(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    token = _reset_token(api, "ada@example.com")
    done = api.call("POST", "/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 200
    assert api.call("GET", "/me", token=pair["access_token"]).status_code == 401  # not in 15 min: now
    assert api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]}).status_code == 401
    assert api.sign_in("ada@example.com", STRONG_PASSWORD).status_code == 401
    assert api.sign_in("ada@example.com", NEW_PASSWORD).status_code == 200
    assert last_mail("ada@example.com").subject == "Your password was changed"


def test_a_reset_link_works_once_and_expires_after_an_hour(api: Api, clock: ManualClock) -> None:
    api.verified_account("ada@example.com")
    token = _reset_token(api, "ada@example.com")
    assert api.call("POST", "/password/reset", {"token": token, "password": NEW_PASSWORD}).status_code == 200
    again = api.call("POST", "/password/reset", {"token": token, "password": "yet another passphrase"})
    assert again.status_code == 400 and again.json_body["error"]["code"] == "invalid_token"
    late_token = _reset_token(api, "ada@example.com")
    clock.advance(3601)
    late = api.call("POST", "/password/reset", {"token": late_token, "password": "yet another passphrase"})
    assert late.status_code == 400


def test_reset_refuses_weak_passwords_and_keeps_the_link_usable(api: Api) -> None:
    api.verified_account("ada@example.com")
    token = _reset_token(api, "ada@example.com")
    for weak, reason in (("short", "too_short"), ("password123", "common"), ("x" * 257, "too_long")):
        answer = api.call("POST", "/password/reset", {"token": token, "password": weak})
        assert answer.status_code == 422
        assert answer.json_body["error"]["code"] == "weak_password"
        assert answer.json_body["error"]["fields"]["password"] == reason
    assert api.call("POST", "/password/reset", {"token": token, "password": NEW_PASSWORD}).status_code == 200


def test_reset_also_unlocks_a_throttled_account(api: Api) -> None:
    api.verified_account("ada@example.com")
    for _ in range(5):
        api.sign_in("ada@example.com", "wrong password!")
    assert api.sign_in("ada@example.com").status_code == 429
    token = _reset_token(api, "ada@example.com")
    api.call("POST", "/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert api.sign_in("ada@example.com", NEW_PASSWORD).status_code == 200


def test_change_password_needs_the_current_one(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    body = {"current_password": "not my password", "new_password": NEW_PASSWORD}
    refused = api.call("POST", "/me/password", body, token=pair["access_token"])
    assert refused.status_code == 403 and refused.json_body["error"]["code"] == "wrong_password"
    assert api.sign_in("ada@example.com", STRONG_PASSWORD).status_code == 200


def test_change_password_ends_other_sessions_and_keeps_this_one(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    other = api.sign_in("ada@example.com").json_body
    body = {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}
    changed = api.call("POST", "/me/password", body, token=pair["access_token"])
    assert changed.status_code == 200
    assert api.call("GET", "/me", token=changed.json_body["access_token"]).status_code == 200
    assert api.call("GET", "/me", token=other["access_token"]).status_code == 401
    assert api.call("POST", "/sessions/refresh", {"refresh_token": other["refresh_token"]}).status_code == 401
    assert api.sign_in("ada@example.com", NEW_PASSWORD).status_code == 200
    assert last_mail("ada@example.com").subject == "Your password was changed"


def test_forgot_on_an_unverified_sign_up_lets_the_owner_in(api: Api) -> None:
    api.signup("ada@example.com", password="someone else's passphrase")  # perhaps not the owner
    token = _reset_token(api, "ada@example.com")
    assert api.call("POST", "/password/reset", {"token": token, "password": NEW_PASSWORD}).status_code == 200
    assert api.sign_in("ada@example.com", "someone else's passphrase").status_code == 401
    pair = api.sign_in("ada@example.com", NEW_PASSWORD).json_body
    assert api.call("GET", "/me", token=pair["access_token"]).json_body["email_verified"] is True


def test_a_reset_kills_every_other_reset_link(api: Api) -> None:
    api.verified_account("ada@example.com")
    first, second = _reset_token(api, "ada@example.com"), _reset_token(api, "ada@example.com")
    assert api.call("POST", "/password/reset", {"token": second, "password": NEW_PASSWORD}).status_code == 200
    stale = api.call("POST", "/password/reset", {"token": first, "password": "the attacker's passphrase"})
    assert stale.status_code == 400 and stale.json_body["error"]["code"] == "invalid_token"
    assert api.client.http.get(f"/password/reset?token={first}").status_code == 400  # the page says so
    assert api.sign_in("ada@example.com", NEW_PASSWORD).status_code == 200


def test_a_password_change_kills_the_reset_links_sent_before(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    token = _reset_token(api, "ada@example.com")
    body = {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}
    assert api.call("POST", "/me/password", body, token=pair["access_token"]).status_code == 200
    stale = api.call("POST", "/password/reset", {"token": token, "password": "the attacker's passphrase"})
    assert stale.status_code == 400 and stale.json_body["error"]["code"] == "invalid_token"
    assert api.sign_in("ada@example.com", NEW_PASSWORD).status_code == 200
    fresh = _reset_token(api, "ada@example.com")  # a link sent after the change works
    assert (
        api.call(
            "POST", "/password/reset", {"token": fresh, "password": "yet another passphrase"}
        ).status_code
        == 200
    )


def test_a_refused_new_password_does_not_count_as_a_failed_attempt(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    for _ in range(6):
        body = {"current_password": STRONG_PASSWORD, "new_password": "password123"}
        answer = api.call("POST", "/me/password", body, token=pair["access_token"])
        assert answer.json_body["error"]["code"] == "weak_password"
    assert api.sign_in("ada@example.com").status_code == 200
