"""Register later, merge offers, merging a guest into an account (resumable)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from chalicelib.checkout.models import Document
from chalicelib.identity.models import Customer, Login
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, last_mail, mails_to, staff_headers, token_from
from tests.support import STRONG_PASSWORD

NEW_PASSWORD = "my own new passphrase"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _order(document_id: str, **fields: Any) -> dict[str, Any]:
    return {"document_id": document_id, "type": "order", "status": "open", "date": "2026-11-20", **fields}


def _guest(api: Api, email: str = "gus@example.com", *orders: str) -> Any:
    body: dict[str, Any] = {"email": email, "name": "Gus"}
    if orders:
        body["order"] = _order(orders[0])
    return api.storefront("POST", "/guests", body).json_body


def _add_documents(api: Api, container: Container, customer_id: str, count: int) -> None:
    staff = {"Content-Type": "application/json", **staff_headers(container, "erp")}
    for i in range(count):
        kind = ("invoice", "payment", "order")[i % 3]
        body = json.dumps({**_order(f"DOC-{i}"), "type": kind})
        assert (
            api.client.http.post(
                f"/admin/customers/{customer_id}/documents", headers=staff, body=body
            ).status_code
            == 200
        )


def test_register_later_turns_the_guest_into_an_account_keeping_its_documents(api: Api) -> None:
    guest = _guest(api, "gus@example.com", "SO-1")
    token = token_from(guest["register_later_url"])
    answer = api.call("POST", "/register", {"token": token, "password": NEW_PASSWORD})
    assert answer.status_code == 202, answer.body
    assert answer.json_body == {"status": "email_sent", "customer_id": guest["customer_id"]}
    refused = api.sign_in("gus@example.com", NEW_PASSWORD)  # the link came from the checkout call,
    assert refused.json_body["error"]["code"] == "email_not_verified"  # not from the mailbox
    verify = token_from(last_mail("gus@example.com").link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": verify}).status_code == 200
    pair = api.sign_in("gus@example.com", NEW_PASSWORD).json_body
    me = api.call("GET", "/me", token=pair["access_token"]).json_body
    assert me["customer_id"] == guest["customer_id"] and me["status"] == "active" and me["email_verified"]
    assert Document.get(guest["customer_id"], "SO-1").type == "order"
    assert Customer.get(guest["customer_id"]).expires_at is None
    assert api.call("POST", "/register", {"token": token, "password": NEW_PASSWORD}).status_code == 400


def test_register_later_page_asks_to_check_the_inbox(api: Api) -> None:
    token = token_from(_guest(api)["register_later_url"])
    page = api.client.http.get(f"/register?token={token}").body.decode()
    assert "Gus" in page and "gus@example.com" in page
    fields = {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    done = api.client.http.post("/register", headers=FORM, body=urlencode(fields))
    assert done.status_code == 200 and "Check your inbox" in done.body.decode()
    assert last_mail("gus@example.com").subject == "Confirm your email address"


def test_someone_elses_address_can_be_squatted_no_more_than_by_a_sign_up(api: Api) -> None:
    token = token_from(_guest(api, "victim@example.com")["register_later_url"])
    api.call("POST", "/register", {"token": token, "password": "the squatter's passphrase"})
    api.signup("victim@example.com", password="the victim's own passphrase")  # replaces the pending one
    verify = token_from(last_mail("victim@example.com").link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": verify}).status_code == 200
    assert api.sign_in("victim@example.com", "the squatter's passphrase").status_code == 401
    assert api.sign_in("victim@example.com", "the victim's own passphrase").status_code == 200


def test_a_guest_checkout_with_an_account_address_sends_its_owner_a_merge_offer(api: Api) -> None:
    api.verified_account("ada@example.com")
    guest = _guest(api, "ada@example.com", "SO-9")
    assert "register_later_url" in guest  # as for any address: the answer does not tell
    mail = last_mail("ada@example.com")
    assert mail.subject == "Add your guest order to your account"
    assert mail.link("/merge?token=")


def test_register_later_for_a_taken_address_offers_a_merge_instead(api: Api) -> None:
    guest = _guest(api, "ada@example.com", "SO-1")  # before the account existed
    api.verified_account("ada@example.com")
    token = token_from(guest["register_later_url"])
    answer = api.call("POST", "/register", {"token": token, "password": NEW_PASSWORD})
    assert answer.status_code == 202
    assert answer.json_body == {
        "status": "email_sent",
        "customer_id": guest["customer_id"],
    }  # as for a free one
    assert last_mail("ada@example.com").subject == "Add your guest order to your account"
    assert Login.count() == 1 and api.sign_in("ada@example.com", NEW_PASSWORD).status_code == 401
    again = api.call("POST", "/register", {"token": token, "password": NEW_PASSWORD})
    assert again.status_code == 400  # the link is spent: no more merge offers from it
    assert len([m for m in mails_to("ada@example.com") if "guest order" in m.subject]) == 1


def test_register_later_looks_the_same_and_does_the_same_calls_whatever_the_address(
    api: Api, configure: Callable[..., Container], aws_hooks: Hooks
) -> None:
    api.verified_account("taken@example.com")
    configure(MAIL_DISPATCH="stream")  # as deployed: the task runs after the answer
    answers, calls = [], []
    for email in ("taken@example.com", "free@example.com"):
        token = token_from(_guest(api, email, f"SO-{email[0]}")["register_later_url"])
        aws_hooks.calls.clear()
        answer = api.call("POST", "/register", {"token": token, "password": NEW_PASSWORD})
        answers.append((answer.status_code, sorted(answer.json_body)))
        calls.append(aws_hooks.operations())
    assert answers[0] == answers[1] == (202, ["customer_id", "status"])
    # the source's budget, the link, the guest; then spend the link and write the task
    assert calls[0] == calls[1] == ["UpdateItem", "GetItem", "GetItem", "TransactWriteItems"]


def test_the_signed_in_owner_merges_the_guest_and_its_documents(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    guest_id = _guest(api, "ada@example.com", "SO-1")["customer_id"]
    _add_documents(api, container, guest_id, 30)
    token = token_from(last_mail("ada@example.com").link("/merge"))
    done = api.call("POST", "/me/merges", {"token": token}, token=pair["access_token"])
    assert done.status_code == 200, done.body
    assert done.json_body["documents_moved"] == 31
    assert len(list(Document.query(pair["customer_id"]))) == 31
    assert list(Document.query(guest_id)) == []
    guest = Customer.get(guest_id)
    assert guest.status == "archived" and guest.merged_into == pair["customer_id"]
    again = api.call("POST", "/me/merges", {"token": token}, token=pair["access_token"])
    assert again.status_code == 200 and again.json_body["documents_moved"] == 0


def test_a_merge_interrupted_halfway_finishes_on_retry_losing_and_doubling_nothing(
    api: Api, container: Container, aws_hooks: Hooks
) -> None:
    pair = api.verified_account("ada@example.com")
    guest_id = _guest(api, "ada@example.com", "SO-1")["customer_id"]
    _add_documents(api, container, guest_id, 40)  # 41 documents: 4 moves of 12, the 3rd fails
    token = token_from(last_mail("ada@example.com").link("/merge"))
    # the merge's transactions: the start, then pages of 12 documents; the 3rd page fails
    aws_hooks.fail("dynamodb", "TransactWriteItems", "InternalServerError", status=500, after=3)
    broken = api.call("POST", "/me/merges", {"token": token}, token=pair["access_token"])
    assert broken.status_code == 503
    assert Customer.get(guest_id).status == "merging"
    moved = len(list(Document.query(pair["customer_id"])))
    assert 0 < moved < 41
    assert moved + len(list(Document.query(guest_id))) == 41
    retried = api.call("POST", "/me/merges", {"token": token}, token=pair["access_token"])
    assert retried.status_code == 200, retried.body
    assert len(list(Document.query(pair["customer_id"]))) == 41
    assert list(Document.query(guest_id)) == []
    assert Customer.get(guest_id).status == "archived"


def test_only_the_account_the_link_names_can_merge(api: Api) -> None:
    api.verified_account("ada@example.com")
    other = api.verified_account("bob@example.com")
    _guest(api, "ada@example.com", "SO-1")
    token = token_from(last_mail("ada@example.com").link("/merge"))
    refused = api.call("POST", "/me/merges", {"token": token}, token=other["access_token"])
    assert refused.status_code == 400 and refused.json_body["error"]["code"] == "invalid_token"


def test_the_merge_page_asks_the_owners_password(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    guest_id = _guest(api, "ada@example.com", "SO-1")["customer_id"]
    token = token_from(last_mail("ada@example.com").link("/merge"))
    page = api.client.http.get(f"/merge?token={token}").body.decode()
    assert "ada@example.com" in page and 'type="password"' in page
    wrong = api.client.http.post(
        "/merge", headers=FORM, body=urlencode({"token": token, "password": "nope nope"})
    )
    assert wrong.status_code == 401 and "not correct" in wrong.body.decode()
    done = api.client.http.post(
        "/merge", headers=FORM, body=urlencode({"token": token, "password": STRONG_PASSWORD})
    )
    assert done.status_code == 303 and "account_event=merge_confirmed" in done.headers["Location"]
    assert Document.get(pair["customer_id"], "SO-1").type == "order"
    assert Customer.get(guest_id).status == "archived"


def test_documents_sent_for_a_merged_guest_land_on_the_account(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    guest_id = _guest(api, "ada@example.com", "SO-1")["customer_id"]
    token = token_from(last_mail("ada@example.com").link("/merge"))
    api.call("POST", "/me/merges", {"token": token}, token=pair["access_token"])
    _add_documents(api, container, guest_id, 1)
    assert Document.get(pair["customer_id"], "DOC-0").type == "invoice"


def test_staff_can_send_the_merge_link(api: Api, container: Container) -> None:
    guest_id = _guest(api, "ada@example.com")["customer_id"]  # no account yet: no offer
    api.verified_account("ada@example.com")
    before = len(mails_to("ada@example.com"))
    staff = staff_headers(container)
    sent = api.client.http.post(f"/admin/customers/{guest_id}/merge-offer", headers=staff)
    assert sent.status_code == 202 and sent.json_body["status"] == "offer_sent"
    assert len(mails_to("ada@example.com")) == before + 1
    lonely = _guest(api, "nobody@example.com")["customer_id"]
    refused = api.client.http.post(f"/admin/customers/{lonely}/merge-offer", headers=staff)
    assert refused.status_code == 409


def test_a_merge_link_expires_after_24_hours(api: Api, clock: ManualClock) -> None:
    api.verified_account("ada@example.com")
    _guest(api, "ada@example.com", "SO-1")
    token = token_from(last_mail("ada@example.com").link("/merge"))
    clock.advance(24 * 3600 + 1)
    pair = api.sign_in("ada@example.com").json_body
    late = api.call("POST", "/me/merges", {"token": token}, token=pair["access_token"])
    assert late.status_code == 400, late.body


def test_a_document_updated_on_the_account_mid_merge_is_not_overwritten(
    api: Api, container: Container, aws_hooks: Hooks, clock: ManualClock
) -> None:
    pair = api.verified_account("ada@example.com")
    guest_id = _guest(api, "ada@example.com", "SO-1")["customer_id"]
    _add_documents(api, container, guest_id, 20)
    token = token_from(last_mail("ada@example.com").link("/merge"))
    aws_hooks.fail("dynamodb", "TransactWriteItems", "InternalServerError", status=500, after=1)
    assert api.call("POST", "/me/merges", {"token": token}, token=pair["access_token"]).status_code == 503
    clock.advance(5)
    staff = {"Content-Type": "application/json", **staff_headers(container, "erp2")}
    body = json.dumps(_order("SO-1", status="completed"))
    api.client.http.post(
        f"/admin/customers/{guest_id}/documents", headers=staff, body=body
    )  # lands on the account
    assert api.call("POST", "/me/merges", {"token": token}, token=pair["access_token"]).status_code == 200
    assert Document.get(pair["customer_id"], "SO-1").status == "completed"
    assert len(list(Document.query(pair["customer_id"]))) == 21 and list(Document.query(guest_id)) == []


def test_the_merge_page_finishes_a_merge_that_stopped_halfway(
    api: Api, container: Container, aws_hooks: Hooks
) -> None:
    api.verified_account("ada@example.com")
    guest_id = _guest(api, "ada@example.com", "SO-1")["customer_id"]
    _add_documents(api, container, guest_id, 20)
    token = token_from(last_mail("ada@example.com").link("/merge"))
    aws_hooks.fail("dynamodb", "TransactWriteItems", "InternalServerError", status=500, after=1)
    fields = urlencode({"token": token, "password": STRONG_PASSWORD})
    assert api.client.http.post("/merge", headers=FORM, body=fields).status_code == 503
    assert api.client.http.get(f"/merge?token={token}").status_code == 200
    done = api.client.http.post("/merge", headers=FORM, body=fields)
    assert done.status_code == 303 and Customer.get(guest_id).status == "archived"


def test_an_expired_guest_can_neither_register_nor_be_merged(api: Api, clock: ManualClock) -> None:
    api.verified_account("ada@example.com")
    guest = _guest(api, "gus@example.com", "SO-1")
    _guest(api, "ada@example.com", "SO-2")
    merge_token = token_from(last_mail("ada@example.com").link("/merge"))
    clock.advance(30 * 86400 + 1)
    register = api.call(
        "POST", "/register", {"token": token_from(guest["register_later_url"]), "password": NEW_PASSWORD}
    )
    assert register.status_code == 400
    pair = api.sign_in("ada@example.com").json_body
    assert (
        api.call("POST", "/me/merges", {"token": merge_token}, token=pair["access_token"]).status_code == 400
    )


def test_registering_over_an_invited_address_leaves_it_to_the_invitation(
    api: Api, container: Container
) -> None:
    guest = _guest(api, "eve@example.com", "SO-1")
    staff = {"Content-Type": "application/json", **staff_headers(container, "support")}
    body = json.dumps({"customers": [{"email": "eve@example.com", "name": "Eve"}]})
    assert api.client.http.post("/admin/invitations", headers=staff, body=body).status_code == 202
    sent = len(mails_to("eve@example.com"))
    answer = api.call(
        "POST", "/register", {"token": token_from(guest["register_later_url"]), "password": NEW_PASSWORD}
    )
    assert answer.status_code == 202 and answer.json_body["status"] == "email_sent"  # as for any address
    assert Customer.get(guest["customer_id"]).status == "guest"  # the invited customer accepts theirs
    assert len(mails_to("eve@example.com")) == sent


def test_register_later_takes_the_address_back_from_an_unverified_sign_up(api: Api) -> None:
    api.signup("victim@example.com", password="the squatter's passphrase")  # never verified
    guest = _guest(api, "victim@example.com", "SO-1")  # the victim checks out as a guest
    token = token_from(guest["register_later_url"])
    answer = api.call("POST", "/register", {"token": token, "password": "the victim's own passphrase"})
    assert answer.status_code == 202, answer.body
    assert answer.json_body == {"status": "email_sent", "customer_id": guest["customer_id"]}
    verify = token_from(last_mail("victim@example.com").link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": verify}).status_code == 200
    assert api.sign_in("victim@example.com", "the squatter's passphrase").status_code == 401
    pair = api.sign_in("victim@example.com", "the victim's own passphrase").json_body
    assert pair["customer_id"] == guest["customer_id"]  # with the guest's order
    assert Document.get(guest["customer_id"], "SO-1").type == "order"
    squatter_verify = token_from(mails_to("victim@example.com")[0].link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": squatter_verify}).status_code == 400


def test_a_merge_never_overwrites_a_document_the_account_holds(
    api: Api, container: Container, clock: ManualClock
) -> None:
    """A guest with the owner's address and the id of the owner's real order (a forged copy,
    newer) is merged by the owner: the real order stays, the forged copy is dropped."""
    pair = api.verified_account("ada@example.com")
    staff = {"Content-Type": "application/json", **staff_headers(container, "erp")}
    real = json.dumps(_order("SO-1", status="shipped", number="REAL-1"))
    path = f"/admin/customers/{pair['customer_id']}/documents"
    assert api.client.http.post(path, headers=staff, body=real).status_code == 200
    clock.advance(60)
    forged: dict[str, Any] = {"email": "ada@example.com", "name": "Ada", "phone": "+1 555 0100"}
    forged["order"] = _order("SO-1", status="open", number="PAY-EVIL", totals={"gross": 9999.0})
    guest_id = api.storefront("POST", "/guests", forged).json_body["customer_id"]
    _add_documents(api, container, guest_id, 1)  # DOC-0, the account has none: it moves
    token = token_from(last_mail("ada@example.com").link("/merge"))

    done = api.call("POST", "/me/merges", {"token": token}, token=pair["access_token"])
    assert done.status_code == 200, done.body
    kept = Document.get(pair["customer_id"], "SO-1")
    assert (kept.status, kept.number, kept.totals) == ("shipped", "REAL-1", None)
    assert done.json_body["documents_moved"] == 1
    assert Document.get(pair["customer_id"], "DOC-0").type == "invoice"
    assert list(Document.query(guest_id)) == []  # the forged copy is gone, not kept anywhere
    assert Customer.get(guest_id).status == "archived"
    assert Customer.get(pair["customer_id"]).phone is None  # a merge moves documents only
    events = api.call("GET", "/me/activity", token=pair["access_token"]).json_body["activity"]
    [completed] = [e for e in events if e["kind"] == "merge_completed"]
    assert completed["detail"]["documents_kept"] == ["SO-1"]


FORGED_CHECKOUT: dict[str, Any] = {
    "email": "victim@example.com",
    "name": "YOUR ACCOUNT IS SUSPENDED",
    "phone": "+1 555 0100",
    "address": {"line1": "1 Fraud Street", "city": "Nowhere", "country": "US"},
    "order": _order("INV-EVIL", type="invoice", number="PAY-NOW", totals={"gross": 9999.0}),
}


def _owner_signs_up_and_verifies(api: Api) -> dict[str, Any]:
    """The mailbox owner's normal sign-up, verified with the link it sends, then signed in."""
    api.signup("victim@example.com", password="the victim's own passphrase", name="Victoria")
    verify = token_from(last_mail("victim@example.com").link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": verify}).status_code == 200
    pair = api.sign_in("victim@example.com", "the victim's own passphrase")
    assert pair.status_code == 200, pair.body
    session: dict[str, Any] = pair.json_body
    return session


def _starts_clean(api: Api, pair: dict[str, Any], planted_id: str) -> None:
    assert pair["customer_id"] != planted_id
    me = api.call("GET", "/me", token=pair["access_token"]).json_body
    assert (me["name"], me["phone"], me["status"]) == ("Victoria", None, "active")
    documents = api.call("GET", "/me/documents", token=pair["access_token"]).json_body
    assert documents["documents"] == []
    # the checkout's record is a guest again, with its documents
    assert Customer.get(planted_id).status == "guest"
    assert [d.document_id for d in Document.query(planted_id)] == ["INV-EVIL"]
    assert Login.get(Customer.get(pair["customer_id"]).login_key).customer_id == pair["customer_id"]


def test_a_sign_up_over_a_register_later_record_starts_clean(api: Api, container: Container) -> None:
    """A guest with the victim's address and a forged invoice registers later (a pending
    account); the victim's own sign-up must not adopt it."""
    guest = api.storefront("POST", "/guests", FORGED_CHECKOUT).json_body
    token = token_from(guest["register_later_url"])
    registered = api.call("POST", "/register", {"token": token, "password": "the squatter's passphrase"})
    assert registered.status_code == 202, registered.body
    planted_link = token_from(last_mail("victim@example.com").link("/verify"))

    pair = _owner_signs_up_and_verifies(api)
    _starts_clean(api, pair, guest["customer_id"])
    assert Customer.get(guest["customer_id"]).phone == "+1 555 0100"  # the guest keeps what it had
    assert api.call("POST", "/signup/verify", {"token": planted_link}).status_code == 400  # dead
    assert api.sign_in("victim@example.com", "the squatter's passphrase").status_code == 401
    # The owner may still take those orders, through the usual merge link and their password.
    offer = api.client.http.post(
        f"/admin/customers/{guest['customer_id']}/merge-offer", headers=staff_headers(container)
    )
    assert offer.status_code == 202 and offer.json_body["account_id"] == pair["customer_id"]


def test_a_sign_up_over_an_account_made_at_checkout_starts_clean(api: Api) -> None:
    body = {**FORGED_CHECKOUT, "create_account": {"password": "the squatter's passphrase"}}
    made = api.storefront("POST", "/guests", body).json_body
    assert made["kind"] == "account"
    pair = _owner_signs_up_and_verifies(api)
    _starts_clean(api, pair, made["customer_id"])


def test_a_sign_up_over_the_owners_own_pending_sign_up_keeps_the_record(api: Api) -> None:
    api.signup("victim@example.com", password="a first passphrase here", name="V")
    pair = _owner_signs_up_and_verifies(api)
    assert Customer.count() == 1  # refreshed in place, as before
    assert api.call("GET", "/me", token=pair["access_token"]).json_body["name"] == "Victoria"
