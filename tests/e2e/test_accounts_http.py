"""Accounts core over real HTTP: ``chalice local`` on the moto server, emails from its mailbox."""

from __future__ import annotations

import pytest

from devtools import mail as mail_cli
from tests.e2e.helpers import Api, LocalService, Mailbox, new_address, token_from
from tests.support import STRONG_PASSWORD

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a brand new passphrase for ada"


def test_website_has_the_local_urls(api: Api, local_service: LocalService) -> None:
    website = api.call("GET", "/website").json()
    assert website["website_id"] == "local-shop"
    assert website["public_api_url"] == local_service.api_url  # on the port picked for this run


def test_signup_verify_signin_me(api: Api, mailbox: Mailbox, local_service: LocalService) -> None:
    email = new_address()
    answer = api.signup(email, locale="en")
    assert answer.status_code == 202, answer.text

    mail = mailbox.wait(email, "Confirm your email address")
    link = mail.link("/verify?token=")
    assert link.startswith(f"{local_service.api_url}/verify?token=")
    assert mail.language == "en"
    assert api.sign_in(email).json()["error"]["code"] == "email_not_verified"

    verified = api.call("POST", "/signup/verify", {"token": token_from(link)})
    assert verified.status_code == 200, verified.text
    again = api.call("POST", "/signup/verify", {"token": token_from(link)})
    assert (again.status_code, again.json()["error"]["code"]) == (400, "invalid_token")

    session = api.sign_in(email.upper())  # emails compare case-insensitively
    assert session.status_code == 200, session.text
    pair = session.json()
    assert {"access_token", "refresh_token", "expires_in", "customer_id"} <= pair.keys()

    me = api.call("GET", "/me", token=pair["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email
    assert me.json()["customer_id"] == pair["customer_id"]
    assert me.json()["status"] == "active"
    assert me.json()["email_verified"] is True
    assert api.call("GET", "/me").status_code == 401


def test_password_reset_ends_the_old_password_and_sessions(api: Api, mailbox: Mailbox) -> None:
    email = new_address()
    old = api.verified_account(email)
    forgot = api.call("POST", "/password/forgot", {"email": email})
    unknown = api.call("POST", "/password/forgot", {"email": new_address("nobody")})
    assert forgot.status_code == unknown.status_code == 202
    assert forgot.json() == unknown.json()

    link = mailbox.wait(email, "Reset your password").link("/password/reset?token=")
    reset = api.call("POST", "/password/reset", {"token": token_from(link), "password": NEW_PASSWORD})
    assert reset.status_code == 200, reset.text

    assert api.sign_in(email, STRONG_PASSWORD).status_code == 401
    assert api.sign_in(email, NEW_PASSWORD).status_code == 200
    refreshed = api.call("POST", "/sessions/refresh", {"refresh_token": old["refresh_token"]})
    assert refreshed.status_code == 401, refreshed.text
    assert api.call("GET", "/me", token=old["access_token"]).status_code == 401
    reused = api.call("POST", "/password/reset", {"token": token_from(link), "password": STRONG_PASSWORD})
    assert reused.status_code == 400
    mailbox.wait(email, "Your password was changed")


def test_refresh_rotates_the_pair(api: Api) -> None:
    pair = api.verified_account(new_address())
    answer = api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["refresh_token"] != pair["refresh_token"]
    assert api.call("GET", "/me", token=answer.json()["access_token"]).status_code == 200


def test_staff_route_needs_the_staff_key(api: Api, local_service: LocalService) -> None:
    email = new_address()
    customer_id = api.verified_account(email)["customer_id"]
    path = f"/admin/customers/{customer_id}"

    answer = api.call("GET", path, token=local_service.staff_key)
    assert answer.status_code == 200, answer.text
    assert answer.json()["email"] == email
    assert answer.json()["website_id"] == "local-shop"

    assert api.call("GET", path).status_code == 401
    assert api.call("GET", path, token="not-a-staff-key-0123456789").status_code == 403
    customer_token = api.sign_in(email).json()["access_token"]
    assert api.call("GET", path, token=customer_token).status_code == 403
    unknown = api.call("GET", "/admin/customers/cus_unknown", token=local_service.staff_key)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")


def test_signup_for_an_existing_email_looks_the_same_and_tells_the_owner(api: Api, mailbox: Mailbox) -> None:
    email = new_address()
    api.verified_account(email)
    fresh = api.signup(new_address("fresh"))
    again = api.signup(email.upper(), password="another good passphrase", name="Mallory")

    assert again.status_code == fresh.status_code == 202
    assert again.json() == fresh.json()
    assert again.headers["Content-Type"] == fresh.headers["Content-Type"]
    notice = mailbox.wait(email, "You already have an account")
    assert notice.to == [email]
    assert len(mailbox.to(email, "Confirm your email address")) == 1  # no second verify email


def test_make_mail_lists_the_newest_first(
    api: Api, mailbox: Mailbox, local_service: LocalService, capsys: pytest.CaptureFixture[str]
) -> None:
    email = new_address()
    api.verify_link(email)
    api.call("POST", "/password/forgot", {"email": email})  # unverified accounts may reset too
    mailbox.wait(email, count=2)
    aws_port = local_service.aws_url.rsplit(":", 1)[1]

    assert mail_cli.main(["--aws-port", aws_port, "--to", email]) == 0
    out = capsys.readouterr().out
    assert out.index("Reset your password") < out.index("Confirm your email address")
    assert f"{local_service.api_url}/password/reset?token=" in out
    assert mail_cli.main(["--aws-port", aws_port, "--to", email, "--limit", "1"]) == 0
    assert "Confirm your email address" not in capsys.readouterr().out
