"""Invitations: staff grant portal access, the customer only chooses a password."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.identity.models import Customer, Login
from chalicelib.invitations import jobs as invitation_jobs
from chalicelib.invitations.models import InvitationJob
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from tests.integration.conftest import Api, last_mail, mails_to, staff_headers, token_from

NEW_PASSWORD = "my own new passphrase"


@pytest.fixture(autouse=True)
def unhurried_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small jobs are done in the staff request's answer whatever the machine's load (0.5 s
    of rows otherwise; the tests of larger jobs set their own budget)."""
    monkeypatch.setattr(invitation_jobs, "REQUEST_BUDGET_SECONDS", 30.0)


@pytest.fixture
def staff(container: Container) -> dict[str, str]:
    return staff_headers(container)


def _invite(api: Api, staff: dict[str, str], *rows: dict[str, Any], **headers: str) -> Any:
    return api.client.http.post(
        "/admin/invitations",
        headers={"Content-Type": "application/json", **staff, **headers},
        body=json.dumps({"customers": list(rows)}),
    )


def _staff_get(api: Api, staff: dict[str, str], path: str) -> Any:
    return api.client.http.get(path, headers=staff)


def test_inviting_one_customer_sends_an_invitation_and_reports_the_row(
    api: Api, staff: dict[str, str]
) -> None:
    answer = _invite(api, staff, {"email": "Eve@Example.com", "name": "Eve Buyer", "locale": "fr"})
    assert answer.status_code == 202
    job = answer.json_body
    assert job["total"] == 1 and job["status"] == "done" and job["counts"]["invited"] == 1
    assert job["rows"][0]["result"] == "invited" and job["rows"][0]["email"] == "eve@example.com"
    mail = last_mail("eve@example.com")
    assert mail.subject == "Votre compte test-shop vous attend" and mail.language == "fr"
    assert mail.link("/invitations?token=").startswith("https://accounts.shop.example/invitations?token=")
    login = Login.get("web:test-shop#eve@example.com")
    assert login.status == "invited" and login.password_hash is None


def test_accepting_sets_the_password_activates_and_starts_a_session(api: Api, staff: dict[str, str]) -> None:
    _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    token = token_from(last_mail("eve@example.com").link("/invitations"))
    accepted = api.call("POST", "/invitations/accept", {"token": token, "password": NEW_PASSWORD})
    assert accepted.status_code == 200, accepted.body
    me = api.call("GET", "/me", token=accepted.json_body["access_token"]).json_body
    assert me["email"] == "eve@example.com" and me["status"] == "active" and me["email_verified"]
    assert api.sign_in("eve@example.com", NEW_PASSWORD).status_code == 200
    again = api.call("POST", "/invitations/accept", {"token": token, "password": "another passphrase"})
    assert again.status_code == 400 and again.json_body["error"]["code"] == "invalid_token"


def test_an_invited_customer_cannot_sign_in_or_reset_before_accepting(
    api: Api, staff: dict[str, str]
) -> None:
    _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    assert api.sign_in("eve@example.com", "any password at all").status_code == 401
    api.call("POST", "/password/forgot", {"email": "eve@example.com"})
    assert [m.subject for m in mails_to("eve@example.com")] == ["You are invited to your test-shop account"]


def test_an_existing_account_gets_a_sign_in_link_never_a_second_account(
    api: Api, staff: dict[str, str]
) -> None:
    pair = api.verified_account("ada@example.com")
    answer = _invite(api, staff, {"email": "ada@example.com", "name": "Someone Else"})
    assert answer.json_body["rows"][0]["result"] == "already_has_account"
    assert answer.json_body["rows"][0]["customer_id"] == pair["customer_id"]  # the address's owner
    assert answer.json_body["counts"]["already_has_account"] == 1
    mail = last_mail("ada@example.com")
    assert mail.subject == "Your test-shop account is ready" and "/invitations" not in mail.text
    assert Customer.count() == 1


def test_granting_by_customer_id(api: Api, staff: dict[str, str]) -> None:
    pair = api.verified_account("ada@example.com")
    answer = _invite(api, staff, {"customer_id": pair["customer_id"]}, {"customer_id": "cus_missing"})
    rows = answer.json_body["rows"]
    assert [r["result"] for r in rows] == ["already_has_account", "invalid"]
    assert rows[1]["detail"] == "no such customer"


def test_an_unverified_sign_up_becomes_an_invitation_and_loses_its_password(
    api: Api, staff: dict[str, str]
) -> None:
    api.signup("eve@example.com", password="a squatter's passphrase")
    answer = _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    assert answer.json_body["rows"][0]["result"] == "invited"
    old_verify = token_from(mails_to("eve@example.com")[0].link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": old_verify}).status_code == 400
    token = token_from(last_mail("eve@example.com").link("/invitations"))
    assert (
        api.call("POST", "/invitations/accept", {"token": token, "password": NEW_PASSWORD}).status_code == 200
    )
    assert api.sign_in("eve@example.com", "a squatter's passphrase").status_code == 401
    assert Customer.count() == 1


def test_bad_rows_are_reported_per_row_and_do_not_stop_the_others(api: Api, staff: dict[str, str]) -> None:
    answer = _invite(
        api,
        staff,
        {"email": "ok@example.com", "name": "Ok"},
        {"email": "not-an-email", "name": "Bad"},
        {"name": "No Email"},
        {"email": "OK@example.com", "name": "Twice"},
        "not an object",
    )
    assert answer.status_code == 202
    results = [(r["row"], r["result"]) for r in answer.json_body["rows"]]
    assert results == [(1, "invited"), (2, "invalid"), (3, "invalid"), (4, "invalid"), (5, "invalid")]
    assert "twice" in answer.json_body["rows"][3]["detail"]
    assert answer.json_body["counts"] == {
        "invited": 1,
        "already_invited": 0,
        "already_has_account": 0,
        "invalid": 4,
    }
    invited = Customer.get(answer.json_body["rows"][0]["customer_id"])  # the row names its customer
    assert invited.email == "ok@example.com" and invited.status == "invited"
    assert [r["customer_id"] for r in answer.json_body["rows"][1:]] == [None] * 4


def test_an_empty_customer_id_is_an_invalid_row_not_a_500(api: Api, staff: dict[str, str]) -> None:
    """``{"customer_id": ""}`` used to pass validation, then fail an assert in the job: 500."""
    answer = _invite(
        api, staff, {"customer_id": ""}, {"customer_id": "   "}, {"email": "ok@example.com", "name": "Ok"}
    )
    assert answer.status_code == 202, answer.body
    assert answer.json_body["status"] == "done"
    rows = answer.json_body["rows"]
    assert [r["result"] for r in rows] == ["invalid", "invalid", "invited"]
    assert "customer_id" in rows[0]["detail"]


def test_a_row_the_worker_cannot_work_is_recorded_and_the_job_goes_on(
    api: Api, staff: dict[str, str], container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poison row (what the empty customer id was) used to fail the worker on every run."""
    monkeypatch.setattr(invitation_jobs, "REQUEST_BUDGET_SECONDS", 0.0)
    rows = [{"email": f"c{i}@example.com", "name": f"C {i}"} for i in range(1, 5)]
    answer = _invite(api, staff, *rows)
    job_id = answer.json_body["job_id"]
    assert answer.json_body["status"] == "queued"
    poison = InvitationJob.get(job_id, 1)  # planted: neither a customer id nor an address
    # an empty customer id can no longer be stored at all (the by_customer index refuses it)
    poison.email, poison.name, poison.customer_id = None, None, None
    poison.save()
    real_plan, real_run_steps = invitation_jobs._plan, invitation_jobs.run_steps
    failed_transactions = []

    def plan(c: Container, row: InvitationJob, actor: str) -> Any:
        if int(row.row) == 2:
            raise KeyError("a bug that row 2 triggers")
        return real_plan(c, row, actor)

    def run_steps(steps: Any, outbox: Any = ()) -> None:
        if outbox and not failed_transactions:  # row 3's grant: a write DynamoDB refuses
            failed_transactions.append(steps)
            raise RuntimeError("a write of ours that DynamoDB refuses")
        real_run_steps(steps, outbox)

    monkeypatch.setattr(invitation_jobs, "_plan", plan)
    monkeypatch.setattr(invitation_jobs, "run_steps", run_steps)
    container.settings = container.settings.model_copy(update={"MAIL_SEND_RATE": 1000})
    assert invitation_jobs.advance_open_jobs(container, budget=30) == 4
    view = _staff_get(api, staff, f"/admin/invitations/jobs/{job_id}").json_body
    assert view["status"] == "done" and view["counts"]["invalid"] == 3 and view["counts"]["invited"] == 1
    assert [(r["row"], r["result"], r["detail"]) for r in view["rows"][:3]] == [
        (1, "invalid", "give either customer_id, or email and name"),
        (2, "invalid", invitation_jobs.UNWORKABLE),
        (3, "invalid", invitation_jobs.UNWORKABLE),
    ]
    assert view["rows"][3]["result"] == "invited" and len(mails_to("c4@example.com")) == 1
    assert mails_to("c2@example.com") == mails_to("c3@example.com") == []
    assert Customer.count() == 1  # row 3's customer was never half written
    assert invitation_jobs.advance_open_jobs(container, budget=30) == 0  # nothing left, nothing twice


def test_the_call_refuses_empty_or_oversized_batches(api: Api, staff: dict[str, str]) -> None:
    assert _invite(api, staff).status_code == 422
    rows = [{"email": f"c{i}@example.com", "name": "C"} for i in range(1001)]
    assert _invite(api, staff, *rows).status_code == 422


def test_a_large_job_answers_at_once_and_the_worker_finishes_it(
    api: Api, staff: dict[str, str], container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invitation_jobs, "REQUEST_BUDGET_SECONDS", 0.0)
    rows = [{"email": f"c{i}@example.com", "name": f"C {i}"} for i in range(40)]
    answer = _invite(api, staff, *rows)
    assert answer.status_code == 202 and answer.json_body["status"] == "queued"
    job_id = answer.json_body["job_id"]
    assert mails_to("c0@example.com") == []
    configured = container.settings.model_copy(update={"MAIL_SEND_RATE": 1000})
    container.settings = configured
    assert invitation_jobs.advance_open_jobs(container, budget=30) == 40
    view = _staff_get(api, staff, f"/admin/invitations/jobs/{job_id}").json_body
    assert view["status"] == "done" and view["processed"] == 40 and view["counts"]["invited"] == 40
    assert all(len(mails_to(f"c{i}@example.com")) == 1 for i in range(40))
    assert invitation_jobs.advance_open_jobs(container, budget=30) == 0  # nothing twice


def test_a_retried_bulk_call_with_the_same_idempotency_key_creates_once(
    api: Api, staff: dict[str, str]
) -> None:
    row = {"email": "eve@example.com", "name": "Eve"}
    first = _invite(api, staff, row, **{"Idempotency-Key": "grant-eve-0001"})
    second = _invite(api, staff, row, **{"Idempotency-Key": "grant-eve-0001"})
    assert first.json_body["job_id"] == second.json_body["job_id"]
    assert len(mails_to("eve@example.com")) == 1


def test_resend_kills_the_old_link_and_revoke_kills_the_new_one(api: Api, staff: dict[str, str]) -> None:
    _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    first = token_from(last_mail("eve@example.com").link("/invitations"))
    invitation_id = _staff_get(api, staff, "/admin/invitations").json_body["invitations"][0]["invitation_id"]
    resent = api.client.http.post(f"/admin/invitations/{invitation_id}/resend", headers=staff)
    assert resent.status_code == 200 and resent.json_body["sent_count"] == 2
    second = token_from(last_mail("eve@example.com").link("/invitations"))
    assert second != first
    assert (
        api.call("POST", "/invitations/accept", {"token": first, "password": NEW_PASSWORD}).status_code == 400
    )
    revoked = api.client.http.delete(f"/admin/invitations/{invitation_id}", headers=staff)
    assert revoked.status_code == 200 and revoked.json_body["status"] == "revoked"
    assert (
        api.call("POST", "/invitations/accept", {"token": second, "password": NEW_PASSWORD}).status_code
        == 400
    )
    assert _staff_get(api, staff, "/admin/invitations").json_body["invitations"] == []
    again = api.client.http.post(f"/admin/invitations/{invitation_id}/resend", headers=staff)
    assert again.status_code == 409 and again.json_body["error"]["code"] == "invalid_state"


def test_granting_again_after_a_revoke_sends_a_fresh_invitation(api: Api, staff: dict[str, str]) -> None:
    _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    invitation_id = _staff_get(api, staff, "/admin/invitations").json_body["invitations"][0]["invitation_id"]
    api.client.http.delete(f"/admin/invitations/{invitation_id}", headers=staff)
    answer = _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    assert answer.json_body["rows"][0]["result"] == "already_invited"
    token = token_from(last_mail("eve@example.com").link("/invitations"))
    assert (
        api.call("POST", "/invitations/accept", {"token": token, "password": NEW_PASSWORD}).status_code == 200
    )


def test_invitations_expire_after_7_days(api: Api, staff: dict[str, str], clock: ManualClock) -> None:
    _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    token = token_from(last_mail("eve@example.com").link("/invitations"))
    clock.advance(7 * 86400 + 1)
    listed = _staff_get(api, staff, "/admin/invitations").json_body["invitations"]
    assert listed[0]["status"] == "expired"
    late = api.call("POST", "/invitations/accept", {"token": token, "password": NEW_PASSWORD})
    assert late.status_code == 400 and late.json_body["error"]["code"] == "invalid_token"


def test_the_expiry_is_configurable(
    api: Api, configure: Callable[..., Container], clock: ManualClock
) -> None:
    container = configure(INVITATION_TOKEN_DAYS=2)
    staff = staff_headers(container)
    _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    assert "2 days" in last_mail("eve@example.com").text
    token = token_from(last_mail("eve@example.com").link("/invitations"))
    clock.advance(2 * 86400 + 1)
    assert (
        api.call("POST", "/invitations/accept", {"token": token, "password": NEW_PASSWORD}).status_code == 400
    )


def test_invitation_mode_closes_sign_up_but_invitations_work(
    api: Api, configure: Callable[..., Container]
) -> None:
    container = configure(SIGNUP_MODE="invitation")
    assert api.signup("eve@example.com").json_body["error"]["code"] == "signup_closed"
    _invite(api, staff_headers(container), {"email": "eve@example.com", "name": "Eve"})
    token = token_from(last_mail("eve@example.com").link("/invitations"))
    assert (
        api.call("POST", "/invitations/accept", {"token": token, "password": NEW_PASSWORD}).status_code == 200
    )


def test_staff_emails_are_recorded_on_the_customers_activity(
    api: Api, staff: dict[str, str], clock: ManualClock
) -> None:
    answer = _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    customer_id = Login.get("web:test-shop#eve@example.com").customer_id
    invitation_id = answer.json_body["rows"][0]["invitation_id"]
    clock.advance(1)
    api.client.http.post(f"/admin/invitations/{invitation_id}/resend", headers=staff)
    clock.advance(1)
    token = token_from(last_mail("eve@example.com").link("/invitations"))
    api.call("POST", "/invitations/accept", {"token": token, "password": NEW_PASSWORD})
    events = _staff_get(api, staff, f"/admin/customers/{customer_id}/activity").json_body["activity"]
    assert [e["kind"] for e in events] == ["invitation_accepted", "invitation_resent", "invitation_sent"]
    assert events[2]["actor"].startswith("staff:key_") and events[0]["actor"] == "customer"
    assert "token" not in json.dumps(events)


def test_invitation_routes_refuse_without_a_staff_key(api: Api) -> None:
    assert _invite(api, {}, {"email": "eve@example.com", "name": "Eve"}).status_code == 401
    assert api.client.http.get("/admin/invitations").status_code == 401
    assert mails_to("eve@example.com") == []


def test_the_customer_facing_routes_stay_silent_about_accounts(api: Api, staff: dict[str, str]) -> None:
    api.verified_account("ada@example.com")
    unknown = api.call("POST", "/invitations/accept", {"token": "x" * 43, "password": NEW_PASSWORD})
    assert unknown.status_code == 400 and unknown.json_body["error"]["code"] == "invalid_token"


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "bm90IGpzb24",
        "eyJhIjogMX0",
        "eyJmb28iOiB7IlMiOiAieCJ9fQ",
    ],  # junk, not JSON, {"a": 1}, wrong key
)
def test_a_bad_cursor_is_a_400(api: Api, staff: dict[str, str], cursor: str) -> None:
    _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    answer = _staff_get(api, staff, f"/admin/invitations?cursor={cursor}")
    assert answer.status_code == 400, answer.body
    assert answer.json_body["error"]["code"] == "bad_request"


def test_listings_page_with_cursors(api: Api, staff: dict[str, str], clock: ManualClock) -> None:
    rows = [{"email": f"c{i}@example.com", "name": "C"} for i in range(120)]
    job_id = _invite(api, staff, *rows).json_body["job_id"]
    first = _staff_get(api, staff, f"/admin/invitations/jobs/{job_id}").json_body
    assert len(first["rows"]) == 100 and first["next_cursor"]
    second = _staff_get(
        api, staff, f"/admin/invitations/jobs/{job_id}?cursor={first['next_cursor']}"
    ).json_body
    assert [r["row"] for r in second["rows"]] == list(range(101, 121)) and second["next_cursor"] is None


def test_staff_cannot_activate_an_invited_customer_by_status(api: Api, staff: dict[str, str]) -> None:
    answer = _invite(api, staff, {"email": "eve@example.com", "name": "Eve"})
    customer_id = Login.get("web:test-shop#eve@example.com").customer_id
    assert answer.status_code == 202
    refused = api.client.http.put(
        f"/admin/customers/{customer_id}/status",
        headers={"Content-Type": "application/json", **staff},
        body='{"status": "active"}',
    )
    assert refused.status_code == 409 and refused.json_body["error"]["code"] == "invalid_state"


def test_a_blocked_account_is_reported_but_not_emailed(api: Api, staff: dict[str, str]) -> None:
    pair = api.verified_account("ada@example.com")
    api.client.http.put(
        f"/admin/customers/{pair['customer_id']}/status",
        headers={"Content-Type": "application/json", **staff},
        body='{"status": "blocked"}',
    )
    before = len(mails_to("ada@example.com"))
    row = _invite(api, staff, {"email": "ada@example.com", "name": "Ada"}).json_body["rows"][0]
    assert row["result"] == "already_has_account" and "blocked" in row["detail"]
    assert len(mails_to("ada@example.com")) == before


def test_staff_details_replace_those_of_an_unverified_sign_up(api: Api, staff: dict[str, str]) -> None:
    api.signup("eve@example.com", name="Squatter", locale="en")
    _invite(api, staff, {"email": "eve@example.com", "name": "Eve Buyer", "locale": "fr"})
    mail = last_mail("eve@example.com")
    assert "Eve Buyer" in mail.text and "Squatter" not in mail.text and mail.language == "fr"


def test_storefront_links_point_at_the_storefront(api: Api, configure: Callable[..., Container]) -> None:
    container = configure(LINKS_TO="storefront")
    _invite(api, staff_headers(container), {"email": "eve@example.com", "name": "Eve"})
    link = last_mail("eve@example.com").link("token=")
    assert link.startswith("https://shop.example/account/invitation?token=")
