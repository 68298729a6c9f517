"""The customer's own erasure (password, emailed link, hosted page) and erasure under races."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.identity.models import Customer, Login, Session
from chalicelib.kernel.bootstrap import Container
from devtools.probes import at_once
from tests.integration.conftest import Api, last_mail, mails_to, staff_headers, token_from
from tests.support import STRONG_PASSWORD

EMAIL = "olga.vantablack@example.com"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(autouse=True)
def unhurried_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chalicelib.privacy.erasure.REQUEST_BUDGET", 30.0)


def ask(api: Api, access: str, password: str = STRONG_PASSWORD) -> Any:
    return api.call("POST", "/me/erasure", {"password": password}, token=access)


def erasure_link(address: str = EMAIL) -> str:
    return token_from(last_mail(address).link("/erasure"))


def post_form(api: Api, fields: dict[str, str], **headers: str) -> Any:
    return api.client.http.post("/erasure", headers={**FORM, **headers}, body=urlencode(fields))


def test_the_customer_asks_confirms_on_the_page_and_is_erased(api: Api) -> None:
    pair = api.verified_account(EMAIL)
    answer = ask(api, pair["access_token"])
    assert answer.status_code == 202 and answer.json_body["status"] == "accepted"
    mail = last_mail(EMAIL)
    assert "erasure" in mail.subject.lower()
    token = erasure_link()
    page = api.client.http.get(f"/erasure?token={token}")
    html = page.body.decode()
    assert (
        page.status_code == 200 and EMAIL in html and '<form method="post"' in html and "<script" not in html
    )
    assert Customer.get(pair["customer_id"]).status == "active", "opening the link erases nothing"
    done = post_form(api, {"token": token})
    assert done.status_code == 200 and "erased" in done.body.decode()
    erased = Customer.get(pair["customer_id"])
    assert erased.status == "anonymized" and erased.anonymized_at is not None and erased.name == ""
    assert api.call("GET", "/me", token=pair["access_token"]).status_code == 401
    assert post_form(api, {"token": token}).status_code == 400, "the link works once"
    kinds = [e["kind"] for e in _activity(api, erased)]
    assert "erasure_requested" in kinds and "anonymized" in kinds
    assert api.verified_account(EMAIL, "a new life passphrase")["customer_id"] != erased.customer_id


def _activity(api: Api, customer: Customer) -> list[dict[str, Any]]:
    from chalicelib.kernel.bootstrap import get_container

    headers = staff_headers(get_container())
    body = api.call("GET", f"/admin/customers/{customer.customer_id}/activity", **headers).json_body
    return list(body["activity"])


def test_a_storefront_page_confirms_with_json(api: Api) -> None:
    pair = api.verified_account(EMAIL)
    ask(api, pair["access_token"])
    answer = api.call("POST", "/erasure", {"token": erasure_link()})
    assert answer.status_code == 200, answer.body
    assert answer.json_body["status"] == "anonymized" and answer.json_body["erasure"]["status"] == "completed"
    assert (
        api.call("POST", "/erasure", {"token": erasure_link()}).json_body["error"]["code"] == "invalid_token"
    )


def test_a_wrong_password_sends_nothing_and_counts_as_a_failure(api: Api) -> None:
    pair = api.verified_account(EMAIL)
    before = len(mails_to(EMAIL))
    answer = ask(api, pair["access_token"], "not my passphrase")
    assert answer.status_code == 403 and answer.json_body["error"]["code"] == "wrong_password"
    assert len(mails_to(EMAIL)) == before
    assert Login.get(f"web:test-shop#{EMAIL}").failed_signins == 1


def test_the_link_dies_when_the_sessions_end(api: Api) -> None:
    pair = api.verified_account(EMAIL)
    ask(api, pair["access_token"])
    token = erasure_link()
    changed = api.call(
        "POST", "/me/password", {"current_password": STRONG_PASSWORD, "new_password": "another passphrase"},
        token=pair["access_token"],
    )  # fmt: skip
    assert changed.status_code == 200, changed.body
    assert api.client.http.get(f"/erasure?token={token}").status_code == 400
    assert post_form(api, {"token": token}).status_code == 400
    assert Customer.get(pair["customer_id"]).status == "active"


def test_another_sites_form_cannot_erase(api: Api) -> None:
    pair = api.verified_account(EMAIL)
    ask(api, pair["access_token"])
    forged = post_form(api, {"token": erasure_link()}, **{"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403
    assert Customer.get(pair["customer_id"]).status == "active"


def test_the_emails_are_budgeted(api: Api, container: Container) -> None:
    pair = api.verified_account(EMAIL)
    before = len(mails_to(EMAIL))
    answers = [
        ask(api, pair["access_token"]).status_code
        for _ in range(container.settings.EMAIL_BUDGET_PER_HOUR + 2)
    ]
    assert answers == [202] * len(answers)
    assert len(mails_to(EMAIL)) - before == container.settings.EMAIL_BUDGET_PER_HOUR


def test_an_anonymous_caller_cannot_ask(api: Api) -> None:
    assert api.call("POST", "/me/erasure", {"password": STRONG_PASSWORD}).status_code == 401
    assert api.call("GET", "/me/export").status_code == 401


# -- races --------------------------------------------------------------------------------------


def test_erasure_racing_profile_updates_leaves_nothing_personal(api: Api, container: Container) -> None:
    pair = api.verified_account(EMAIL)
    staff = staff_headers(container)
    access, customer_id = pair["access_token"], pair["customer_id"]

    def work(i: int) -> int:
        if i == 0:
            return int(api.call("POST", f"/admin/customers/{customer_id}/anonymize", **staff).status_code)
        body = {"name": f"Olga Vantablack {i}", "phone": f"+33 6 00 00 00 {i:02d}"}
        return int(api.call("PATCH", "/me", body, token=access).status_code)

    results = at_once(work, 8)
    assert results[0] == 200, results
    assert set(results[1:]) <= {200, 401, 409, 503}, results
    customer = Customer.get(customer_id)
    assert customer.status == "anonymized" and customer.name == "" and customer.phone is None
    assert api.call("GET", "/me", token=access).status_code == 401


def test_erasure_racing_sign_ins_leaves_no_usable_session(api: Api, container: Container) -> None:
    pair = api.verified_account(EMAIL)
    staff = staff_headers(container)
    customer_id = pair["customer_id"]

    def work(i: int) -> Any:
        if i == 0:
            return api.call("POST", f"/admin/customers/{customer_id}/anonymize", **staff)
        return api.sign_in(EMAIL)

    results = at_once(work, 6)
    assert results[0].status_code == 200
    for answer in results[1:]:
        assert answer.status_code in (200, 401, 503), answer.body
        if answer.status_code == 200:  # signed in just before: refused at once now
            assert api.call("GET", "/me", token=answer.json_body["access_token"]).status_code == 401
            refresh = {"refresh_token": answer.json_body["refresh_token"]}
            assert api.call("POST", "/sessions/refresh", refresh).status_code == 401
    assert api.sign_in(EMAIL).status_code == 401
    live = [s for s in Session.scan() if s.customer_id == customer_id]  # the test scans, never the service
    assert live == [] or all(s.epoch < Customer.get(customer_id).session_epoch for s in live)
