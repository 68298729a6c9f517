"""ERP instant accounts: the contact list (upsert, full sync) and the link a proven email earns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.erp import ErpContact
from chalicelib.identity import Activity, Customer, Login
from chalicelib.kernel.bootstrap import Container
from devtools.probes import CountingHasher
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, last_mail, mails_to, staff_headers, token_from

ERP = {"ERP_INSTANT_ACCOUNTS": True, "ERP_CASH_ACCOUNTS": "CASH*", "ERP_EXCLUDED_ACCOUNTS": "STAFF"}
B2B = {**ERP, "SIGNUP_MODE": "invitation"}


def _row(email: str, account: str = "C100", **extra: Any) -> dict[str, Any]:
    return {
        "erp_account": account,
        "email": email,
        "name": "Ada",
        "role": "buyer",
        "company": "Acme",
        **extra,
    }


def _staff(api: Api, method: str, path: str, body: Any = None) -> Any:
    from chalicelib.kernel.bootstrap import get_container

    return api.call(method, path, body, **staff_headers(get_container(), "erp-sync"))


def _upsert(api: Api, rows: list[dict[str, Any]], sync_id: str | None = None) -> Any:
    body: dict[str, Any] = {"contacts": rows, **({"sync_id": sync_id} if sync_id else {})}
    answer = _staff(api, "POST", "/admin/erp/contacts", body)
    assert answer.status_code == 200, answer.body
    return answer.json_body


def _customer(email: str) -> Customer:
    return Customer.get(Login.get(f"web:test-shop#{email}").customer_id)


def _kinds(customer_id: str) -> list[str]:
    return [a.kind for a in Activity.query(customer_id)]


def _verify(api: Api, email: str) -> Any:
    return api.call("POST", "/signup/verify", {"token": token_from(last_mail(email).link("/verify"))})


def test_staff_upsert_1000_contacts_idempotently(api: Api, configure: Callable[..., Container]) -> None:
    configure(**ERP)
    rows = [_row(f"buyer{n}@acme.example", f"C{n % 7}") for n in range(1000)]
    assert _upsert(api, rows) == {"received": 1000, "written": 1000, "sync_id": None}
    assert _upsert(api, rows)["written"] == 1000  # again: the same contacts, nothing doubled
    assert len(list(ErpContact.query("buyer5@acme.example"))) == 1
    too_many = _staff(api, "POST", "/admin/erp/contacts", {"contacts": [*rows, _row("x@acme.example")]})
    assert too_many.status_code == 422
    anonymous = api.call("POST", "/admin/erp/contacts", {"contacts": rows[:1]})
    assert anonymous.status_code == 401


def test_a_row_repeated_in_one_call_counts_once_and_bad_rows_are_refused(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**ERP)
    answer = _upsert(api, [_row("Ada@Acme.example", role="viewer"), _row("ada@acme.example", role="admin")])
    assert answer == {"received": 2, "written": 1, "sync_id": None}
    assert ErpContact.get("ada@acme.example", "C100").role == "admin"  # emails normalised; last wins
    bad = _staff(api, "POST", "/admin/erp/contacts", {"contacts": [_row("ada@acme.example", role="owner")]})
    assert bad.status_code == 422 and "contacts.0.role" in bad.json_body["error"]["fields"]


def test_a_signup_matching_a_contact_is_linked_once_verified(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**ERP)
    _upsert(api, [_row("ada@acme.example", role="admin")])
    assert api.signup("ada@acme.example").status_code == 202
    assert _customer("ada@acme.example").erp_account is None  # not before the proof
    assert _verify(api, "ada@acme.example").status_code == 200
    customer = _customer("ada@acme.example")
    assert (customer.erp_account, customer.erp_role, customer.erp_company, customer.erp_link) == (
        "C100",
        "admin",
        "Acme",
        "active",
    )
    assert "erp_linked" in _kinds(customer.customer_id)
    me = api.call("GET", "/me", token=api.sign_in("ada@acme.example").json_body["access_token"])
    assert me.json_body["erp"] == {"account": "C100", "role": "admin", "company": "Acme", "link": "active"}
    staff = _staff(api, "GET", f"/admin/customers/{customer.customer_id}")
    assert staff.json_body["erp"]["account"] == "C100"  # on the record, for the back office's search


def test_invitation_only_website_opens_signup_to_contacts_alone(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**B2B)
    _upsert(
        api,
        [_row("ada@acme.example"), _row("cash@acme.example", "CASH1"), _row("staff@acme.example", "STAFF")],
    )
    _upsert(api, [_row("till@acme.example", "C200", account_type="cash")])
    emails = [
        "ada@acme.example",
        "nobody@acme.example",
        "cash@acme.example",
        "staff@acme.example",
        "till@acme.example",
    ]
    answers = {email: api.signup(email) for email in emails}
    assert {(a.status_code, str(a.json_body)) for a in answers.values()} == {
        (202, str(answers["ada@acme.example"].json_body))
    }
    assert mails_to("ada@acme.example")  # the contact gets its verify link
    for other in emails[1:]:  # the unknown address, the cash accounts and the excluded code: nothing
        assert mails_to(other) == []
        with pytest.raises(Login.DoesNotExist):
            Login.get(f"web:test-shop#{other}")
    assert _verify(api, "ada@acme.example").status_code == 200
    assert _customer("ada@acme.example").erp_link == "active"
    website = api.call("GET", "/website").json_body
    assert website["signup_enabled"] is False and website["erp_instant_accounts"] is True


def test_without_erp_an_invitation_only_website_still_refuses_signup(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(SIGNUP_MODE="invitation")
    answer = api.signup("ada@acme.example")
    assert answer.status_code == 403 and answer.json_body["error"]["code"] == "signup_closed"


def test_signup_request_is_the_same_work_whether_or_not_it_matches(
    api: Api, configure: Callable[..., Container], aws_hooks: Hooks
) -> None:
    """As deployed (the task runs after the answer): the answer, the DynamoDB calls and the
    argon2 work of the request are the same for a contact and for anyone else."""
    configure(**B2B)
    _upsert(api, [_row("ada@acme.example")])
    container = configure(**B2B, MAIL_DISPATCH="stream")
    counting = CountingHasher(container.hasher)
    container.hasher = counting  # type: ignore[assignment]
    seen = []
    for email in ("ada@acme.example", "nobody@acme.example"):
        aws_hooks.calls.clear()
        counting.hashed = 0
        answer = api.signup(email)
        seen.append((answer.status_code, answer.json_body, aws_hooks.operations(), counting.hashed))
    assert seen[0] == seen[1]
    assert seen[0][2:] == (["UpdateItem", "TransactWriteItems"], 1)


def test_an_existing_account_is_linked_at_its_next_sign_in_never_duplicated(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**ERP)
    pair = api.verified_account("ada@acme.example")
    assert _customer("ada@acme.example").erp_account is None
    _upsert(api, [_row("ada@acme.example", "C300", role="viewer")])
    assert api.signup("ada@acme.example").status_code == 202  # a sign-up: the usual email, no second account
    again = api.sign_in("ada@acme.example")
    assert again.status_code == 200 and again.json_body["customer_id"] == pair["customer_id"]
    customer = _customer("ada@acme.example")
    assert customer.customer_id == pair["customer_id"]
    assert (customer.erp_account, customer.erp_role, customer.erp_link) == ("C300", "viewer", "active")
    assert _kinds(customer.customer_id).count("erp_linked") == 1
    api.sign_in("ada@acme.example")  # already linked: nothing more
    assert _kinds(customer.customer_id).count("erp_linked") == 1


def test_full_sync_removes_missing_contacts_and_suspends_their_link_not_the_account(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**ERP)
    _upsert(api, [_row("ada@acme.example"), _row("bob@acme.example", "C200")])
    api.verified_account("ada@acme.example")
    sync = _staff(api, "POST", "/admin/erp/syncs").json_body
    assert sync["status"] == "open"
    _upsert(api, [_row("bob@acme.example", "C200")], sync["sync_id"])
    _upsert(api, [_row("cy@acme.example", "C200")], sync["sync_id"])
    done = _staff(api, "POST", f"/admin/erp/syncs/{sync['sync_id']}/finish")
    assert done.status_code == 200
    assert done.json_body == {"sync_id": sync["sync_id"], "status": "finished", "removed": 1, "suspended": 1}
    assert ErpContact.get("ada@acme.example", "C100").status == "removed"
    assert ErpContact.get("bob@acme.example", "C200").status == "live"
    customer = _customer("ada@acme.example")
    assert customer.erp_link == "suspended" and customer.status == "active"
    assert "erp_link_suspended" in _kinds(customer.customer_id)
    assert api.sign_in("ada@acme.example").status_code == 200  # the account stays usable
    assert _customer("ada@acme.example").erp_link == "suspended"
    again = _staff(api, "POST", f"/admin/erp/syncs/{sync['sync_id']}/finish")
    assert again.status_code == 409 and again.json_body["error"]["code"] == "sync_not_open"
    # back in the ERP's list: the next sign-in links it again
    _upsert(api, [_row("ada@acme.example")])
    api.sign_in("ada@acme.example")
    assert _customer("ada@acme.example").erp_link == "active"
    assert _kinds(customer.customer_id).count("erp_linked") == 2


def test_a_sync_id_must_be_the_open_sync(api: Api, configure: Callable[..., Container]) -> None:
    configure(**ERP)
    first = _staff(api, "POST", "/admin/erp/syncs").json_body["sync_id"]
    second = _staff(api, "POST", "/admin/erp/syncs").json_body["sync_id"]  # replaces the first
    stale = _staff(
        api, "POST", "/admin/erp/contacts", {"contacts": [_row("a@acme.example")], "sync_id": first}
    )
    assert stale.status_code == 409 and stale.json_body["error"]["code"] == "sync_not_open"
    unknown = _staff(api, "POST", "/admin/erp/syncs/syn_000000000000000000000000/finish")
    assert unknown.status_code == 409
    assert _upsert(api, [_row("a@acme.example")], second)["written"] == 1


def test_contacts_upserted_outside_a_sync_are_judged_by_the_next_snapshot(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**ERP)
    _upsert(api, [_row("old@acme.example")])
    sync = _staff(api, "POST", "/admin/erp/syncs").json_body["sync_id"]
    _upsert(api, [_row("during@acme.example")])  # outside the snapshot while it is open: part of it
    _upsert(api, [_row("kept@acme.example")], sync)
    assert _staff(api, "POST", f"/admin/erp/syncs/{sync}/finish").json_body["removed"] == 1
    assert ErpContact.get("old@acme.example", "C100").status == "removed"
    assert ErpContact.get("during@acme.example", "C100").status == "live"
    assert ErpContact.get("kept@acme.example", "C100").status == "live"


def test_staff_see_an_address_contacts_and_whether_they_match(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**ERP)
    _upsert(api, [_row("ada@acme.example"), _row("ada@acme.example", "CASH9")])
    answer = _staff(api, "GET", "/admin/erp/contacts?email=Ada@acme.example")
    assert answer.status_code == 200
    eligible = {k["erp_account"]: k["eligible"] for k in answer.json_body["contacts"]}
    assert eligible == {"C100": True, "CASH9": False}
    assert _staff(api, "GET", "/admin/erp/contacts?email=nope").status_code == 422


def test_concurrent_sign_ins_link_once_and_all_sign_in(api: Api, configure: Callable[..., Container]) -> None:
    from devtools.probes import at_once

    configure(**ERP)
    api.verified_account("ada@acme.example")
    _upsert(api, [_row("ada@acme.example")])
    answers = at_once(lambda _: api.sign_in("ada@acme.example"), 4)
    assert sorted(a.status_code for a in answers) == [200] * 4
    customer = _customer("ada@acme.example")
    assert customer.erp_link == "active"
    assert _kinds(customer.customer_id).count("erp_linked") == 1  # the losers sign in unlinked


def test_a_sign_in_whose_link_another_sign_in_wrote_first_still_signs_in(
    api: Api, configure: Callable[..., Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race of the test above, made certain: between reading the customer and writing
    the link, another sign-in links it; the first one's link fails and it signs in unlinked."""
    from chalicelib.identity import links

    configure(**ERP)
    api.verified_account("ada@acme.example")
    _upsert(api, [_row("ada@acme.example")])
    planned = links.on_sign_in
    raced: list[int] = []

    def racing(c: Container, customer_id: str, email: str) -> Any:
        steps = planned(c, customer_id, email)
        if not raced:
            raced.append(0)
            raced[0] = api.sign_in("ada@acme.example").status_code  # links first
        return steps

    monkeypatch.setattr(links, "on_sign_in", racing)
    assert api.sign_in("ada@acme.example").status_code == 200
    assert raced == [200]
    customer = _customer("ada@acme.example")
    assert customer.erp_link == "active"
    assert _kinds(customer.customer_id).count("erp_linked") == 1
    assert _kinds(customer.customer_id).count("sign_in") == 3  # the account's first, and both


def test_a_code_sign_in_links_an_existing_account_as_a_password_sign_in_does(
    api: Api, configure: Callable[..., Container]
) -> None:
    import re

    configure(**ERP, SIGNIN_METHODS="password,code")
    api.verified_account("ada@acme.example")
    _upsert(api, [_row("ada@acme.example")])
    assert api.call("POST", "/sessions/code", {"email": "ada@acme.example"}).status_code == 202
    code = re.search(r"\b(\d{6})\b", last_mail("ada@acme.example").text)
    assert code is not None
    body = {"email": "ada@acme.example", "code": code.group(1)}
    assert api.call("POST", "/sessions/code/verify", body).status_code == 200
    customer = _customer("ada@acme.example")
    assert (customer.erp_account, customer.erp_link) == ("C100", "active")
    assert _kinds(customer.customer_id).count("erp_linked") == 1


def test_a_contact_sent_again_while_a_sync_finishes_is_kept(
    api: Api, configure: Callable[..., Container]
) -> None:
    from chalicelib.erp import linking

    container = configure(**ERP)
    _upsert(api, [_row("ada@acme.example")])
    sync = _staff(api, "POST", "/admin/erp/syncs").json_body["sync_id"]
    left_out = ErpContact.get("ada@acme.example", "C100")  # what the finish found in the index
    _upsert(api, [_row("ada@acme.example")], sync)  # ... and the ERP sends it meanwhile
    assert linking.remove(container, left_out, "base", int(container.clock.now())) == "kept"
    assert ErpContact.get("ada@acme.example", "C100").status == "live"


def test_a_contact_removed_before_the_link_is_followed_opens_no_account(
    api: Api, configure: Callable[..., Container]
) -> None:
    configure(**B2B)
    _upsert(api, [_row("ada@acme.example")])
    assert api.signup("ada@acme.example").status_code == 202
    sync = _staff(api, "POST", "/admin/erp/syncs").json_body["sync_id"]
    assert _staff(api, "POST", f"/admin/erp/syncs/{sync}/finish").json_body["removed"] == 1
    answer = _verify(api, "ada@acme.example")
    assert answer.status_code == 403 and answer.json_body["error"]["code"] == "signup_closed"
    assert _customer("ada@acme.example").status == "pending"
