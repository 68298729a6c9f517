"""Hosted pages in-process: HTML without JavaScript, the customer's locale, redirects."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, handoff_form, last_mail, token_from

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _post_form(api: Api, path: str, fields: dict[str, str]) -> object:
    return api.client.http.post(path, headers=FORM, body=urlencode(fields))


def test_the_verify_page_shows_a_form_and_consumes_nothing(api: Api) -> None:
    api.signup("ada@example.com")
    token = token_from(last_mail("ada@example.com").link("/verify"))
    page = api.client.http.get(f"/verify?token={token}")
    html = page.body.decode()
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "ada@example.com" in html and '<form method="post"' in html and "<script" not in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert (
        api.client.http.get(f"/verify?token={token}").status_code == 200
    )  # a mail scanner's GET is harmless


def test_the_verify_form_verifies_and_redirects_to_the_storefront(api: Api) -> None:
    api.signup("ada@example.com")
    token = token_from(last_mail("ada@example.com").link("/verify"))
    done = _post_form(api, "/verify", {"token": token})
    assert done.status_code == 303
    assert done.headers["Location"] == "https://shop.example/?account_event=email_verified"
    assert api.sign_in("ada@example.com").status_code == 200
    again = _post_form(api, "/verify", {"token": token})
    assert again.status_code == 400 and "cannot be used" in again.body.decode()


def test_pages_speak_the_customers_language(api: Api) -> None:
    api.signup("zoe@example.com", locale="fr")
    token = token_from(last_mail("zoe@example.com").link("/verify"))
    html = api.client.http.get(f"/verify?token={token}").body.decode()
    assert 'lang="fr"' in html and "Confirmez" in html
    invalid = api.client.http.get("/verify?token=nope", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert invalid.status_code == 400 and "Ce lien ne peut pas" in invalid.body.decode()
    english = api.client.http.get(f"/verify?token={token}&lang=en").body.decode()
    assert "Confirm your email address" in english


def test_the_reset_page_checks_the_passwords_then_resets_and_redirects(api: Api) -> None:
    api.verified_account("ada@example.com")
    api.call("POST", "/password/forgot", {"email": "ada@example.com"})
    token = token_from(last_mail("ada@example.com").link("/password/reset"))
    page = api.client.http.get(f"/password/reset?token={token}").body.decode()
    assert 'type="password"' in page and "ada@example.com" in page
    mismatch = _post_form(
        api,
        "/password/reset",
        {"token": token, "password": "new passphrase one", "password_confirm": "other"},
    )
    assert mismatch.status_code == 422 and "not the same" in mismatch.body.decode()
    short = _post_form(
        api, "/password/reset", {"token": token, "password": "short", "password_confirm": "short"}
    )
    assert short.status_code == 422 and "at least 8" in short.body.decode()
    fields = {"token": token, "password": "new passphrase one", "password_confirm": "new passphrase one"}
    done = _post_form(api, "/password/reset", fields)
    assert done.status_code == 303
    assert done.headers["Location"] == "https://shop.example/?account_event=password_reset"
    assert api.sign_in("ada@example.com", "new passphrase one").status_code == 200


def test_a_hostile_token_is_escaped_not_rendered(api: Api) -> None:
    page = api.client.http.get("/verify?token=%3Cscript%3Ealert(1)%3C/script%3E")
    assert page.status_code == 400 and "<script>" not in page.body.decode()


def test_odd_form_posts_get_a_4xx_not_a_500(api: Api) -> None:
    api.verified_account("ada@example.com")
    api.call("POST", "/password/forgot", {"email": "ada@example.com"})
    token = token_from(last_mail("ada@example.com").link("/password/reset"))
    huge = "x" * 1100
    page = _post_form(api, "/password/reset", {"token": token, "password": huge, "password_confirm": huge})
    assert page.status_code == 422 and "<form" in page.body.decode()
    crowded = {f"f{i}": "v" for i in range(25)}
    assert _post_form(api, "/verify", crowded).status_code == 400
    as_json = api.call("POST", "/verify", {"token": token})
    assert as_json.status_code == 415


def test_a_busy_database_gives_an_html_503_page_with_retry_after(api: Api, aws_hooks: Hooks) -> None:
    api.signup("ada@example.com")
    token = token_from(last_mail("ada@example.com").link("/verify"))
    aws_hooks.fail("dynamodb", "GetItem", "ThrottlingException")
    page = api.client.http.get(f"/verify?token={token}")
    assert page.status_code == 503 and page.headers["Content-Type"].startswith("text/html")
    assert "Retry-After" in page.headers and "Something went wrong" in page.body.decode()


def _invitation_token(api: Api, email: str) -> str:
    from tests.integration.conftest import staff_headers

    headers = {"Content-Type": "application/json", **staff_headers(api_container())}
    body = json.dumps({"customers": [{"email": email, "name": "Eve Buyer"}]})
    assert api.client.http.post("/admin/invitations", headers=headers, body=body).status_code == 202
    return token_from(last_mail(email).link("/invitations"))


def api_container():  # type: ignore[no-untyped-def]
    from chalicelib.kernel.bootstrap import get_container

    return get_container()


def test_the_invitation_page_prefills_the_customer_and_hands_off_a_session(api: Api) -> None:
    token = _invitation_token(api, "eve@example.com")
    page = api.client.http.get(f"/invitations?token={token}").body.decode()
    assert "Eve Buyer" in page and "eve@example.com" in page and 'type="password"' in page
    fields = {"token": token, "password": "my own passphrase", "password_confirm": "my own passphrase"}
    done = _post_form(api, "/invitations/accept", fields)
    assert done.status_code == 200 and "Location" not in done.headers
    action, hidden = handoff_form(done.body.decode())
    assert action == "https://shop.example/account/handoff"  # a POST: the code is in no URL
    assert hidden.keys() == {"account_event", "handoff"}
    assert hidden["account_event"] == "invitation_accepted"
    code = hidden["handoff"]
    session = api.storefront("POST", "/sessions/handoff", {"code": code})
    assert session.status_code == 200
    assert (
        api.call("GET", "/me", token=session.json_body["access_token"]).json_body["email"]
        == "eve@example.com"
    )
    assert api.storefront("POST", "/sessions/handoff", {"code": code}).status_code == 400  # single use
    used = api.client.http.get(f"/invitations?token={token}")
    assert used.status_code == 400 and "cannot be used" in used.body.decode()


def test_the_invitation_page_checks_the_password(api: Api) -> None:
    token = _invitation_token(api, "eve@example.com")
    short = _post_form(
        api, "/invitations/accept", {"token": token, "password": "short", "password_confirm": "short"}
    )
    assert (
        short.status_code == 422
        and "at least 8" in short.body.decode()
        and "Eve Buyer" in short.body.decode()
    )
    fields = {"token": token, "password": "my own passphrase", "password_confirm": "my own passphrase"}
    assert _post_form(api, "/invitations/accept", fields).status_code == 200
