"""The invitation page's hand-off code: posted to the storefront (never in a URL), exchanged
only by the storefront's server with its key, single use, 2 minutes, never logged."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from chalicelib.identity import staff_keys, storefront_keys
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from tests.integration.conftest import Api, handoff_form, last_mail, staff_headers, token_from
from tests.integration.test_observability import log_lines  # noqa: F401  (the fixture)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PASSWORD = "my own passphrase"


def _invite(api: Api, container: Container, email: str = "eve@example.com") -> str:
    headers = {"Content-Type": "application/json", **staff_headers(container)}
    body = json.dumps({"customers": [{"email": email, "name": "Eve Buyer"}]})
    assert api.client.http.post("/admin/invitations", headers=headers, body=body).status_code == 202
    return token_from(last_mail(email).link("/invitations"))


def _accept(api: Api, token: str, **headers: str) -> object:
    fields = {"token": token, "password": PASSWORD, "password_confirm": PASSWORD}
    return api.client.http.post("/invitations/accept", headers={**FORM, **headers}, body=urlencode(fields))


def _handoff_code(api: Api, container: Container) -> str:
    page = _accept(api, _invite(api, container))
    assert page.status_code == 200  # type: ignore[attr-defined]
    return handoff_form(page.body.decode())[1]["handoff"]  # type: ignore[attr-defined]


def _exchange(api: Api, code: str, **headers: str) -> object:
    return api.call("POST", "/sessions/handoff", {"code": code}, **headers)


def _error(answer: object) -> tuple[int, str]:
    return answer.status_code, answer.json_body["error"]["code"]  # type: ignore[attr-defined]


def test_the_page_posts_the_code_to_the_storefront_and_no_url_carries_it(
    api: Api, container: Container
) -> None:
    page = _accept(api, _invite(api, container))
    assert page.status_code == 200 and "Location" not in page.headers  # type: ignore[attr-defined]
    html = page.body.decode()  # type: ignore[attr-defined]
    action, fields = handoff_form(html)
    assert action == "https://shop.example/account/handoff"
    assert "?" not in action and fields["handoff"] not in action
    assert "<script" not in html  # a plain button: no JavaScript needed
    # The POST to the storefront keeps its Origin (no-referrer would send "Origin: null").
    assert page.headers["Referrer-Policy"] == "strict-origin"  # type: ignore[attr-defined]
    assert "form-action 'self' https://shop.example" in page.headers["Content-Security-Policy"]  # type: ignore[attr-defined]


def test_a_code_is_useless_without_the_storefront_key(api: Api, container: Container) -> None:
    code = _handoff_code(api, container)
    assert _error(_exchange(api, code)) == (401, "storefront_key_required")
    _, staff_secret = staff_keys.create(container, "erp")
    assert _error(_exchange(api, code, **{"X-Storefront-Key": staff_secret})) == (
        401,
        "invalid_storefront_key",
    )
    assert _error(_exchange(api, code, token=staff_secret)) == (401, "storefront_key_required")
    key, secret = storefront_keys.create(container, "retired shop")
    storefront_keys.revoke(container, key.key_id)
    assert _error(_exchange(api, code, **{"X-Storefront-Key": secret})) == (401, "invalid_storefront_key")
    # The refused calls spent nothing: the storefront's server still gets the session.
    pair = api.storefront("POST", "/sessions/handoff", {"code": code})
    assert pair.status_code == 200, pair.body
    me = api.call("GET", "/me", token=pair.json_body["access_token"])
    assert me.json_body["email"] == "eve@example.com"


def test_a_code_works_once(api: Api, container: Container) -> None:
    code = _handoff_code(api, container)
    assert api.storefront("POST", "/sessions/handoff", {"code": code}).status_code == 200
    assert _error(api.storefront("POST", "/sessions/handoff", {"code": code})) == (400, "invalid_token")


def test_a_code_lives_two_minutes(api: Api, container: Container, clock: ManualClock) -> None:
    code = _handoff_code(api, container)
    clock.advance(121)
    assert _error(api.storefront("POST", "/sessions/handoff", {"code": code})) == (400, "invalid_token")


def test_a_code_exchanged_within_two_minutes_works(
    api: Api, container: Container, clock: ManualClock
) -> None:
    code = _handoff_code(api, container)
    clock.advance(119)
    assert api.storefront("POST", "/sessions/handoff", {"code": code}).status_code == 200


def test_the_code_is_never_logged(api: Api, container: Container, log_lines: list[str]) -> None:  # noqa: F811
    code = _handoff_code(api, container)
    _exchange(api, code)  # refused without the key
    assert api.storefront("POST", "/sessions/handoff", {"code": code}).status_code == 200
    api.storefront("POST", "/sessions/handoff", {"code": code})  # refused: used
    assert any('"route":"/sessions/handoff"' in line for line in log_lines)
    assert not [line for line in log_lines if code in line]


def test_another_sites_page_cannot_post_the_invitation_form(api: Api, container: Container) -> None:
    """Login CSRF: a forged cross-site post of someone's invitation form is refused."""
    token = _invite(api, container)
    forged = _accept(api, token, **{"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403  # type: ignore[attr-defined]
    assert "handoff" not in forged.body.decode()  # type: ignore[attr-defined]
    ours = _accept(api, token, **{"Sec-Fetch-Site": "same-origin"})
    assert ours.status_code == 200  # type: ignore[attr-defined]
