"""Invitations over real HTTP: staff grant access with the local staff key, customers accept
with the link from the email SES (moto) received, and run_local's worker finishes bulk jobs."""

from __future__ import annotations

import time

import pytest
import requests

from tests.e2e.helpers import Api, LocalService, Mailbox, new_address, token_from
from tests.support import STRONG_PASSWORD

pytestmark = pytest.mark.e2e

INVITED = "You are invited to your Local Shop account"  # SHOP_NAME of the local stage
ALREADY = "Your Local Shop account is ready"
NEW_PASSWORD = "my own invited passphrase"
BULK = 30


def _error(answer: requests.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def test_invite_one_accept_sign_in_me(api: Api, mailbox: Mailbox, local_service: LocalService) -> None:
    email = new_address("eve")
    answer = api.invite({"email": email.upper(), "name": "Eve Buyer", "locale": "en"})
    assert answer.status_code == 202, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    job = api.finished_job(answer.json()["job_id"])
    assert job["total"] == job["processed"] == 1
    assert job["counts"] == {"invited": 1, "already_invited": 0, "already_has_account": 0, "invalid": 0}
    [row] = job["rows"]
    assert (row["row"], row["email"], row["result"]) == (1, email, "invited")
    assert row["invitation_id"].startswith("inv_")

    mail = mailbox.wait(email, INVITED)
    assert mail.to == [email] and mail.language == "en"
    assert "Hello Eve Buyer" in mail.text and "7 days" in mail.text
    link = mail.link("/invitations?token=")
    assert link.startswith(f"{local_service.api_url}/invitations?token=")
    token = token_from(link)
    assert token not in str(job)  # staff never see the secret

    pending = {i["invitation_id"]: i for i in api.pending_invitations()}
    listed = pending[row["invitation_id"]]
    assert (listed["email"], listed["name"], listed["status"], listed["sent_count"]) == (
        email,
        "Eve Buyer",
        "pending",
        1,
    )
    assert listed["created_by"].startswith("staff:")
    # Invited, not yet a customer who can sign in, whatever password is tried.
    assert api.sign_in(email, NEW_PASSWORD).status_code == 401

    weak = api.call("POST", "/invitations/accept", {"token": token, "password": "short"})
    assert weak.status_code == 422, weak.text  # refused, and the link still works
    accepted = api.call("POST", "/invitations/accept", {"token": token, "password": NEW_PASSWORD})
    assert accepted.status_code == 200, accepted.text
    pair = accepted.json()
    assert pair["status"] == "accepted"
    assert {"access_token", "refresh_token", "expires_in", "customer_id"} <= pair.keys()

    me = api.call("GET", "/me", token=pair["access_token"])
    assert me.status_code == 200, me.text
    assert (me.json()["email"], me.json()["name"], me.json()["status"]) == (email, "Eve Buyer", "active")
    assert me.json()["email_verified"] is True
    assert me.json()["customer_id"] == pair["customer_id"]

    session = api.sign_in(email, NEW_PASSWORD)
    assert session.status_code == 200, session.text
    assert session.json()["customer_id"] == pair["customer_id"]
    assert api.call("GET", "/me", token=session.json()["access_token"]).status_code == 200

    again = api.call("POST", "/invitations/accept", {"token": token, "password": "another passphrase"})
    assert _error(again) == (400, "invalid_token")
    assert row["invitation_id"] not in {i["invitation_id"] for i in api.pending_invitations()}
    assert len(mailbox.to(email)) == 1


def test_bulk_invitation_answers_at_once_and_the_worker_finishes_it(api: Api, mailbox: Mailbox) -> None:
    emails = [new_address(f"bulk{i}") for i in range(BULK)]
    rows = [{"email": e, "name": f"Bulk Buyer {i}"} for i, e in enumerate(emails)]
    started = time.monotonic()
    answer = api.invite(*rows)
    took = time.monotonic() - started
    assert answer.status_code == 202, answer.text
    assert took < 5, f"the 202 took {took:.1f} s"  # ~0.5 s of rows in the request, the rest queued
    first = answer.json()
    assert first["job_id"].startswith("job_") and first["total"] == BULK
    assert first["status"] in ("queued", "running", "done")
    assert [r["email"] for r in first["rows"]] == emails

    job = api.finished_job(first["job_id"])
    assert job["processed"] == BULK and job["finished_at"]
    assert job["counts"] == {"invited": BULK, "already_invited": 0, "already_has_account": 0, "invalid": 0}
    assert [(r["row"], r["email"], r["result"]) for r in job["rows"]] == [
        (i, e, "invited") for i, e in enumerate(emails, start=1)
    ]
    assert len({r["invitation_id"] for r in job["rows"]}) == BULK
    assert job["next_cursor"] is None

    received = mailbox.wait_each(emails)
    time.sleep(0.5)  # nothing sent twice, even a moment later
    received = mailbox.wait_each(emails)
    assert {e: [m.subject for m in got] for e, got in received.items()} == {e: [INVITED] for e in emails}
    tokens = {token_from(got[0].link("/invitations?token=")) for got in received.values()}
    assert len(tokens) == BULK
    assert api.finished_job(first["job_id"])["counts"]["invited"] == BULK  # the worker did nothing twice


def test_an_existing_account_in_a_bulk_call_gets_a_sign_in_link(api: Api, mailbox: Mailbox) -> None:
    email, fresh = new_address("ada"), new_address("fresh")
    pair = api.verified_account(email, name="Ada")
    customer_id = pair["customer_id"]

    answer = api.invite(
        {"email": fresh, "name": "Fresh Buyer"},
        {"email": email.upper(), "name": "Someone Else", "locale": "fr"},
    )
    assert answer.status_code == 202, answer.text
    job = api.finished_job(answer.json()["job_id"])
    assert job["counts"] == {"invited": 1, "already_invited": 0, "already_has_account": 1, "invalid": 0}
    existing = job["rows"][1]
    assert (existing["email"], existing["result"], existing["invitation_id"]) == (
        email,
        "already_has_account",
        None,
    )
    assert existing["detail"] == "sent a sign-in link"

    mail = mailbox.wait(email, ALREADY)
    assert mail.language == "en"  # the account's language, not the row's
    assert "/account/sign-in" in mail.text
    assert not [link for link in mail.links if "/invitations" in link]
    assert [m.subject for m in mailbox.to(email)] == [ALREADY, "Confirm your email address"]
    mailbox.wait(fresh, INVITED)

    # The same account, untouched: its password, name and sessions all still work.
    assert api.call("GET", "/me", token=pair["access_token"]).json()["name"] == "Ada"
    again = api.sign_in(email)
    assert again.status_code == 200 and again.json()["customer_id"] == customer_id
    staff_view = api.staff("GET", f"/admin/customers/{customer_id}").json()
    assert (staff_view["name"], staff_view["status"]) == ("Ada", "active")
    assert email not in {i["email"] for i in api.pending_invitations()}
    kinds = [
        e["kind"] for e in api.staff("GET", f"/admin/customers/{customer_id}/activity").json()["activity"]
    ]
    assert [k for k in kinds if not k.startswith("sign_in")] == ["account_link_sent"]  # staff emails

    # By customer id too: a sign-in link, never an invitation.
    by_id = api.invite({"customer_id": customer_id})
    rows = api.finished_job(by_id.json()["job_id"])["rows"]
    assert [r["result"] for r in rows] == ["already_has_account"]
    mailbox.wait(email, ALREADY, count=2)
    assert api.sign_in(email).json()["customer_id"] == customer_id


def test_resend_kills_the_old_link_and_revoke_kills_the_new_one(api: Api, mailbox: Mailbox) -> None:
    email = new_address("eve")
    invitation_id, first_link = api.invitation_link(email)
    first = token_from(first_link)

    resent = api.staff("POST", f"/admin/invitations/{invitation_id}/resend")
    assert resent.status_code == 200, resent.text
    assert (resent.json()["status"], resent.json()["sent_count"]) == ("pending", 2)
    second = token_from(mailbox.wait(email, INVITED, count=2).link("/invitations?token="))
    assert second != first
    assert api.http.get(first_link, timeout=10).status_code == 400  # the page says so too
    dead = api.call("POST", "/invitations/accept", {"token": first, "password": NEW_PASSWORD})
    assert _error(dead) == (400, "invalid_token")

    revoked = api.staff("DELETE", f"/admin/invitations/{invitation_id}")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    for token in (first, second):
        answer = api.call("POST", "/invitations/accept", {"token": token, "password": NEW_PASSWORD})
        assert _error(answer) == (400, "invalid_token")
    assert invitation_id not in {i["invitation_id"] for i in api.pending_invitations()}
    assert _error(api.staff("POST", f"/admin/invitations/{invitation_id}/resend")) == (409, "invalid_state")
    assert _error(api.staff("DELETE", f"/admin/invitations/{invitation_id}")) == (409, "invalid_state")
    assert api.sign_in(email, NEW_PASSWORD).status_code == 401
    assert len(mailbox.to(email)) == 2  # revoking sends nothing


def test_inviting_a_pending_invitee_again_sends_a_new_link_and_kills_the_old(
    api: Api, mailbox: Mailbox
) -> None:
    email = new_address("eve")
    invitation_id, first_link = api.invitation_link(email, name="Eve")
    answer = api.invite({"email": email, "name": "Eve"})
    job = api.finished_job(answer.json()["job_id"])
    assert job["counts"] == {"invited": 0, "already_invited": 1, "already_has_account": 0, "invalid": 0}
    assert (job["rows"][0]["result"], job["rows"][0]["invitation_id"]) == ("already_invited", invitation_id)

    second = token_from(mailbox.wait(email, INVITED, count=2).link("/invitations?token="))
    assert second != token_from(first_link)
    old = api.call("POST", "/invitations/accept", {"token": token_from(first_link), "password": NEW_PASSWORD})
    assert _error(old) == (400, "invalid_token")
    accepted = api.call("POST", "/invitations/accept", {"token": second, "password": NEW_PASSWORD})
    assert accepted.status_code == 200, accepted.text
    assert api.sign_in(email, NEW_PASSWORD).json()["customer_id"] == accepted.json()["customer_id"]


def test_invitation_routes_need_the_staff_key(api: Api, mailbox: Mailbox) -> None:
    email = new_address("eve")
    body = {"customers": [{"email": email, "name": "Eve"}]}
    assert api.call("POST", "/admin/invitations", body).status_code == 401
    assert api.call("POST", "/admin/invitations", body, token="not-a-staff-key-0123456789").status_code == 403
    customer = api.verified_account(new_address())["access_token"]
    assert api.call("POST", "/admin/invitations", body, token=customer).status_code == 403
    assert api.call("GET", "/admin/invitations", token=customer).status_code == 403
    assert _error(api.staff("GET", "/admin/invitations/jobs/job_unknown")) == (404, "not_found")
    assert _error(api.staff("POST", "/admin/invitations", {"customers": []})) == (422, "validation_failed")
    assert mailbox.to(email) == []
    unknown = api.call("POST", "/invitations/accept", {"token": "x" * 43, "password": STRONG_PASSWORD})
    assert _error(unknown) == (400, "invalid_token")
    assert _error(api.exchange_handoff("y" * 43)) == (400, "invalid_token")
