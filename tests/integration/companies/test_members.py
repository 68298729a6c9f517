"""Companies over HTTP (in-process): members and their roles, removal at once, documents by
role, invitations, staff's companies and pending requests."""

from __future__ import annotations

import json
import time
from typing import Any

from chalicelib.kernel.bootstrap import Container
from devtools.probes import at_once
from tests.integration.companies.conftest import Me, Staff, activity_kinds, approved_company, claims, joined
from tests.integration.conftest import Api, last_mail, mails_to, token_from

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
        assert answer.status_code == 403, (path, answer.status_code)
        assert answer.json_body["error"]["code"] == "company_role_required"
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


def test_each_membership_change_emits_one_thin_lifecycle_event(ada: Me, bob: Me, staff: Staff) -> None:
    from chalicelib.events import LifecycleEvent

    def changes(me: Me) -> list[dict[str, Any]]:
        found = [e for e in LifecycleEvent.scan() if e.customer_id == me.customer_id]
        mine = [e for e in found if e.type == "customer.company_membership_changed"]
        return sorted((json.loads(e.data) for e in mine), key=lambda d: (d["change"], d["role"]))

    company_id = approved_company(ada, staff)
    joined(bob, ada, company_id)
    assert (
        ada("PUT", f"/me/companies/{company_id}/members/{bob.customer_id}", {"role": "viewer"}).status_code
        == 200
    )
    assert ada("DELETE", f"/me/companies/{company_id}/members/{bob.customer_id}").status_code == 204
    assert changes(ada) == [{"change": "added", "company_id": company_id, "role": "admin"}]
    assert [(c["change"], c["role"]) for c in changes(bob)] == [
        ("added", "buyer"),
        ("removed", "viewer"),
        ("role_changed", "viewer"),
    ]  # the test clock stands still: the events tie on time
    refused = ada("DELETE", f"/me/companies/{company_id}/members/{ada.customer_id}")  # the last admin
    assert refused.status_code == 409 and len(changes(ada)) == 1  # rolled back: no event
