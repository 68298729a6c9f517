"""Per-recipient email budgets (SPEC §4 "Abuse budgets"): the emails a caller can make the
service send to an address it does not own are capped per address and kind (3 an hour, 10 a
day by default); past that they are dropped silently, the answer unchanged, a metric counted.
Emails are counted in what SES (moto) received."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.checkout.models import Document
from chalicelib.identity import passwords
from chalicelib.identity.models import Customer
from chalicelib.identity.schemas import ForgotIn
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from devtools.probes import at_once
from tests.integration.conftest import Api, mails_to, token_from
from tests.support import STRONG_PASSWORD

HOURLY, DAILY = 3, 10  # the defaults
OWNER = "owner@example.com"
TRIES = 20


def subjects(address: str, subject: str) -> int:
    return sum(1 for m in mails_to(address) if m.subject == subject)


def emf_total(out: str, name: str) -> float:
    """The sum of one metric in the EMF lines the middleware flushed to stdout."""
    total = 0.0
    for line in out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            value = json.loads(line).get(name)
            total += sum(value) if isinstance(value, list) else (value or 0)
    return total


def same_answers(answers: list[Any], status: int) -> None:
    assert {(a.status_code, a.body) for a in answers} == {(status, answers[0].body)}


def test_forgot_password_sends_one_address_its_hourly_budget_then_its_daily_one(
    api: Api, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.advance(86400 - clock.now() % 86400 + 60)  # one minute into a UTC day: 4 hours fit in it
    api.verified_account(OWNER)
    capsys.readouterr()
    answers = [api.call("POST", "/password/forgot", {"email": OWNER}) for _ in range(TRIES)]
    same_answers(answers, 202)
    assert subjects(OWNER, "Reset your password") == HOURLY
    assert emf_total(capsys.readouterr().out, "EmailsOverBudget") == TRIES - HOURLY
    for hour in range(1, 5):  # 3 more each hour, until the day's 10
        clock.advance(3600)
        answers = [api.call("POST", "/password/forgot", {"email": OWNER}) for _ in range(5)]
        same_answers(answers, 202)
        assert subjects(OWNER, "Reset your password") == min(HOURLY * (hour + 1), DAILY)
    # the counters hold no address: only a keyed hash, a window and counts
    from chalicelib.kernel.models import BudgetCounter

    counters = [json.dumps(item.attribute_values) for item in BudgetCounter.scan()]
    assert counters and not any("owner" in c for c in counters)


def test_signup_on_a_taken_address_tells_its_owner_at_most_the_budget(api: Api) -> None:
    api.verified_account(OWNER)
    answers = [api.signup(OWNER, name=f"Mallory {i}") for i in range(TRIES)]
    same_answers(answers, 202)
    assert subjects(OWNER, "You already have an account") == HOURLY


def test_signups_over_a_pending_one_send_at_most_the_budget_of_verify_emails(api: Api) -> None:
    """Past the budget nothing of the repeated sign-up is written: the last link sent still works."""
    answers = [api.signup("never@example.com", name=f"Mallory {i}") for i in range(TRIES)]
    same_answers(answers, 202)
    verify = [m for m in mails_to("never@example.com") if m.subject == "Confirm your email address"]
    assert len(verify) == HOURLY
    token = token_from(verify[-1].link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": token}).status_code == 200


def test_guest_checkouts_offer_the_owner_at_most_the_budget_of_merges_and_keep_every_order(
    api: Api,
) -> None:
    api.verified_account(OWNER)
    order = {"type": "order", "status": "open", "date": "2026-11-20"}
    answers = [
        api.storefront(
            "POST", "/guests", {"email": OWNER, "name": "Gus", "order": {**order, "document_id": f"SO-{i}"}}
        )
        for i in range(TRIES)
    ]
    assert {a.status_code for a in answers} == {201}
    shape = ("customer_id", "expires_at", "kind", "register_later_url")  # as for any address
    assert {tuple(sorted(a.json_body)) for a in answers} == {shape}
    assert subjects(OWNER, "Add your guest order to your account") == HOURLY
    for i, answer in enumerate(answers):  # an offer over budget drops the email, never the order
        guest = answer.json_body["customer_id"]
        assert Customer.get(guest).status == "guest" and Document.get(guest, f"SO-{i}").status == "open"


def test_register_later_offers_the_owner_at_most_the_budget_of_merges(api: Api) -> None:
    """Each link offers one merge at most (the first use spends it, whichever way it goes);
    many guests' links for one address still offer its owner only the hourly budget."""
    checkout = [{"email": OWNER, "name": f"Gus {i}"} for i in range(TRIES)]
    guests = [api.storefront("POST", "/guests", body).json_body for body in checkout]
    tokens = [token_from(guest["register_later_url"]) for guest in guests]
    api.verified_account(OWNER)  # the address gets an owner after the checkouts
    answers = [api.call("POST", "/register", {"token": t, "password": STRONG_PASSWORD}) for t in tokens]
    assert {(a.status_code, a.json_body["status"]) for a in answers} == {(202, "email_sent")}
    assert subjects(OWNER, "Add your guest order to your account") == HOURLY
    replayed = api.call("POST", "/register", {"token": tokens[0], "password": STRONG_PASSWORD})
    assert replayed.status_code == 400  # spent


def test_email_changes_to_a_taken_address_notify_at_most_the_budget(api: Api) -> None:
    api.verified_account(OWNER)
    token = api.verified_account("mallory@example.com")["access_token"]
    body = {"new_email": OWNER, "password": STRONG_PASSWORD}
    answers = [api.call("POST", "/me/email", body, token=token) for _ in range(8)]
    same_answers(answers, 202)
    assert subjects(OWNER, "Your email address was entered for another account") == HOURLY
    assert subjects(OWNER, "Confirm your new email address") == 0  # never a link to a taken address
    # the notice to the caller's own address goes only with a confirmation that went
    assert subjects("mallory@example.com", "A change of email address was requested") == HOURLY


def test_25_concurrent_requests_still_send_at_most_the_budget(api: Api, container: Container) -> None:
    api.verified_account(OWNER)
    results = at_once(lambda _: passwords.forgot_password(container, ForgotIn(email=OWNER)), 25)
    assert results == [passwords.FORGOT_ACCEPTED] * 25
    assert subjects(OWNER, "Reset your password") == HOURLY
