"""Companies over HTTP (in-process): requests and approvals, acting for a company, members,
join codes and domains, invitations, documents by role, staff's pending requests."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from chalicelib.kernel.bootstrap import Container
from devtools.probes import at_once
from tests.integration.conftest import Api, last_mail, mails_to, staff_headers, token_from


class Me:
    """One signed-in customer."""

    def __init__(self, api: Api, email: str, name: str = "Ada") -> None:
        self.api, self.email = api, email
        assert api.signup(email, name=name).status_code == 202
        verify = token_from(last_mail(email).link("/verify"))
        assert api.call("POST", "/signup/verify", {"token": verify}).status_code == 200
        pair = api.sign_in(email).json_body
        self.token, self.refresh, self.customer_id = (
            pair["access_token"],
            pair["refresh_token"],
            pair["customer_id"],
        )

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        return self.api.call(method, path, body, token=self.token)

    def act_for(self, company_id: str | None) -> Any:
        answer = self("PUT", "/me/acting-for", {"company_id": company_id})
        if answer.status_code == 200:
            self.token = answer.json_body["access_token"]
        return answer


class Staff:
    def __init__(self, api: Api, container: Container) -> None:
        self.api, self.headers = api, staff_headers(container, "back-office")

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        return self.api.call(method, path, body, **self.headers)


@pytest.fixture
def staff(api: Api, container: Container) -> Staff:
    return Staff(api, container)


@pytest.fixture
def ada(api: Api) -> Me:
    return Me(api, "ada@acme.example", "Ada")


@pytest.fixture
def bob(api: Api) -> Me:
    return Me(api, "bob@acme.example", "Bob")


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def approved_company(ada: Me, staff: Staff, name: str = "Acme", domains: list[str] | None = None) -> str:
    answer = ada("POST", "/me/companies", {"name": name, "domains": domains or []})
    assert answer.status_code == 201, answer.body
    company_id = str(answer.json_body["company_id"])
    decided = staff(
        "POST", f"/admin/companies/{company_id}/requests/{ada.customer_id}", {"decision": "approve"}
    )
    assert decided.status_code == 200, decided.body
    return company_id


def joined(bob: Me, admin: Me, company_id: str, role: str = "buyer") -> None:
    code = admin("POST", f"/me/companies/{company_id}/join-code").json_body["join_code"]
    assert bob("POST", "/me/join-requests", {"join_code": code}).status_code == 202
    answer = admin(
        "POST",
        f"/me/companies/{company_id}/requests/{bob.customer_id}",
        {"decision": "approve", "role": role},
    )
    assert answer.status_code == 200, answer.body


def activity_kinds(me: Me) -> list[str]:
    return [a["kind"] for a in me("GET", "/me/activity").json_body["activity"]]


# -- a new company -------------------------------------------------------------------------------


def test_a_requested_company_waits_for_staff_then_its_requester_is_admin(ada: Me, staff: Staff) -> None:
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


# -- members --------------------------------------------------------------------------------------


def test_a_removed_member_loses_the_company_at_once_and_at_refresh(
    api: Api, ada: Me, bob: Me, staff: Staff
) -> None:
    company_id = approved_company(ada, staff)
    joined(bob, ada, company_id)
    bob.act_for(company_id)
    assert bob("GET", f"/me/companies/{company_id}/documents").status_code == 200
    assert ada("DELETE", f"/me/companies/{company_id}/members/{bob.customer_id}").status_code == 204
    assert bob("GET", f"/me/companies/{company_id}/documents").status_code == 404
    assert bob("GET", "/shop/access").json_body["can_order"] is False
    refreshed = api.call("POST", "/sessions/refresh", {"refresh_token": bob.refresh}).json_body
    assert "company" not in refreshed and "company" not in claims(refreshed["access_token"])
    assert "member_removed" in activity_kinds(bob)


def test_a_company_keeps_one_admin(ada: Me, bob: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    answer = ada("DELETE", f"/me/companies/{company_id}/members/{ada.customer_id}")
    assert answer.status_code == 409 and answer.json_body["error"]["code"] == "last_admin"
    assert (
        ada("PUT", f"/me/companies/{company_id}/members/{ada.customer_id}", {"role": "buyer"}).status_code
        == 409
    )
    joined(bob, ada, company_id)
    assert (
        ada("PUT", f"/me/companies/{company_id}/members/{bob.customer_id}", {"role": "admin"}).json_body[
            "role"
        ]
        == "admin"
    )
    assert ada("DELETE", f"/me/companies/{company_id}/members/{ada.customer_id}").status_code == 204  # leaves
    assert bob("GET", f"/me/companies/{company_id}/members").status_code == 200


def test_two_admins_removing_each_other_at_once_leave_one(ada: Me, bob: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    joined(bob, ada, company_id, role="admin")
    pairs = [(ada, bob), (bob, ada)] * 3
    at_once(
        lambda i: pairs[i][0]("DELETE", f"/me/companies/{company_id}/members/{pairs[i][1].customer_id}"), 6
    )
    assert staff("GET", f"/admin/companies/{company_id}").json_body["admins"] == 1
    left = [m for m in (ada, bob) if m("GET", f"/me/companies/{company_id}").status_code == 200]
    assert len(left) == 1 and left[0]("GET", f"/me/companies/{company_id}").json_body["role"] == "admin"


def test_a_buyer_cannot_manage_members(ada: Me, bob: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    joined(bob, ada, company_id)
    for method, path, body in (
        ("DELETE", f"/me/companies/{company_id}/members/{ada.customer_id}", None),
        ("POST", f"/me/companies/{company_id}/join-code", None),
        ("POST", f"/me/companies/{company_id}/invitations", {"email": "x@acme.example", "name": "X"}),
        ("GET", f"/me/companies/{company_id}/activity", None),
    ):
        answer = bob(method, path, body)
        assert answer.status_code in (403, 404), (path, answer.status_code)
    assert (
        bob("DELETE", f"/me/companies/{company_id}/members/{bob.customer_id}").status_code == 204
    )  # leaving is fine


# -- documents ------------------------------------------------------------------------------------


def feed(
    staff: Staff,
    customer_id: str,
    document_id: str,
    kind: str,
    company_id: str | None,
    date: str = "2026-11-01",
) -> Any:
    doc = {"document_id": document_id, "type": kind, "status": "open", "date": date}
    if company_id:
        doc["company_id"] = company_id
    return staff("POST", f"/admin/customers/{customer_id}/documents", doc)


def test_company_documents_are_seen_by_role(api: Api, ada: Me, bob: Me, staff: Staff) -> None:
    company_id = approved_company(ada, staff)
    joined(bob, ada, company_id, role="viewer")
    for n, kind in enumerate(("order", "invoice", "payment", "quotation")):
        assert feed(staff, ada.customer_id, f"D{n}", kind, company_id, f"2026-11-0{n + 1}").status_code == 200
    assert feed(staff, ada.customer_id, "PRIVATE", "order", None).status_code == 200  # Ada's own
    assert feed(staff, ada.customer_id, "X", "order", "co_unknown").status_code == 404

    def seen(me: Me, query: str = "") -> list[tuple[str, str]]:
        answer = me("GET", f"/me/companies/{company_id}/documents{query}")
        assert answer.status_code == 200, answer.body
        return [(d["document_id"], d["type"]) for d in answer.json_body["documents"]]

    assert seen(ada) == [("D3", "quotation"), ("D2", "payment"), ("D1", "invoice"), ("D0", "order")]
    assert seen(bob) == [("D3", "quotation"), ("D0", "order")]  # a viewer: no invoices, no payments
    assert seen(ada, "?type=invoice") == [("D1", "invoice")]
    assert bob("GET", f"/me/companies/{company_id}/documents?type=invoice").status_code == 422
    ada("PUT", f"/me/companies/{company_id}/members/{bob.customer_id}", {"role": "buyer"})
    assert seen(bob) == [("D3", "quotation"), ("D1", "invoice"), ("D0", "order")]
    first = ada("GET", f"/me/companies/{company_id}/documents?limit=2").json_body
    second = ada(
        "GET", f"/me/companies/{company_id}/documents?limit=2&cursor={first['next_cursor']}"
    ).json_body
    assert [d["document_id"] for d in first["documents"] + second["documents"]] == ["D3", "D2", "D1", "D0"]
    carol = Me(api, "carol@else.example", "Carol")
    assert carol("GET", f"/me/companies/{company_id}/documents").status_code == 404


def test_a_member_removed_while_reading_sees_nothing_after_the_removal(
    ada: Me, bob: Me, staff: Staff
) -> None:
    company_id = approved_company(ada, staff)
    joined(bob, ada, company_id)
    bob.act_for(company_id)
    feed(staff, ada.customer_id, "D1", "order", company_id)
    removed_at: list[float] = []

    def work(i: int) -> list[tuple[float, int]]:
        if i == 0:
            time.sleep(0.05)
            answer = ada("DELETE", f"/me/companies/{company_id}/members/{bob.customer_id}")
            removed_at.append(time.monotonic())
            return [(0.0, answer.status_code)]
        reads = []
        for _ in range(6):
            started = time.monotonic()
            reads.append((started, bob("GET", f"/me/companies/{company_id}/documents").status_code))
        return reads

    answers = at_once(work, 6)
    assert answers[0] == [(0.0, 204)], answers[0]
    reads = [read for thread in answers[1:] for read in thread]
    after = [status for started, status in reads if started > removed_at[0]]
    assert after and all(status == 404 for status in after), reads
    assert {status for _, status in reads} <= {200, 404}
    assert bob("GET", f"/me/companies/{company_id}/documents").status_code == 404
    assert bob("GET", f"/me/companies/{company_id}").status_code == 404


# -- invitations ----------------------------------------------------------------------------------


def test_an_admin_invites_a_new_address_which_gets_an_account_in_the_company(
    api: Api, ada: Me, staff: Staff
) -> None:
    company_id = approved_company(ada, staff)
    answer = ada(
        "POST",
        f"/me/companies/{company_id}/invitations",
        {"email": "Erin@Acme.example", "name": "Erin", "role": "buyer"},
    )
    assert answer.status_code == 202 and answer.json_body == {"status": "sent"}
    link = last_mail("erin@acme.example").link("/invitations")
    accepted = api.call(
        "POST", "/invitations/accept", {"token": token_from(link), "password": "correct horse battery"}
    )
    assert accepted.status_code == 200, accepted.body
    erin_token = accepted.json_body["access_token"]
    mine = api.call("GET", "/me/companies", token=erin_token).json_body["companies"]
    assert [(c["company_id"], c["role"]) for c in mine] == [(company_id, "buyer")]


def test_an_admin_invites_an_existing_account_which_accepts_a_join_link(
    ada: Me, bob: Me, staff: Staff
) -> None:
    company_id = approved_company(ada, staff)
    answer = ada(
        "POST",
        f"/me/companies/{company_id}/invitations",
        {"email": bob.email, "name": "Whoever", "role": "viewer"},
    )
    assert answer.status_code == 202 and answer.json_body == {"status": "sent"}
    mail = last_mail(bob.email)
    assert "Acme" in mail.text and "Whoever" not in mail.text  # the admin's text never travels
    token = token_from(mail.link("/account/companies/accept"))
    assert ada("POST", "/me/company-invitations/accept", {"token": token}).status_code == 400  # not Ada's
    joined_ = bob("POST", "/me/company-invitations/accept", {"token": token})
    assert joined_.status_code == 200 and joined_.json_body["role"] == "viewer"
    assert bob("POST", "/me/company-invitations/accept", {"token": token}).status_code == 400  # single use
    assert "member_added" in activity_kinds(bob)


def test_invitations_to_one_address_are_capped(ada: Me, staff: Staff, container: Container) -> None:
    company_id = approved_company(ada, staff)
    limit = container.settings.EMAIL_BUDGET_PER_HOUR
    for _ in range(limit + 3):
        body = {"email": "victim@else.example", "name": "V"}
        assert ada("POST", f"/me/companies/{company_id}/invitations", body).status_code in (202, 409)
    assert len(mails_to("victim@else.example")) <= limit


# -- staff ----------------------------------------------------------------------------------------


def test_staff_create_and_edit_a_company_and_its_erp_account(
    ada: Me, staff: Staff, container: Container
) -> None:
    from chalicelib import companies

    made = staff(
        "POST", "/admin/companies", {"name": "Globex", "domains": ["globex.example"], "erp_account": "C-1001"}
    )
    assert made.status_code == 201 and made.json_body["status"] == "active"
    company_id = made.json_body["company_id"]
    assert companies.company_for_erp_account("C-1001")["company_id"] == company_id  # type: ignore[index]
    again = staff("POST", "/admin/companies", {"name": "Globex 2", "erp_account": "C-1001"})
    assert again.status_code == 409
    patched = staff(
        "PATCH",
        f"/admin/companies/{company_id}",
        {"erp_account": "C-2002", "domains": ["globex.example", "globex.test"]},
    )
    assert patched.status_code == 200 and patched.json_body["domains"] == ["globex.example", "globex.test"]
    assert companies.company_for_erp_account("C-1001") is None
    assert companies.company_for_erp_account("C-2002")["company_id"] == company_id  # type: ignore[index]
    assert staff("PATCH", f"/admin/companies/{company_id}", {}).status_code == 422

    from chalicelib import identity

    customer = identity.get_customer(ada.customer_id)
    assert customer is not None
    companies.add_member(container, company_id, customer, "buyer", "erp")
    assert ada("GET", f"/me/companies/{company_id}").json_body["role"] == "buyer"
    assert staff("DELETE", f"/admin/companies/{company_id}/members/{ada.customer_id}").status_code == 204
    assert ada("GET", f"/me/companies/{company_id}").status_code == 404


def test_staff_list_pending_requests_a_page_at_a_time_and_by_company(
    api: Api, ada: Me, bob: Me, staff: Staff
) -> None:
    ids = [ada("POST", "/me/companies", {"name": f"Acme {n}"}).json_body["company_id"] for n in range(3)]
    bob("POST", "/me/companies", {"name": "Bobco"})
    first = staff("GET", "/admin/company-requests?limit=2").json_body
    second = staff("GET", f"/admin/company-requests?limit=2&cursor={first['next_cursor']}").json_body
    assert len(first["requests"] + second["requests"]) == 4
    one = staff("GET", f"/admin/company-requests?company_id={ids[1]}").json_body["requests"]
    assert [r["company_id"] for r in one] == [ids[1]]
    assert staff("GET", "/admin/company-requests/count").json_body == {"pending": 4}
    assert staff("GET", "/admin/company-requests?company_id=a%23b").status_code == 422
    bad = staff("GET", f"/admin/company-requests?company_id={ids[0]}&cursor={first['next_cursor']}")
    assert bad.status_code == 400  # a cursor belongs to its listing
    assert api.call("GET", "/admin/company-requests/count").status_code in (401, 403)
    assert ada("GET", "/admin/company-requests/count").status_code in (401, 403)
