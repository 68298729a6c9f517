"""invite=now, later and none: invitations at the SES rate through the invitation jobs,
held back for one staff call, or accounts to be claimed by a reset."""

from __future__ import annotations

from typing import Any

from chalicelib.identity import get_customer, get_login
from chalicelib.invitations import jobs as invitation_jobs
from chalicelib.kernel.bootstrap import Container
from tests.integration.conftest import STRONG_PASSWORD, Api, last_mail, mails_to, staff_headers, token_from
from tests.integration.test_imports import finished, send

ROWS = (
    "email,name,password_hash\nann@example.com,Ann,\nben@example.com,Ben,\n"
    "mig@example.com,Mig,$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0\n"
)


def imported(api: Api, container: Container, query: str) -> dict[str, Any]:
    answer = send(api, container, ROWS, query)
    assert answer.status_code == 202, answer.body
    return finished(api, container, answer.json_body["import_id"])


def fast(container: Container) -> None:
    container.settings = container.settings.model_copy(update={"MAIL_SEND_RATE": 1000})


def test_invite_now_sends_through_the_invitation_worker(api: Api, container: Container) -> None:
    fast(container)
    view = imported(api, container, "?invite=now")
    assert view["counts"]["created"] == 3 and view["invitation_job_id"], view
    assert mails_to("ann@example.com") == []  # the worker sends, at the SES rate
    assert invitation_jobs.advance_open_jobs(container, budget=30) == 2
    assert len(mails_to("ann@example.com")) == len(mails_to("ben@example.com")) == 1
    assert mails_to("mig@example.com") == []  # a migrated password: nothing to invite to
    job = api.call("GET", f"/admin/invitations/jobs/{view['invitation_job_id']}", **staff_headers(container))
    assert job.json_body["status"] == "done" and job.json_body["total"] == 2
    # the invitation works: the customer chooses a password and is signed in
    token = token_from(last_mail("ann@example.com").link("/invitations"))
    accepted = api.call("POST", "/invitations/accept", {"token": token, "password": STRONG_PASSWORD})
    assert accepted.status_code == 200, accepted.body
    assert api.sign_in("ann@example.com").status_code == 200
    assert invitation_jobs.advance_open_jobs(container, budget=30) == 0  # nothing twice


def test_invite_later_waits_for_one_staff_call(api: Api, container: Container) -> None:
    fast(container)
    view = imported(api, container, "?invite=later")
    assert view["invitations_waiting"] == 2 and view["invitation_job_id"] is None
    assert invitation_jobs.advance_open_jobs(container, budget=30) == 0
    assert mails_to("ann@example.com") == []
    assert get_customer(view["results"][0]["customer_id"]).status == "invited"
    path = f"/admin/imports/{view['import_id']}/invitations"
    first = api.call("POST", path, **staff_headers(container))
    assert (
        first.status_code == 202 and first.json_body["queued"] is True and first.json_body["invitations"] == 2
    )
    again = api.call("POST", path, **staff_headers(container))
    assert again.status_code == 202 and again.json_body["queued"] is False
    assert invitation_jobs.advance_open_jobs(container, budget=30) == 2
    assert len(mails_to("ann@example.com")) == len(mails_to("ben@example.com")) == 1
    after = api.call("GET", f"/admin/imports/{view['import_id']}", **staff_headers(container)).json_body
    assert (
        after["invitations_waiting"] == 0
        and after["invitation_job_id"] == first.json_body["invitation_job_id"]
    )


def test_invitations_of_a_dry_run_or_an_import_without_later_are_refused(
    api: Api, container: Container
) -> None:
    for query in ("?invite=later&dry_run=true", "?invite=none"):
        view = imported(api, container, query)
        answer = api.call(
            "POST", f"/admin/imports/{view['import_id']}/invitations", **staff_headers(container)
        )
        assert (answer.status_code, answer.json_body["error"]["code"]) == (409, "invalid_state")


def test_invite_none_makes_accounts_claimed_by_a_reset(api: Api, container: Container) -> None:
    view = imported(api, container, "?invite=none")
    assert view["counts"]["created"] == 3
    assert mails_to("ann@example.com") == []
    login = get_login("web:test-shop#ann@example.com")
    assert login.status == "active" and login.password_hash is None
    assert api.sign_in("ann@example.com", "any password at all").status_code == 401
    assert api.call("POST", "/password/forgot", {"email": "ann@example.com"}).status_code == 202
    token = token_from(last_mail("ann@example.com").link("/password/reset"))
    reset = api.call("POST", "/password/reset", {"token": token, "password": STRONG_PASSWORD})
    assert reset.status_code == 200, reset.body
    assert api.sign_in("ann@example.com").status_code == 200


def test_concurrent_calls_to_send_the_invitations_queue_them_once(api: Api, container: Container) -> None:
    from devtools.probes import at_once

    fast(container)
    view = imported(api, container, "?invite=later")
    path = f"/admin/imports/{view['import_id']}/invitations"
    headers = staff_headers(container)
    answers = at_once(lambda _: api.call("POST", path, **headers), 8)
    assert sorted(a.json_body["queued"] for a in answers) == [False] * 7 + [True]
    assert invitation_jobs.advance_open_jobs(container, budget=30) == 2
    assert len(mails_to("ann@example.com")) == 1
