"""Text a caller chose never reaches an email to an address that caller does not own
(SPEC §4): those emails greet with the account's stored name or no one; names are one line
of text, without control characters."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Api, last_mail, mails_to
from tests.support import STRONG_PASSWORD

OWNER = "owner@example.com"
SCAM = "YOUR ACCOUNT IS SUSPENDED https://evil.example/pay"


def assert_clean(address: str) -> None:
    mails = mails_to(address)
    assert mails
    for mail in mails:
        body = mail.subject + mail.text + mail.html
        assert "SUSPENDED" not in body and "evil.example" not in body, mail.subject


def test_signup_on_a_taken_address_greets_its_owner_by_the_stored_name_or_no_one(api: Api) -> None:
    api.verified_account(OWNER)
    assert api.signup(OWNER, name=SCAM).status_code == 202
    assert last_mail(OWNER).subject == "You already have an account"
    assert_clean(OWNER)


def test_sign_ups_and_resets_of_an_unverified_address_carry_no_callers_name(api: Api) -> None:
    assert api.signup("never@example.com", name=SCAM).status_code == 202  # a new sign-up
    assert api.signup("never@example.com", name=SCAM).status_code == 202  # over the pending one
    assert api.call("POST", "/password/forgot", {"email": "never@example.com"}).status_code == 202
    subjects = [m.subject for m in mails_to("never@example.com")]
    assert subjects == ["Confirm your email address"] * 2 + ["Reset your password"]
    assert_clean("never@example.com")


def test_a_guest_checkout_and_register_later_carry_no_callers_text_to_the_owner(api: Api) -> None:
    guest = api.storefront("POST", "/guests", {"email": OWNER, "name": SCAM}).json_body
    api.verified_account(OWNER)
    api.storefront("POST", "/guests", {"email": OWNER, "name": SCAM, "phone": "+1 555 0100"})
    token = guest["register_later_url"].split("token=", 1)[1]
    api.call("POST", "/register", {"token": token, "password": STRONG_PASSWORD})
    merges = [m for m in mails_to(OWNER) if m.subject == "Add your guest order to your account"]
    assert len(merges) == 2
    assert_clean(OWNER)


def test_an_email_change_to_someone_elses_address_carries_no_name(api: Api) -> None:
    token = api.verified_account("mallory@example.com")["access_token"]
    assert api.call("PATCH", "/me", {"name": "Mallory"}, token=token).status_code == 200
    body = {"new_email": OWNER, "password": STRONG_PASSWORD}
    assert api.call("POST", "/me/email", body, token=token).status_code == 202
    mail = last_mail(OWNER)
    assert mail.subject == "Confirm your new email address" and "Mallory" not in mail.text + mail.html


@pytest.mark.parametrize(
    "name", ["Ada\nLovelace", "Ada\r\nBCC: x@example.com", "Ada\x07", "Ada\u202eecalevoL"]
)
def test_names_with_control_characters_or_line_breaks_are_refused(api: Api, name: str) -> None:
    refused = [
        api.signup("ada@example.com", name=name),
        api.storefront("POST", "/guests", {"email": "ada@example.com", "name": name}),
    ]
    for answer in refused:
        assert answer.status_code == 422, answer.body
        assert answer.json_body["error"]["code"] == "validation_failed"
        assert set(answer.json_body["error"]["fields"]) == {"name"}
    assert mails_to("ada@example.com") == []
