"""Sign-in by emailed code over real HTTP: ``make run``'s stage offers both methods."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.helpers import Api, LocalService, Mailbox, new_address, token_from

pytestmark = pytest.mark.e2e

SUBJECT = "Your sign-in code"


def code_of(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def test_a_code_from_the_email_signs_in_and_an_unknown_address_gets_the_same_answer(
    api: Api, mailbox: Mailbox, local_service: LocalService
) -> None:
    assert api.call("GET", "/website").json()["signin_methods"] == ["password", "code"]
    email, nobody = new_address(), new_address("nobody")
    api.verified_account(email)
    known = api.call("POST", "/sessions/code", {"email": email})
    unknown = api.call("POST", "/sessions/code", {"email": nobody})
    assert known.status_code == unknown.status_code == 202
    assert (
        known.json().keys() == unknown.json().keys() and known.json()["message"] == unknown.json()["message"]
    )
    mail = mailbox.wait(email, SUBJECT)
    assert mail.link("/sign-in/link?token=").startswith(f"{local_service.api_url}/sign-in/link?token=")
    session = api.call("POST", "/sessions/code/verify", {"email": email, "code": code_of(mail.text)})
    assert session.status_code == 200, session.text
    me = api.call("GET", "/me", token=session.json()["access_token"])
    assert me.status_code == 200 and me.json()["email"] == email
    assert mailbox.to(nobody) == []


def test_the_link_needs_the_device_value_and_a_resend_replaces_the_code(api: Api, mailbox: Mailbox) -> None:
    email = new_address()
    api.verified_account(email)
    first = api.call("POST", "/sessions/code", {"email": email}).json()["device"]
    old = mailbox.wait(email, SUBJECT)
    time.sleep(5)  # the local stage's resend cooldown (deployed stages: 60 s at least)
    device = api.call("POST", "/sessions/code", {"email": email}).json()["device"]
    new = mailbox.wait(email, SUBJECT, count=2)
    old_link, link = token_from(old.link("/sign-in/link")), token_from(new.link("/sign-in/link"))
    replaced = api.call("POST", "/sessions/code/verify", {"link": old_link, "device": first})
    assert replaced.status_code == 401 and replaced.json()["error"]["code"] == "invalid_code"
    wrong = api.call("POST", "/sessions/code/verify", {"link": link, "device": first})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "wrong_device"
    right = api.call("POST", "/sessions/code/verify", {"link": link, "device": device})
    assert right.status_code == 200, right.text
