"""Sign-up, email verification, enumeration safety and idempotency over HTTP."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.identity.models import Customer, Login
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from chalicelib.kernel.models import Token
from chalicelib.kernel.security import sha256_hex
from chalicelib.mail.models import OutboxMessage
from tests.integration.conftest import Api, last_mail, mails_to, token_from
from tests.support import STRONG_PASSWORD


def test_signup_answers_202_and_sends_a_verify_link(api: Api) -> None:
    answer = api.signup("ada@example.com", name="Ada Lovelace")
    assert answer.status_code == 202
    mail = last_mail("ada@example.com")
    assert mail.subject == "Confirm your email address"
    # the caller need not own the address: nothing it typed is in the email, not even its name
    assert mail.text.startswith("Hello,\n") and "Ada Lovelace" not in mail.text + mail.html
    assert mail.link("/verify?token=").startswith("https://accounts.shop.example/verify?token=")


def test_signup_writes_account_claim_token_and_outbox_together(api: Api) -> None:
    api.signup("ada@example.com")
    token = token_from(last_mail("ada@example.com").link("/verify"))
    login = Login.get("web:test-shop#ada@example.com")
    customer = Customer.get(login.customer_id)
    stored = Token.get(sha256_hex(token))
    assert customer.status == login.status == "pending"
    assert customer.version == 1 and stored.bound_version == 1
    assert stored.customer_id == customer.customer_id
    assert customer.expires_at and login.expires_at  # unverified sign-ups expire


def test_the_account_is_usable_only_once_verified(api: Api) -> None:
    api.signup("ada@example.com")
    refused = api.sign_in("ada@example.com")
    assert refused.status_code == 403
    assert refused.json_body["error"]["code"] == "email_not_verified"
    token = token_from(last_mail("ada@example.com").link("/verify"))
    verified = api.call("POST", "/signup/verify", {"token": token})
    assert verified.status_code == 200 and verified.json_body["status"] == "verified"
    assert api.sign_in("ada@example.com").status_code == 200


def test_a_verify_link_works_once(api: Api) -> None:
    api.signup("ada@example.com")
    token = token_from(last_mail("ada@example.com").link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": token}).status_code == 200
    again = api.call("POST", "/signup/verify", {"token": token})
    assert again.status_code == 400 and again.json_body["error"]["code"] == "invalid_token"


def test_a_verify_link_expires_after_24_hours(api: Api, clock: ManualClock) -> None:
    api.signup("ada@example.com")
    token = token_from(last_mail("ada@example.com").link("/verify"))
    clock.advance(24 * 3600 + 1)
    late = api.call("POST", "/signup/verify", {"token": token})
    assert late.status_code == 400 and late.json_body["error"]["code"] == "invalid_token"


def test_existing_email_gets_the_same_answer_and_an_already_have_an_account_email(api: Api) -> None:
    api.verified_account("ada@example.com")
    first = api.signup("bob@example.com")
    second = api.signup("ada@example.com", password="another strong passphrase", name="Mallory")
    assert (first.status_code, first.json_body) == (second.status_code, second.json_body)
    mail = last_mail("ada@example.com")
    assert mail.subject == "You already have an account"
    assert "/verify" not in mail.text
    assert api.sign_in("ada@example.com").status_code == 200  # the password did not change


def test_emails_are_unique_case_insensitively_and_trimmed(api: Api) -> None:
    api.verified_account("ada@example.com")
    api.signup("  ADA@Example.COM ", password="another strong passphrase")
    assert last_mail("ada@example.com").subject == "You already have an account"
    assert api.sign_in("Ada@EXAMPLE.com").status_code == 200


def test_signing_up_again_before_verifying_resends_and_kills_the_older_link(api: Api) -> None:
    api.signup("ada@example.com", password="first strong passphrase")
    old = token_from(last_mail("ada@example.com").link("/verify"))
    api.signup("ada@example.com", password="second strong passphrase")
    new = token_from(last_mail("ada@example.com").link("/verify"))
    assert old != new
    assert api.call("POST", "/signup/verify", {"token": old}).status_code == 400
    assert api.call("POST", "/signup/verify", {"token": new}).status_code == 200
    assert api.sign_in("ada@example.com", "first strong passphrase").status_code == 401
    assert api.sign_in("ada@example.com", "second strong passphrase").status_code == 200


def test_an_expired_unverified_claim_does_not_block_a_new_sign_up(api: Api, clock: ManualClock) -> None:
    api.signup("ada@example.com", password="first strong passphrase")
    clock.advance(8 * 86400)
    api.signup("ada@example.com", password="second strong passphrase")
    token = token_from(last_mail("ada@example.com").link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": token}).status_code == 200
    assert api.sign_in("ada@example.com", "second strong passphrase").status_code == 200


def test_invitation_mode_closes_sign_up(api: Api, configure: Callable[..., Container]) -> None:
    configure(SIGNUP_MODE="invitation")
    answer = api.signup("ada@example.com")
    assert answer.status_code == 403 and answer.json_body["error"]["code"] == "signup_closed"
    assert mails_to("ada@example.com") == []
    website = api.call("GET", "/website").json_body
    assert website["signup_mode"] == "invitation" and website["signup_enabled"] is False


def test_the_locale_chooses_the_email_language(api: Api) -> None:
    api.signup("zoe@example.com", locale="fr-CA")
    mail = last_mail("zoe@example.com")
    assert mail.subject == "Confirmez votre adresse e-mail"
    assert mail.language == "fr"
    api.signup("max@example.com", locale="xx")  # unsupported: the website's default
    assert last_mail("max@example.com").language == "en"


def test_a_retried_signup_with_the_same_idempotency_key_creates_once(api: Api) -> None:
    body = {"email": "ada@example.com", "password": STRONG_PASSWORD, "name": "Ada"}
    first = api.call("POST", "/signup", body, **{"Idempotency-Key": "order-123-signup"})
    second = api.call("POST", "/signup", body, **{"Idempotency-Key": "order-123-signup"})
    assert first.status_code == second.status_code == 202
    assert first.json_body == second.json_body
    assert len(mails_to("ada@example.com")) == 1
    assert sorted(m.template for m in OutboxMessage.scan()) == ["task:signup", "verify"]  # one of each


def test_an_idempotency_key_reused_for_another_body_is_refused(api: Api) -> None:
    api.call(
        "POST",
        "/signup",
        {"email": "ada@example.com", "password": STRONG_PASSWORD, "name": "A"},
        **{"Idempotency-Key": "key-12345678"},
    )
    other = api.call(
        "POST",
        "/signup",
        {"email": "bob@example.com", "password": STRONG_PASSWORD, "name": "B"},
        **{"Idempotency-Key": "key-12345678"},
    )
    assert other.status_code == 409
    assert other.json_body["error"]["code"] == "idempotency_key_reused"
    assert mails_to("bob@example.com") == []


def test_a_blank_name_is_refused(api: Api) -> None:
    answer = api.signup("ada@example.com", name="   ")
    assert answer.status_code == 422 and "name" in answer.json_body["error"]["fields"]
    assert mails_to("ada@example.com") == []
