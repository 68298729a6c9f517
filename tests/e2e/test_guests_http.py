"""Guest checkout, register later and merges over real HTTP: the local stage
(``CHECKOUT_MODE`` optional), staff record documents with the local staff key, and the
merge link comes from the email SES (moto) received."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.helpers import MERGE_OFFER, Api, LocalService, Mailbox, document, new_address, token_from
from tests.support import STRONG_PASSWORD

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "my own guest passphrase"
ADDRESS = {"line1": "1 rue de la Paix", "postal_code": "69001", "city": "Lyon", "country": "FR"}


def _error(answer: requests.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def test_guest_checkout_register_later_sign_in_me(
    api: Api, mailbox: Mailbox, local_service: LocalService
) -> None:
    email = new_address("gus")
    order = document()
    answer = api.checkout(email.upper(), "Gus Guest", phone="+33 1 23 45 67 89", address=ADDRESS, order=order)
    assert answer.status_code == 201, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    guest = answer.json()
    guest_id = guest["customer_id"]
    assert guest["kind"] == "guest" and guest_id.startswith("cus_") and guest["expires_at"]
    link = guest["register_later_url"]
    assert link.startswith(f"{local_service.api_url}/register?token=")  # on the port picked for this run

    staff_view = api.staff("GET", f"/admin/customers/{guest_id}")
    assert staff_view.status_code == 200, staff_view.text
    assert (staff_view.json()["email"], staff_view.json()["status"]) == (email, "guest")
    assert staff_view.json()["email_verified"] is False
    assert api.sign_in(email, NEW_PASSWORD).status_code == 401  # a guest has no login

    # The order system completes the order and invoices it, on the guest.
    invoice = document(type="invoice", status="completed", number="INV-0001")
    recorded = api.record_document(guest_id, invoice)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json() == {
        "customer_id": guest_id,
        "document_id": invoice["document_id"],
        "type": "invoice",
        "status": "completed",
    }
    completed = api.record_document(guest_id, {**order, "status": "completed"})  # the same id: an update
    assert (completed.status_code, completed.json()["status"]) == (200, "completed")

    page = api.http.get(link, timeout=10)  # the page only shows; nothing is consumed
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Gus Guest" in page.text and email in page.text

    token = token_from(link)
    weak = api.call("POST", "/register", {"token": token, "password": "short"})
    assert _error(weak) == (422, "weak_password"), weak.text
    registered = api.call("POST", "/register", {"token": token, "password": NEW_PASSWORD})
    assert registered.status_code == 202, registered.text
    assert registered.json() == {"status": "email_sent", "customer_id": guest_id}  # the same customer
    # The link came from the checkout call, not from the mailbox: the address is verified first
    # (the account is made by the request's task, right after the answer, with the email).
    verify = mailbox.wait(email, "Confirm your email address")
    assert _error(api.sign_in(email, NEW_PASSWORD)) == (403, "email_not_verified")
    assert (
        api.call("POST", "/signup/verify", {"token": token_from(verify.link("/verify"))}).status_code == 200
    )

    session = api.sign_in(email, NEW_PASSWORD)
    assert session.status_code == 200, session.text
    assert session.json()["customer_id"] == guest_id
    me = api.call("GET", "/me", token=session.json()["access_token"])
    assert me.status_code == 200, me.text
    assert (me.json()["customer_id"], me.json()["email"], me.json()["name"]) == (guest_id, email, "Gus Guest")
    assert (me.json()["status"], me.json()["email_verified"]) == ("active", True)
    assert _error(api.call("POST", "/register", {"token": token, "password": NEW_PASSWORD})) == (
        400,
        "invalid_token",
    )
    assert api.http.get(link, timeout=10).status_code == 400  # the page says so too

    # The account keeps the guest's documents: the feed still writes to the same customer.
    later = api.record_document(guest_id, document(type="payment", status="paid"))
    assert (later.status_code, later.json()["customer_id"]) == (200, guest_id)
    assert api.staff("GET", f"/admin/customers/{guest_id}").json()["status"] == "active"
    assert "registered_from_guest" in api.activity_kinds(guest_id)
    assert [m.subject for m in mailbox.to(email)] == ["Confirm your email address"]  # only ours


def test_a_guest_checkout_for_an_account_address_is_offered_to_its_owner(api: Api, mailbox: Mailbox) -> None:
    email = new_address("ada")
    owner = api.verified_account(email, name="Ada")
    account_id = owner["customer_id"]

    guest = api.guest(email.upper(), "Ada at checkout", order=document())
    guest_id = guest["customer_id"]
    assert guest_id != account_id
    assert "register_later_url" in guest  # as for any address (following it offers a merge)
    for kind, status in (("invoice", "completed"), ("payment", "paid")):
        recorded = api.record_document(guest_id, document(type=kind, status=status))
        assert (recorded.status_code, recorded.json()["customer_id"]) == (200, guest_id), recorded.text

    mail = mailbox.wait(email, MERGE_OFFER)
    assert mail.to == [email] and mail.language == "en"
    assert "Hello Ada" in mail.text and "24" in mail.text
    link = mail.link("/merge?token=")
    assert link.startswith(f"{api.base}/merge?token=")
    token = token_from(link)
    assert token not in str(guest)

    # Only the owner, signed in, may confirm it.
    assert api.call("POST", "/me/merges", {"token": token}).status_code == 401
    stranger = api.verified_account(new_address("bob"))
    refused = api.call("POST", "/me/merges", {"token": token}, token=stranger["access_token"])
    assert _error(refused) == (400, "invalid_token")
    assert api.staff("GET", f"/admin/customers/{guest_id}").json()["status"] == "guest"

    merged = api.call("POST", "/me/merges", {"token": token}, token=owner["access_token"])
    assert merged.status_code == 200, merged.text
    assert merged.json() == {"status": "merged", "guest_id": guest_id, "documents_moved": 3}

    assert api.staff("GET", f"/admin/customers/{guest_id}").json()["status"] == "archived"
    again = api.call("POST", "/me/merges", {"token": token}, token=owner["access_token"])
    assert (again.status_code, again.json()["documents_moved"]) == (200, 0)  # nothing moved twice
    assert api.http.get(link, timeout=10).status_code == 400  # the link is used
    # A late document for the merged guest lands on the account.
    late = api.record_document(guest_id, document(type="invoice", status="completed"))
    assert (late.status_code, late.json()["customer_id"]) == (200, account_id)

    kinds = api.activity_kinds(account_id)
    assert {"merge_offered", "merge_completed"} <= set(kinds), kinds
    me = api.call("GET", "/me", token=owner["access_token"])  # the owner's session is untouched
    assert (me.status_code, me.json()["customer_id"], me.json()["name"]) == (200, account_id, "Ada")
    assert api.sign_in(email).json()["customer_id"] == account_id


def test_register_later_after_the_address_got_an_account_offers_a_merge(api: Api, mailbox: Mailbox) -> None:
    email = new_address("gus")
    guest = api.guest(email, order=document())  # before the account existed: a register link
    guest_id = guest["customer_id"]
    owner = api.verified_account(email, name="Gus Owner")
    assert mailbox.to(email, MERGE_OFFER) == []

    answer = api.call(
        "POST", "/register", {"token": token_from(guest["register_later_url"]), "password": NEW_PASSWORD}
    )
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"status": "email_sent", "customer_id": guest_id}  # as for a free address
    assert "access_token" not in answer.json()
    assert api.sign_in(email, NEW_PASSWORD).status_code == 401  # the owner's password stays
    assert api.sign_in(email).json()["customer_id"] == owner["customer_id"]

    token = token_from(mailbox.wait(email, MERGE_OFFER).link("/merge?token="))
    merged = api.call("POST", "/me/merges", {"token": token}, token=owner["access_token"])
    assert merged.status_code == 200, merged.text
    assert merged.json()["documents_moved"] >= 1
    assert api.staff("GET", f"/admin/customers/{guest_id}").json()["status"] == "archived"


def test_creating_the_account_at_checkout(api: Api, mailbox: Mailbox) -> None:
    email = new_address("new")
    order = document()
    body = {"order": order, "create_account": {"password": NEW_PASSWORD}}
    answer = api.checkout(email, "New Buyer", **body)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert (created["kind"], created["status"], created["verify_email_sent"]) == ("account", "pending", True)
    assert "register_later_url" not in created
    link = mailbox.wait(email, "Confirm your email address").link("/verify?token=")
    assert _error(api.sign_in(email, NEW_PASSWORD)) == (403, "email_not_verified")
    assert api.call("POST", "/signup/verify", {"token": token_from(link)}).status_code == 200
    session = api.sign_in(email, NEW_PASSWORD)
    assert (session.status_code, session.json()["customer_id"]) == (200, created["customer_id"])
    # The order is the account's: an update of it goes to the same customer.
    again = api.record_document(created["customer_id"], {**order, "status": "completed"})
    assert (again.status_code, again.json()["customer_id"]) == (200, created["customer_id"])

    # The same at a checkout whose address already has an account: the same answer (no
    # enumeration), the order on a guest offered to the owner.
    second = api.checkout(
        email, "Someone", order=document(), create_account={"password": "another passphrase"}
    )
    assert second.status_code == 201, second.text
    assert sorted(second.json()) == sorted(created) and second.json()["kind"] == "account"
    mailbox.wait(email, MERGE_OFFER)
    assert api.sign_in(email, "another passphrase").status_code == 401


def test_a_retried_checkout_with_an_idempotency_key_is_one_guest(api: Api) -> None:
    email = new_address("gus")
    body: dict[str, Any] = {"email": email, "name": "Gus Guest", "order": document()}
    headers = {"Idempotency-Key": f"checkout-{email.split('@')[0]}"}
    first = api.storefront("POST", "/guests", body, **headers)
    second = api.storefront("POST", "/guests", body, **headers)
    assert first.status_code == second.status_code == 201, second.text
    assert first.json()["customer_id"] == second.json()["customer_id"]
    assert first.json() == second.json()  # the same answer, its register-later link included


def test_a_different_checkout_under_a_used_idempotency_key_is_refused(api: Api) -> None:
    first_email, other_email = new_address("gus"), new_address("mallory")
    headers = {"Idempotency-Key": f"checkout-{first_email.split('@')[0]}"}
    body: dict[str, Any] = {"email": first_email, "name": "Gus Guest", "order": document()}
    first = api.storefront("POST", "/guests", body, **headers)
    assert first.status_code == 201, first.text
    other: dict[str, Any] = {"email": other_email, "name": "Mallory", "order": document()}
    reused = api.storefront("POST", "/guests", other, **headers)
    assert reused.json().get("customer_id") != first.json()["customer_id"], reused.text  # not Gus's guest
    assert _error(reused) == (409, "idempotency_key_reused")


def test_documents_route_needs_the_staff_key_and_a_valid_document(api: Api) -> None:
    guest_id = api.guest(new_address("gus"))["customer_id"]
    path = f"/admin/customers/{guest_id}/documents"
    assert api.call("POST", path, document()).status_code == 401
    assert api.call("POST", path, document(), token="not-a-staff-key-0123456789").status_code == 403
    customer = api.verified_account(new_address())["access_token"]
    assert api.call("POST", path, document(), token=customer).status_code == 403
    assert _error(api.record_document(guest_id, document(type="receipt"))) == (422, "validation_failed")
    assert _error(api.record_document(guest_id, document(date="yesterday"))) == (422, "validation_failed")
    assert _error(api.record_document("cus_unknown", document())) == (404, "not_found")
    assert api.record_document(guest_id, document()).status_code == 200


def test_checkout_refuses_bad_input(api: Api) -> None:
    assert _error(api.checkout("not-an-address")) == (422, "validation_failed")
    assert _error(api.checkout(new_address(), order=document(currency="euro"))) == (422, "validation_failed")
    key = {"X-Storefront-Key": api.storefront_key}
    wrong_type = api.http.post(f"{api.base}/guests", data="email=a@example.com", headers=key, timeout=30)
    assert wrong_type.status_code in (400, 415), wrong_type.text


def test_shop_access_of_the_local_public_shop(api: Api) -> None:
    assert api.call("GET", "/website").json()["shop_access"] == "public"
    visitor = api.call("GET", "/shop/access")
    assert visitor.status_code == 200, visitor.text
    assert visitor.json() == {
        "shop_access": "public",
        "signed_in": False,
        "shop_visible": True,
        "prices_visible": True,
        "can_order": True,  # no company acted for: the checkout policy decides
        "company": None,
    }
    pair = api.verified_account(new_address())
    member = api.call("GET", "/shop/access", token=pair["access_token"]).json()
    assert (member["signed_in"], member["shop_visible"]) == (True, True)
    forged = api.call("GET", "/shop/access", token="not-a-token").json()
    assert (forged["signed_in"], forged["shop_visible"]) == (False, True)


def test_the_local_stage_allows_guests_and_accounts_at_checkout(api: Api) -> None:
    """The local server runs the local stage (CHECKOUT_MODE=optional); mandatory and
    guest_only are covered in-process by tests/integration/test_guests.py."""
    assert api.call("GET", "/website").json()["checkout_mode"] == "optional"
    guest = api.checkout(new_address("gus"))
    assert guest.status_code == 201 and "register_later_url" in guest.json(), guest.text
    account = api.checkout(new_address("new"), create_account={"password": NEW_PASSWORD})
    assert (account.status_code, account.json()["kind"]) == (201, "account"), account.text


def test_the_merge_link_works_once_and_only_for_the_account_it_names(api: Api, mailbox: Mailbox) -> None:
    email = new_address("ada")
    owner = api.verified_account(email, password=STRONG_PASSWORD)
    guest_id = api.guest(email, order=document())["customer_id"]
    token = token_from(mailbox.wait(email, MERGE_OFFER).link("/merge?token="))
    assert _error(api.call("POST", "/me/merges", {"token": "x" * 43}, token=owner["access_token"])) == (
        400,
        "invalid_token",
    )
    assert _error(api.call("POST", "/me/merges", {}, token=owner["access_token"])) == (
        422,
        "validation_failed",
    )
    done = api.call("POST", "/me/merges", {"token": token}, token=owner["access_token"])
    assert (done.status_code, done.json()["guest_id"], done.json()["documents_moved"]) == (200, guest_id, 1)
    # A staff merge offer for an archived guest is refused.
    assert _error(api.staff("POST", f"/admin/customers/{guest_id}/merge-offer")) == (409, "invalid_state")


def _merge_form(api: Api, token: str, password: str) -> requests.Response:
    """The merge page's form post, as a browser sends it (no redirect followed)."""
    return api.http.post(
        f"{api.base}/merge", data={"token": token, "password": password}, allow_redirects=False, timeout=30
    )


def test_the_merge_form_counts_wrong_passwords_and_locks_the_account(api: Api, mailbox: Mailbox) -> None:
    email = new_address("ada")
    api.verified_account(email)
    guest_id = api.guest(email, order=document())["customer_id"]
    token = token_from(mailbox.wait(email, MERGE_OFFER).link("/merge?token="))
    as_json = api.call("POST", "/merge", {"token": token, "password": STRONG_PASSWORD})
    assert _error(as_json) == (415, "unsupported_media_type")  # storefronts use POST /me/merges

    for _ in range(5):  # each counts as a failed sign-in of the account
        wrong = _merge_form(api, token, "not my password at all")
        assert wrong.status_code == 401 and wrong.headers["Content-Type"].startswith("text/html")
        assert "This password is not correct." in wrong.text
    locked = _merge_form(api, token, STRONG_PASSWORD)  # locked, even for the right password
    assert locked.status_code == 429 and locked.headers["Content-Type"].startswith("text/html")
    assert 0 < int(locked.headers["Retry-After"]) <= 30
    assert _error(api.sign_in(email)) == (429, "too_many_attempts")
    assert api.staff("GET", f"/admin/customers/{guest_id}").json()["status"] == "guest"

    # A password reset clears the count; the merge link still works with the new password.
    assert api.call("POST", "/password/forgot", {"email": email}).status_code == 202
    reset = token_from(mailbox.wait(email, "Reset your password").link("/password/reset?token="))
    assert api.call("POST", "/password/reset", {"token": reset, "password": NEW_PASSWORD}).status_code == 200
    done = _merge_form(api, token, NEW_PASSWORD)
    assert done.status_code == 303, done.text
    assert (
        done.headers["Location"]
        == f"{api.call('GET', '/website').json()['storefront_url']}/?account_event=merge_confirmed"
    )
    assert api.staff("GET", f"/admin/customers/{guest_id}").json()["status"] == "archived"
