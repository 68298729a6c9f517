"""Companies over HTTP (in-process): requests and approvals, join codes and domains, acting for
a company (the token's claims), blocked companies."""

from __future__ import annotations

from chalicelib.kernel.clock import ManualClock
from devtools.probes import at_once
from tests.integration.companies.conftest import Me, Staff, activity_kinds, approved_company, claims, joined
from tests.integration.conftest import Api, last_mail

# -- a new company -------------------------------------------------------------------------------


def test_a_requested_company_waits_for_staff_then_its_requester_is_admin(
    ada: Me, staff: Staff, clock: ManualClock
) -> None:
    answer = ada("POST", "/me/companies", {"name": "Acme", "domains": ["acme.example"]})
    assert answer.status_code == 201
    company_id = answer.json_body["company_id"]
    assert answer.json_body["status"] == "pending"
    assert ada("GET", f"/me/companies/{company_id}").status_code == 404  # not a member while pending
    assert staff("GET", "/admin/company-requests/count").json_body == {"pending": 1}
    listed = staff("GET", "/admin/company-requests").json_body["requests"]
    assert [(r["company_id"], r["kind"], r["company_name"]) for r in listed] == [
        (company_id, "create", "Acme")
    ]

    clock.advance(60)  # the activity is newest first; one millisecond cannot order two entries
    decided = staff(
        "POST",
        f"/admin/companies/{company_id}/requests/{ada.customer_id}",
        {"decision": "approve", "reason": "Welcome aboard"},
    )
    assert decided.status_code == 200 and decided.json_body["status"] == "approved"
    assert staff("GET", "/admin/company-requests/count").json_body == {"pending": 0}
    mine = ada("GET", "/me/companies").json_body
    assert [(c["company_id"], c["role"], c["status"], c["can_order"]) for c in mine["companies"]] == [
        (company_id, "admin", "active", True)
    ]
    mail = last_mail(ada.email)
    assert "Acme is approved" in mail.text and "Welcome aboard" in mail.text
    assert {"company_requested", "company_approved"} <= set(activity_kinds(ada))
    company_log = staff("GET", f"/admin/companies/{company_id}/activity").json_body["activity"]
    assert [a["kind"] for a in company_log] == ["company_approved", "company_requested"]


def test_a_rejected_company_leaves_a_plain_account_and_tells_the_reason(ada: Me, staff: Staff) -> None:
    company_id = ada("POST", "/me/companies", {"name": "Shady"}).json_body["company_id"]
    answer = staff(
        "POST",
        f"/admin/companies/{company_id}/requests/{ada.customer_id}",
        {"decision": "reject", "reason": "No trade licence"},
    )
    assert answer.status_code == 200 and answer.json_body["status"] == "rejected"
    assert ada("GET", "/me/companies").json_body["companies"] == []
    assert ada("GET", "/me").status_code == 200
    assert "No trade licence" in last_mail(ada.email).text
    assert staff("GET", f"/admin/companies/{company_id}").json_body["status"] == "rejected"
    assert ada.act_for(company_id).status_code == 404


def test_free_mail_domains_are_never_claimed(ada: Me, staff: Staff) -> None:
    for domain in ("gmail.com", "mail.yahoo.co.uk", "outlook.com"):
        answer = ada("POST", "/me/companies", {"name": "Acme", "domains": [domain]})
        assert answer.status_code == 422, domain
    assert staff("POST", "/admin/companies", {"name": "X", "domains": ["hotmail.com"]}).status_code == 422


def test_a_customer_has_at_most_three_company_requests_waiting(ada: Me) -> None:
    for n in range(3):
        assert ada("POST", "/me/companies", {"name": f"Acme {n}"}).status_code == 201
    assert ada("POST", "/me/companies", {"name": "Acme 4"}).json_body["error"]["code"] == "limit_reached"


# -- joining --------------------------------------------------------------------------------------


def test_join_by_code_waits_for_an_admin_who_approves_with_a_role(ada: Me, bob: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    code = ada("POST", f"/me/companies/{company_id}/join-code").json_body["join_code"]
    assert (
        bob("POST", "/me/join-requests", {"join_code": "not-the-code"}).json_body["error"]["code"]
        == "invalid_join_code"
    )
    asked = bob("POST", "/me/join-requests", {"join_code": code})
    assert asked.status_code == 202 and asked.json_body["status"] == "pending"
    again = bob("POST", "/me/join-requests", {"join_code": code})
    assert again.status_code == 409 and again.json_body["error"]["code"] == "request_pending"
    waiting = ada("GET", f"/me/companies/{company_id}/requests").json_body["requests"]
    assert [(r["customer_id"], r["requested_by"]["email"]) for r in waiting] == [(bob.customer_id, bob.email)]
    assert bob("GET", f"/me/companies/{company_id}/requests").status_code == 404  # not a member
    assert staff("GET", f"/admin/company-requests/count?company_id={company_id}").json_body == {"pending": 1}

    decided = ada(
        "POST",
        f"/me/companies/{company_id}/requests/{bob.customer_id}",
        {"decision": "approve", "role": "viewer", "reason": "ignored"},
    )
    assert decided.status_code == 200 and decided.json_body["reason"] is None
    assert bob("GET", f"/me/companies/{company_id}").json_body["role"] == "viewer"
    mail = last_mail(bob.email)
    assert (
        "join Acme is approved" in mail.text and "ignored" not in mail.text
    )  # an admin's text never travels
    assert "join_approved" in activity_kinds(bob)
    members = ada("GET", f"/me/companies/{company_id}/members").json_body["members"]
    assert {(m["customer_id"], m["role"]) for m in members} == {
        (ada.customer_id, "admin"),
        (bob.customer_id, "viewer"),
    }
    assert (
        bob("GET", f"/me/companies/{company_id}/members").json_body["error"]["code"]
        == "company_role_required"
    )


def test_a_renewed_join_code_kills_the_old_one(ada: Me, bob: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    old = ada("POST", f"/me/companies/{company_id}/join-code").json_body["join_code"]
    new = ada("POST", f"/me/companies/{company_id}/join-code").json_body["join_code"]
    assert (
        bob("POST", "/me/join-requests", {"join_code": old}).json_body["error"]["code"] == "invalid_join_code"
    )
    assert bob("POST", "/me/join-requests", {"join_code": new}).status_code == 202


def test_a_verified_email_on_a_claimed_domain_is_offered_the_company(api: Api, ada: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff, domains=["acme.example"])
    carol = Me(api, "carol@acme.example", "Carol")
    offers = carol("GET", "/me/companies").json_body["offers"]
    assert offers == [{"company_id": company_id, "name": "Acme"}]
    assert carol("POST", "/me/join-requests", {"company_id": company_id}).json_body["via"] == "domain"
    assert carol("GET", "/me/companies").json_body["offers"] == []  # asked already
    dave = Me(api, "dave@elsewhere.example", "Dave")
    assert dave("GET", "/me/companies").json_body["offers"] == []
    assert (
        dave("POST", "/me/join-requests", {"company_id": company_id}).status_code == 404
    )  # no code, no domain


def test_a_domain_is_claimed_by_one_company_only(ada: Me, bob: Me, staff: Staff) -> None:
    approved_company(ada, staff, domains=["acme.example"])
    company_id = bob("POST", "/me/companies", {"name": "Copycat", "domains": ["acme.example"]}).json_body[
        "company_id"
    ]
    answer = staff(
        "POST", f"/admin/companies/{company_id}/requests/{bob.customer_id}", {"decision": "approve"}
    )
    assert answer.status_code == 409 and answer.json_body["error"]["code"] == "domain_claimed"
    assert staff("GET", "/admin/company-requests/count").json_body == {"pending": 1}  # nothing half done


def test_two_admins_approving_one_request_at_once_one_wins(api: Api, ada: Me, bob: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    joined(bob, ada, company_id, role="admin")
    carol = Me(api, "carol@acme.example", "Carol")
    code = ada("POST", f"/me/companies/{company_id}/join-code").json_body["join_code"]
    assert carol("POST", "/me/join-requests", {"join_code": code}).status_code == 202
    admins = [ada, bob] * 5
    path = f"/me/companies/{company_id}/requests/{carol.customer_id}"
    answers = at_once(lambda i: admins[i]("POST", path, {"decision": "approve" if i % 2 else "reject"}), 10)
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) == 1 and statuses.count(409) == 9, statuses
    log = staff("GET", f"/admin/companies/{company_id}/activity").json_body["activity"]
    assert (
        sum(
            a["kind"] in ("join_approved", "join_rejected") and a["customer_id"] == carol.customer_id
            for a in log
        )
        == 1
    )


# -- acting for a company -------------------------------------------------------------------------


def test_acting_for_a_company_puts_it_in_the_token_and_refresh_keeps_it(
    api: Api, ada: Me, staff: Staff
) -> None:
    company_id = approved_company(ada, staff)
    assert "company" not in claims(ada.token)
    answer = ada.act_for(company_id)
    assert answer.status_code == 200
    assert claims(ada.token)["company"] == {
        "id": company_id,
        "role": "admin",
        "status": "active",
        "can_order": True,
    }
    assert ada("GET", "/me").status_code == 200
    refreshed = api.call("POST", "/sessions/refresh", {"refresh_token": ada.refresh})
    assert claims(refreshed.json_body["access_token"])["company"]["id"] == company_id
    assert ada.act_for(None).status_code == 200 and "company" not in claims(ada.token)


def test_only_members_act_for_a_company(ada: Me, bob: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    assert bob.act_for(company_id).status_code == 404
    assert bob.act_for("co_nothing").status_code == 404


def test_a_blocked_company_browses_but_cannot_order(api: Api, ada: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    ada.act_for(company_id)
    access = ada("GET", "/shop/access").json_body
    assert access["can_order"] is True and access["company"]["status"] == "active"
    blocked = staff(
        "PUT", f"/admin/companies/{company_id}/status", {"status": "blocked", "reason": "Unpaid invoices"}
    )
    assert blocked.json_body["status"] == "blocked"
    access = ada("GET", "/shop/access").json_body  # at once, whatever the token says
    assert access["signed_in"] and access["shop_visible"] and access["can_order"] is False
    assert access["company"]["status"] == "blocked"
    assert ada.act_for(company_id).status_code == 200  # members still sign in and browse
    assert claims(ada.token)["company"]["can_order"] is False
    refreshed = api.call("POST", "/sessions/refresh", {"refresh_token": ada.refresh}).json_body
    assert refreshed["company"]["status"] == "blocked"
    assert "company_blocked" in [
        a["kind"] for a in staff("GET", f"/admin/companies/{company_id}/activity").json_body["activity"]
    ]
    staff("PUT", f"/admin/companies/{company_id}/status", {"status": "active"})
    assert ada("GET", "/shop/access").json_body["can_order"] is True


def test_a_viewer_cannot_order(ada: Me, bob: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    joined(bob, ada, company_id, role="viewer")
    bob.act_for(company_id)
    assert claims(bob.token)["company"]["can_order"] is False
    assert bob("GET", "/shop/access").json_body["can_order"] is False


def test_a_retried_company_request_with_its_idempotency_key_creates_once(
    api: Api, ada: Me, staff: Staff
) -> None:
    body = {"name": "Acme"}
    first = api.call(
        "POST", "/me/companies", body, token=ada.token, **{"Idempotency-Key": "company-req-0001"}
    )
    again = api.call(
        "POST", "/me/companies", body, token=ada.token, **{"Idempotency-Key": "company-req-0001"}
    )
    assert first.status_code == 201 and again.status_code == 201
    assert again.json_body["company_id"] == first.json_body["company_id"]
    assert staff("GET", "/admin/company-requests/count").json_body == {"pending": 1}
    other = api.call(
        "POST", "/me/companies", {"name": "Other"}, token=ada.token, **{"Idempotency-Key": "company-req-0001"}
    )
    assert other.status_code == 409 and other.json_body["error"]["code"] == "idempotency_key_reused"
