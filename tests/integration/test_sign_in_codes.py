"""Sign-in by emailed one-time code: every rule of the feature, through the HTTP API."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.codes import SignInCode
from chalicelib.events.models import LifecycleEvent
from chalicelib.identity.models import Customer, Login
from chalicelib.invitations.models import Invitation
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from devtools.probes import at_once
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, last_mail, mails_to, staff_headers
from tests.support import STRONG_PASSWORD

ADA = "ada@example.com"
CODES = {
    "SIGNIN_METHODS": "password,code",
    "SOURCE_BUDGET_PER_MINUTE": 10_000,
    "SOURCE_BUDGET_PER_HOUR": 100_000,
}
SESSION_FIELDS = {"access_token", "token_type", "expires_in", "refresh_token", "customer_id"}


@pytest.fixture
def container(configure: Callable[..., Container]) -> Container:
    """Both sign-in methods; every request comes from the test client's one address, whose
    source budget must not answer before the rule under test does."""
    return configure(**CODES)


def ask(api: Api, email: str = ADA, **extra: Any) -> Any:
    return api.call("POST", "/sessions/code", {"email": email, **extra})


def verify(api: Api, code: str, email: str = ADA) -> Any:
    return api.call("POST", "/sessions/code/verify", {"email": email, "code": code})


def code_in(email: str = ADA) -> str:
    found = re.search(r"\b(\d{6})\b", last_mail(email).text)
    assert found, last_mail(email).text
    return found.group(1)


def link_in(email: str = ADA) -> str:
    return last_mail(email).link("/sign-in/link").split("token=", 1)[1]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_signs_in_like_a_password(api: Api) -> None:
    api.verified_account(ADA)
    answer = ask(api)
    assert answer.status_code == 202
    assert set(answer.json_body) == {"status", "message", "device", "expires_in"}
    mail = last_mail(ADA)
    assert mail.subject == "Your sign-in code for test-shop"
    session = verify(api, code_in())
    assert session.status_code == 200, session.body
    assert set(session.json_body) == SESSION_FIELDS
    me = api.call("GET", "/me", token=session.json_body["access_token"])
    assert me.status_code == 200 and me.json_body["email"] == ADA
    again = verify(api, code_in())  # single use
    assert again.status_code == 401 and again.json_body["error"]["code"] == "invalid_code"
    events = api.call("GET", "/me/activity", token=session.json_body["access_token"]).json_body["activity"]
    kinds = [(e["kind"], e.get("detail") or {}) for e in events]  # the clock stands still: any order
    assert ("sign_in", {"method": "code", "account": "active"}) in kinds
    assert ("sign_in_code_sent", {}) in kinds


def _item(email: str = ADA) -> SignInCode:
    from chalicelib.codes.keys import code_key
    from chalicelib.kernel.bootstrap import get_container

    return SignInCode.get(code_key(get_container(), f"web:test-shop#{email}"), consistent_read=True)


def test_codes_are_stored_only_as_keyed_hashes(api: Api) -> None:
    api.verified_account(ADA)
    ask(api)
    code, link = code_in(), link_in()
    item = _item()
    stored = " ".join(str(v) for v in item.attribute_values.values())
    assert code not in stored and link.split(".", 1)[1] not in stored
    assert item.code_hash and len(item.code_hash) == 64 and ADA not in item.code_key


def test_a_code_expires_after_10_minutes(api: Api, clock: ManualClock) -> None:
    api.verified_account(ADA)
    ask(api)
    clock.advance(10 * 60)
    answer = verify(api, code_in())
    assert answer.status_code == 401 and answer.json_body["error"]["code"] == "invalid_code"


def test_a_resend_replaces_the_code(api: Api, clock: ManualClock) -> None:
    api.verified_account(ADA)
    ask(api)
    first = code_in()
    clock.advance(60)
    ask(api)
    second = code_in()
    assert len(mails_to(ADA)) == 3  # verify, then two codes
    if first != second:  # one in a million they are equal
        assert verify(api, first).status_code == 401
    assert verify(api, second).status_code == 200


def test_a_resend_within_the_cooldown_sends_nothing_and_answers_the_same(
    api: Api, clock: ManualClock
) -> None:
    api.verified_account(ADA)
    first = ask(api)
    clock.advance(59)
    second = ask(api)
    assert second.status_code == 202 and second.json_body["message"] == first.json_body["message"]
    assert len(mails_to(ADA)) == 2  # verify, and one code
    clock.advance(1)
    ask(api)
    assert len(mails_to(ADA)) == 3


def test_at_most_5_codes_per_address_and_window(api: Api, clock: ManualClock) -> None:
    api.verified_account(ADA)
    for _ in range(7):
        assert ask(api).status_code == 202
        clock.advance(60)
    assert len(mails_to(ADA)) == 1 + 5
    clock.advance(3600)  # the window is over: a new one opens
    ask(api)
    assert len(mails_to(ADA)) == 1 + 6


def test_5_wrong_tries_lock_the_window_and_the_count_carries_over_resends(
    api: Api, clock: ManualClock
) -> None:
    api.verified_account(ADA)
    ask(api)
    code = code_in()
    for _ in range(3):
        assert verify(api, wrong(code)).status_code == 401
    clock.advance(60)
    ask(api)  # a new code, not a new budget
    code = code_in()
    assert [verify(api, wrong(code)).status_code for _ in range(2)] == [401, 401]
    locked = verify(api, code)  # even the right code: the window's tries are spent
    assert locked.status_code == 429 and locked.json_body["error"]["code"] == "too_many_attempts"
    assert 0 < int(locked.headers["Retry-After"]) <= 3600
    clock.advance(60)
    ask(api)  # no code is sent into a spent window (it could only be refused)
    assert code_in() == code
    clock.advance(3600)
    ask(api)
    assert verify(api, code_in()).status_code == 200


def test_25_concurrent_guesses_get_5_compares(api: Api) -> None:
    api.verified_account(ADA)
    ask(api)
    code = code_in()
    guesses = [f"{n:06d}" for n in range(25) if f"{n:06d}" != code][:25]
    answers = at_once(lambda i: verify(api, guesses[i % len(guesses)]), 25)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * 5 + [429] * 20, statuses
    assert _item().tries == 5
    assert verify(api, code).status_code == 429


def test_a_right_code_gives_the_tries_back(api: Api, clock: ManualClock) -> None:
    api.verified_account(ADA)
    ask(api)
    code = code_in()
    for _ in range(4):
        verify(api, wrong(code))
    assert verify(api, code).status_code == 200
    assert _item().tries == 0 and _item().code_hash is None and _item().email is None


def test_an_unknown_address_gets_the_same_answer_and_calls(
    api: Api, aws_hooks: Hooks, configure: Callable[..., Container]
) -> None:
    api.verified_account(ADA)
    configure(**CODES, MAIL_DISPATCH="stream")  # as deployed: the task runs after the answer
    seen = {}
    for email in (ADA, "nobody@example.com"):
        aws_hooks.calls.clear()
        answer = ask(api, email)
        body = {k: v for k, v in answer.json_body.items() if k != "device"}
        seen[email] = (answer.status_code, body, aws_hooks.operations())
    assert seen[ADA] == seen["nobody@example.com"]
    # the source's budget, then the one write: the task
    assert seen[ADA][2] == ["UpdateItem", "TransactWriteItems"]


def test_an_unknown_address_gets_no_email_and_the_same_limits(api: Api, aws_hooks: Hooks) -> None:
    api.verified_account(ADA)
    for email in (ADA, "nobody@example.com"):
        ask(api, email)
    assert mails_to("nobody@example.com") == []
    if code_in() == "000000":
        pytest.skip("one in a million: the code was 000000")
    tried = {}
    for email in (ADA, "nobody@example.com"):
        aws_hooks.calls.clear()
        answers = [verify(api, "000000", email) for _ in range(6)]
        codes = [(a.status_code, a.json_body["error"]["code"]) for a in answers]
        tried[email] = (codes, aws_hooks.operations())
    assert tried[ADA] == tried["nobody@example.com"]
    assert [s for s, _ in tried[ADA][0]] == [401] * 5 + [429]
    assert tried[ADA][1] == ["UpdateItem", "UpdateItem"] * 6  # the source's budget, the try


def test_verify_makes_at_most_2_calls_besides_the_source_budget(api: Api, aws_hooks: Hooks) -> None:
    api.verified_account(ADA)
    ask(api)
    code = code_in()
    aws_hooks.calls.clear()
    assert verify(api, code).status_code == 200
    assert aws_hooks.operations() == ["UpdateItem", "UpdateItem", "TransactWriteItems"]


@pytest.mark.parametrize("status", ["blocked", "inactive"])
def test_a_blocked_or_inactive_customer_gets_no_code(api: Api, container: Container, status: str) -> None:
    pair = api.verified_account(ADA)
    staff = staff_headers(container)
    path = f"/admin/customers/{pair['customer_id']}/status"
    assert api.call("PUT", path, {"status": status}, **staff).status_code == 200
    before = len(mails_to(ADA))
    assert ask(api).status_code == 202
    assert len(mails_to(ADA)) == before


def test_a_code_sent_before_a_block_no_longer_signs_in(api: Api, container: Container) -> None:
    pair = api.verified_account(ADA)
    ask(api)
    staff = staff_headers(container)
    api.call("PUT", f"/admin/customers/{pair['customer_id']}/status", {"status": "blocked"}, **staff)
    assert verify(api, code_in()).status_code == 401


def test_an_unverified_sign_up_gets_no_code(api: Api) -> None:
    api.signup(ADA)
    ask(api)
    assert [m.subject for m in mails_to(ADA)] == ["Confirm your email address"]


def test_a_guest_never_gets_a_session(api: Api) -> None:
    guest = api.storefront("POST", "/guests", {"email": ADA, "name": "Gus"})
    assert guest.status_code == 201, guest.body
    ask(api)
    assert all("sign-in code" not in m.subject for m in mails_to(ADA))
    assert verify(api, "123456").status_code == 401


def test_an_invited_customer_signs_in_by_code_without_a_password(api: Api, container: Container) -> None:
    staff = staff_headers(container)
    answer = api.call("POST", "/admin/invitations", {"customers": [{"email": ADA, "name": "Ada"}]}, **staff)
    assert answer.status_code == 202
    ask(api)
    session = verify(api, code_in())
    assert session.status_code == 200, session.body
    customer = Customer.get(session.json_body["customer_id"])
    login = Login.get(f"web:test-shop#{ADA}")
    assert customer.status == "active" and login.status == "active" and login.password_hash is None
    assert api.call("GET", "/me", token=session.json_body["access_token"]).status_code == 200
    assert Invitation.get(answer.json_body["rows"][0]["invitation_id"]).status == "accepted"


def test_the_link_works_only_with_the_requesters_device_value(api: Api) -> None:
    api.verified_account(ADA)
    device = ask(api).json_body["device"]
    link = link_in()
    elsewhere = api.call("POST", "/sessions/code/verify", {"link": link, "device": "another-browser"})
    assert elsewhere.status_code == 401 and elsewhere.json_body["error"]["code"] == "wrong_device"
    here = api.call("POST", "/sessions/code/verify", {"link": link, "device": device})
    assert here.status_code == 200, here.body
    again = api.call("POST", "/sessions/code/verify", {"link": link, "device": device})
    assert again.status_code == 401


def test_password_only_websites_refuse_codes(api: Api, configure: Callable[..., Container]) -> None:
    configure(SIGNIN_METHODS="password")
    answer = ask(api)
    assert answer.status_code == 403 and answer.json_body["error"]["code"] == "signin_method_disabled"
    assert api.call("GET", "/website").json_body["signin_methods"] == ["password"]


def test_code_only_websites_refuse_passwords(api: Api, configure: Callable[..., Container]) -> None:
    api.verified_account(ADA)
    configure(**{**CODES, "SIGNIN_METHODS": "code"})
    answer = api.sign_in(ADA, STRONG_PASSWORD)
    assert answer.status_code == 403 and answer.json_body["error"]["code"] == "signin_method_disabled"
    assert api.call("GET", "/website").json_body["signin_methods"] == ["code"]


def test_with_free_sign_up_and_codes_only_the_first_code_creates_the_account(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**{**CODES, "SIGNIN_METHODS": "code"})
    ask(api, locale="fr")
    mail = last_mail(ADA)
    assert mail.language == "fr" and "compte sera créé" in mail.text
    session = verify(api, code_in())
    assert session.status_code == 200, session.body
    me = api.call("GET", "/me", token=session.json_body["access_token"]).json_body
    assert me["email"] == ADA and me["status"] == "active"
    customer_id = session.json_body["customer_id"]
    assert Login.get(f"web:test-shop#{ADA}").customer_id == customer_id


def test_an_account_made_by_a_code_has_a_reference_is_found_by_staff_and_announced(
    api: Api, configure: Callable[..., Container]
) -> None:
    container = configure(**{**CODES, "SIGNIN_METHODS": "code"})
    ask(api)
    customer_id = verify(api, code_in()).json_body["customer_id"]
    customer = Customer.get(customer_id)
    assert customer.reference and customer.verified_at
    found = api.call("GET", "/admin/customers?q=ada@ex", **staff_headers(container)).json_body["items"]
    assert [c["customer_id"] for c in found] == [customer_id]
    types = sorted(e.type for e in LifecycleEvent.scan() if e.customer_id == customer_id)  # reads all
    assert types == ["customer.created", "customer.verified"]


def test_an_invited_customers_first_code_announces_the_verification(api: Api, container: Container) -> None:
    staff = staff_headers(container)
    api.call("POST", "/admin/invitations", {"customers": [{"email": ADA, "name": "Ada"}]}, **staff)
    ask(api)
    customer_id = verify(api, code_in()).json_body["customer_id"]
    types = sorted(e.type for e in LifecycleEvent.scan() if e.customer_id == customer_id)  # reads all
    assert types == ["customer.created", "customer.verified"]


def test_with_both_methods_an_unknown_address_gets_no_email(api: Api) -> None:
    ask(api, "nobody@example.com")
    assert mails_to("nobody@example.com") == []


def test_the_per_source_budget_applies(api: Api, configure: Callable[..., Container]) -> None:
    configure(SIGNIN_METHODS="password,code", SOURCE_BUDGET_PER_MINUTE=2, SOURCE_BUDGET_PER_HOUR=100)
    assert [ask(api, f"n{i}@example.com").status_code for i in range(3)] == [202, 202, 429]
    refused = verify(api, "123456")
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_the_per_recipient_budget_applies(
    api: Api, configure: Callable[..., Container], clock: ManualClock
) -> None:
    configure(**CODES, EMAIL_BUDGET_PER_DAY=5)
    api.verified_account(ADA)  # one verify email: its own budget
    for _ in range(3):  # three windows of five codes would be 15; the daily budget stops at 5
        for _ in range(5):
            ask(api)
            clock.advance(60)
        clock.advance(3600)
    assert sum("sign-in code" in m.subject for m in mails_to(ADA)) == 5


def test_the_cleanup_removes_ended_windows_but_not_a_window_opened_again(
    api: Api, container: Container, clock: ManualClock
) -> None:
    from chalicelib.cleanup import service as cleanup

    api.verified_account(ADA)
    ask(api)
    ask(api, "nobody@example.com")
    assert SignInCode.count() == 2
    clock.advance(3600)
    ask(api)  # a new window for ada: its item's expiry moved
    clock.advance(1)
    assert cleanup.run(container)["removed"].get("sign_in_codes") == 1
    assert SignInCode.count() == 1 and verify(api, code_in()).status_code == 200


def test_with_links_to_the_storefront_the_link_opens_its_page(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**CODES, LINKS_TO="storefront")
    api.verified_account(ADA)
    ask(api)
    assert last_mail(ADA).link("/sign-in/link").startswith("https://shop.example/account/sign-in/link?token=")
