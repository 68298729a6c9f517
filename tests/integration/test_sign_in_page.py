"""The hosted sign-in page: email form, code form, the emailed link bound to the browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.kernel.bootstrap import Container
from tests.integration.conftest import Api, handoff_form, last_mail, mails_to
from tests.integration.test_sign_in_codes import ADA, CODES, code_in, link_in, wrong

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def container(configure: Callable[..., Container]) -> Container:
    return configure(**CODES)


def post(api: Api, path: str, fields: dict[str, str], **headers: str) -> Any:
    return api.client.http.post(path, headers={**FORM, **headers}, body=urlencode(fields))


def ask_on_page(api: Api, email: str = ADA, **headers: str) -> Any:
    return post(api, "/sign-in", {"email": email}, **headers)


def device_cookie(page: Any) -> str:
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    return cookie.split(";", 1)[0]


def test_the_page_asks_for_the_email_then_the_code_and_hands_off_to_the_storefront(api: Api) -> None:
    api.verified_account(ADA)
    page = api.client.http.get("/sign-in")
    assert page.status_code == 200 and "<script" not in page.body.decode()
    assert 'name="email"' in page.body.decode()
    sent = ask_on_page(api)
    assert sent.status_code == 200 and 'autocomplete="one-time-code"' in sent.body.decode()
    device_cookie(sent)
    done = post(api, "/sign-in/code", {"email": ADA, "code": code_in()})
    assert done.status_code == 200, done.body
    action, fields = handoff_form(done.body.decode())
    assert action == "https://shop.example/account/handoff" and fields["account_event"] == "signed_in"
    session = api.storefront("POST", "/sessions/handoff", {"code": fields["handoff"]})
    assert session.status_code == 200 and session.json_body["customer_id"]


def test_the_page_answers_the_same_for_an_unknown_address(api: Api) -> None:
    api.verified_account(ADA)
    known = ask_on_page(api).body.decode().replace(ADA, "X")
    unknown = ask_on_page(api, "nobody@example.com").body.decode().replace("nobody@example.com", "X")
    assert known == unknown
    assert mails_to("nobody@example.com") == []


def test_a_wrong_code_shows_the_form_again_and_spent_tries_say_so(api: Api) -> None:
    api.verified_account(ADA)
    ask_on_page(api)
    code = code_in()
    answers = [post(api, "/sign-in/code", {"email": ADA, "code": wrong(code)}) for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert "This code is not right" in answers[0].body.decode()
    assert 'action="../sign-in/code"' in answers[0].body.decode()
    assert "Too many wrong codes" in answers[5].body.decode() and "Retry-After" in answers[5].headers


def test_the_link_signs_in_only_in_the_browser_that_asked(api: Api) -> None:
    api.verified_account(ADA)
    cookie = device_cookie(ask_on_page(api))
    link = link_in()
    opened = api.client.http.get(f"/sign-in/link?token={link}")
    assert opened.status_code == 200 and 'name="token"' in opened.body.decode()  # nothing consumed
    elsewhere = post(api, "/sign-in/link", {"token": link})
    assert elsewhere.status_code == 401 and "only in the browser" in elsewhere.body.decode()
    here = post(api, "/sign-in/link", {"token": link}, Cookie=cookie)
    assert here.status_code == 200, here.body
    assert handoff_form(here.body.decode())[1]["account_event"] == "signed_in"
    assert "You are signed in" in here.body.decode()


def test_another_sites_post_is_refused(api: Api) -> None:
    api.verified_account(ADA)
    ask_on_page(api)
    forged = post(api, "/sign-in/code", {"email": ADA, "code": code_in()}, **{"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403


def test_the_page_speaks_the_customers_language(api: Api) -> None:
    page = api.client.http.get("/sign-in", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Recevoir un code" in page.body.decode()
    api.verified_account(ADA)
    sent = ask_on_page(api, **{"Accept-Language": "fr"})
    assert "code à 6 chiffres" in sent.body.decode()
    assert last_mail(ADA).language == "en"  # the email speaks the account's language


def test_without_codes_the_page_says_so(api: Api, configure: Callable[..., Container]) -> None:
    configure(SIGNIN_METHODS="password")
    page = api.client.http.get("/sign-in")
    assert page.status_code == 404 and "does not offer sign-in by emailed code" in page.body.decode()
