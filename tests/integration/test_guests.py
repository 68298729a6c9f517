"""Guest checkout, CHECKOUT_MODE, the documents feed, guest expiry, SHOP_ACCESS."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.checkout.models import Document
from chalicelib.identity.models import Customer, Login
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from chalicelib.kernel.models import IdempotencyRecord
from devtools.probes import CountingHasher
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, last_mail, mails_to, staff_headers, token_from
from tests.support import STRONG_PASSWORD

ORDER = {
    "document_id": "SO-1001",
    "type": "order",
    "status": "open",
    "date": "2026-11-20",
    "currency": "EUR",
    "totals": {"net": 100.0, "tax": 20.0, "gross": 120.0},
    "lines": [{"line_id": "1", "sku": "TEA-01", "name": "Green tea", "quantity": 2, "unit_price": 50.0}],
}


def _checkout(api: Api, **body: Any) -> Any:
    return api.storefront("POST", "/guests", {"email": "gus@example.com", "name": "Gus", **body})


def _document(api: Api, staff: dict[str, str], customer_id: str, **fields: Any) -> Any:
    return api.client.http.post(
        f"/admin/customers/{customer_id}/documents",
        headers={"Content-Type": "application/json", **staff},
        body=json.dumps({**ORDER, **fields}),
    )


def test_guest_checkout_creates_a_guest_without_a_claim(api: Api) -> None:
    answer = _checkout(api, phone="+33 1 23 45 67 89", order=ORDER, address={"city": "Lyon", "country": "FR"})
    assert answer.status_code == 201, answer.body
    body = answer.json_body
    assert body["kind"] == "guest" and body["register_later_url"].startswith(
        "https://accounts.shop.example/register?token="
    )
    guest = Customer.get(body["customer_id"])
    assert guest.status == "guest" and guest.expires_at and json.loads(guest.address)["city"] == "Lyon"
    assert Login.count() == 0  # no claim on the email
    assert Document.get(guest.customer_id, "SO-1001").status == "open"


def test_several_guests_may_share_an_email(api: Api) -> None:
    first, second = _checkout(api), _checkout(api)
    assert first.status_code == second.status_code == 201
    assert first.json_body["customer_id"] != second.json_body["customer_id"]


def test_guest_checkout_is_one_write_and_reads_nothing_about_the_address(
    api: Api, configure: Callable[..., Container], aws_hooks: Hooks
) -> None:
    """The storefront key's read, the key's budget, the reference counter, then one
    transaction (the guest, its order, its register-later link and the merge-offer task),
    whether or not the address has an account: the offer to its owner is the task's work,
    after the answer (as deployed)."""
    api.verified_account("taken@example.com")
    configure(MAIL_DISPATCH="stream")
    assert api.storefront_key  # the key is made before counting
    calls = []
    for email in ("taken@example.com", "free@example.com"):
        aws_hooks.calls.clear()
        answer = api.storefront("POST", "/guests", {"email": email, "name": "Gus", "order": ORDER})
        assert answer.status_code == 201
        calls.append(aws_hooks.operations())
    assert calls[0] == calls[1] == ["GetItem", "UpdateItem", "UpdateItem", "TransactWriteItems"]


@pytest.mark.parametrize(
    ("mode", "guest_status", "account_status", "account_code"),
    [
        ("optional", 201, 201, None),
        ("guest_only", 201, 403, "account_creation_disabled"),
        ("mandatory", 403, 201, None),
    ],
)
def test_checkout_mode_is_enforced(
    api: Api,
    configure: Callable[..., Container],
    mode: str,
    guest_status: int,
    account_status: int,
    account_code: str | None,
) -> None:
    configure(CHECKOUT_MODE=mode)
    guest = _checkout(api)
    assert guest.status_code == guest_status
    if guest_status == 403:
        assert guest.json_body["error"]["code"] == "account_required"
    elif mode != "optional":
        assert "register_later_url" not in guest.json_body
    account = api.storefront(
        "POST",
        "/guests",
        {
            "email": "new@example.com",
            "name": "New",
            "order": ORDER,
            "create_account": {"password": STRONG_PASSWORD},
        },
    )
    assert account.status_code == account_status, account.body
    if account_code:
        assert account.json_body["error"]["code"] == account_code
    else:
        assert account.json_body["kind"] == "account"


def test_creating_the_account_at_checkout_keeps_the_order_and_sends_a_verify_email(api: Api) -> None:
    answer = api.storefront(
        "POST",
        "/guests",
        {
            "email": "new@example.com",
            "name": "New",
            "order": ORDER,
            "create_account": {"password": STRONG_PASSWORD},
        },
    )
    customer_id = answer.json_body["customer_id"]
    assert Document.get(customer_id, "SO-1001").type == "order"
    assert last_mail("new@example.com").subject == "Confirm your email address"
    assert Customer.get(customer_id).status == "pending"


def test_a_guest_checkout_can_be_retried_with_an_idempotency_key(api: Api) -> None:
    body = {"email": "gus@example.com", "name": "Gus", "order": ORDER}
    first = api.storefront("POST", "/guests", body, **{"Idempotency-Key": "checkout-0001"})
    second = api.storefront("POST", "/guests", body, **{"Idempotency-Key": "checkout-0001"})
    assert second.status_code == 201, second.body
    assert first.json_body["customer_id"] == second.json_body["customer_id"]
    assert Customer.count() == 1
    assert second.json_body == first.json_body  # the same link: a retry is the same answer
    stored = IdempotencyRecord.get("test-shop#checkout#checkout-0001").response
    assert token_from(first.json_body["register_later_url"]) not in stored  # kept sealed only


def test_documents_are_recorded_idempotently_by_id(api: Api, container: Container) -> None:
    staff = staff_headers(container)
    guest_id = _checkout(api).json_body["customer_id"]
    assert _document(api, staff, guest_id).status_code == 200
    assert _document(api, staff, guest_id, status="completed").status_code == 200
    stored = list(Document.query(guest_id))
    assert len(stored) == 1 and stored[0].status == "completed"
    assert json.loads(stored[0].lines)[0]["sku"] == "TEA-01"


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "receipt"},
        {"document_id": "has spaces"},
        {"date": "yesterday"},
        {"currency": "euro"},
        {"lines": [{"line_id": "1"}]},
        {"totals": {"gross": "lots"}},
        {"status": "Bad Status"},
    ],
)
def test_bad_documents_are_refused(api: Api, container: Container, bad: dict[str, Any]) -> None:
    guest_id = _checkout(api).json_body["customer_id"]
    answer = _document(api, staff_headers(container), guest_id, **bad)
    assert answer.status_code == 422 and answer.json_body["error"]["code"] == "validation_failed"


def test_documents_for_unknown_customers_are_404(api: Api, container: Container) -> None:
    assert _document(api, staff_headers(container), "cus_nope").status_code == 404


def test_each_order_event_restarts_the_guest_expiry(
    api: Api, container: Container, clock: ManualClock
) -> None:
    staff = staff_headers(container)
    guest_id = _checkout(api, order=ORDER).json_body["customer_id"]
    created = Customer.get(guest_id).expires_at
    assert created == int(clock.now()) + 30 * 86400
    clock.advance(20 * 86400)
    _document(api, staff, guest_id, status="completed")
    assert Customer.get(guest_id).expires_at == int(clock.now()) + 30 * 86400


def test_guest_ttl_follows_the_setting(
    api: Api, configure: Callable[..., Container], clock: ManualClock
) -> None:
    configure(GUEST_TTL_DAYS=3)
    guest_id = _checkout(api).json_body["customer_id"]
    assert Customer.get(guest_id).expires_at == int(clock.now()) + 3 * 86400


@pytest.mark.parametrize(("setting", "anonymous"), [("public", True), ("logged_in", False)])
def test_shop_access(api: Api, configure: Callable[..., Container], setting: str, anonymous: bool) -> None:
    configure(SHOP_ACCESS=setting)
    assert api.call("GET", "/website").json_body["shop_access"] == setting
    visitor = api.call("GET", "/shop/access").json_body
    assert visitor["shop_visible"] is anonymous and visitor["prices_visible"] is anonymous
    pair = api.verified_account("ada@example.com")
    member = api.call("GET", "/shop/access", token=pair["access_token"]).json_body
    assert member["shop_visible"] is True and member["signed_in"] is True
    forged = api.call("GET", "/shop/access", token="not-a-token").json_body
    assert forged["shop_visible"] is anonymous and forged["signed_in"] is False


def test_a_retried_account_checkout_answers_the_first_account(api: Api) -> None:
    body = {
        "email": "new@example.com",
        "name": "New",
        "order": ORDER,
        "create_account": {"password": STRONG_PASSWORD},
    }
    first = api.storefront("POST", "/guests", body, **{"Idempotency-Key": "checkout-acct-1"})
    second = api.storefront("POST", "/guests", body, **{"Idempotency-Key": "checkout-acct-1"})
    assert first.json_body == second.json_body and first.json_body["kind"] == "account"
    assert Customer.count() == 1


def test_shop_access_reports_a_busy_database_instead_of_closing_the_shop(
    api: Api, configure: Callable[..., Container], aws_hooks: Hooks
) -> None:
    configure(SHOP_ACCESS="logged_in")
    pair = api.verified_account("ada@example.com")
    aws_hooks.fail("dynamodb", "TransactGetItems", "ThrottlingException")  # the session check
    assert api.call("GET", "/shop/access", token=pair["access_token"]).status_code == 503


def test_an_expired_guest_is_gone_for_the_documents_feed(
    api: Api, container: Container, clock: ManualClock
) -> None:
    guest_id = _checkout(api).json_body["customer_id"]
    clock.advance(30 * 86400 + 1)
    assert _document(api, staff_headers(container), guest_id).status_code == 404


def test_staff_cannot_change_a_guests_status(api: Api, container: Container) -> None:
    guest_id = _checkout(api).json_body["customer_id"]
    answer = api.client.http.put(
        f"/admin/customers/{guest_id}/status",
        headers={"Content-Type": "application/json", **staff_headers(container)},
        body='{"status": "blocked"}',
    )
    assert answer.status_code == 409 and answer.json_body["error"]["code"] == "invalid_state"


def test_an_idempotency_key_reused_for_another_checkout_is_refused(api: Api) -> None:
    first = api.storefront(
        "POST", "/guests", {"email": "a@example.com", "name": "A"}, **{"Idempotency-Key": "k-12345678"}
    )
    other = api.storefront(
        "POST", "/guests", {"email": "b@example.com", "name": "B"}, **{"Idempotency-Key": "k-12345678"}
    )
    assert first.status_code == 201
    assert other.status_code == 409 and other.json_body["error"]["code"] == "idempotency_key_reused"


def test_the_checkout_answer_never_tells_whether_the_address_has_an_account(
    api: Api, container: Container
) -> None:
    staff = {"Content-Type": "application/json", **staff_headers(container)}
    body = json.dumps({"customers": [{"email": "invited@example.com", "name": "I"}]})
    assert api.client.http.post("/admin/invitations", headers=staff, body=body).status_code == 202
    api.verified_account("active@example.com")
    api.signup("pending@example.com")
    shapes = set()
    for email in ("invited@example.com", "active@example.com", "pending@example.com", "free@example.com"):
        answer = api.storefront("POST", "/guests", {"email": email, "name": "P"})
        assert answer.status_code == 201
        assert answer.json_body["register_later_url"].startswith("http"), email
        shapes.add((answer.json_body["kind"], tuple(sorted(answer.json_body))))
    assert len(shapes) == 1


def test_creating_the_account_at_checkout_does_the_same_work_whatever_the_address(
    api: Api, configure: Callable[..., Container], aws_hooks: Hooks
) -> None:
    """One hash, the reference counter and two writes either way (the guest with its order,
    then its claim on the address, which a taken address refuses); the owner's offer is the
    task's, afterwards."""
    api.verified_account("taken@example.com")
    container = configure(MAIL_DISPATCH="stream")
    counting = CountingHasher(container.hasher)
    container.hasher = counting  # type: ignore[assignment]  # the Container is the one door
    assert api.storefront_key
    seen = []
    for email in ("taken@example.com", "free@example.com"):
        aws_hooks.calls.clear()
        counting.hashed = 0
        body = {
            "email": email,
            "name": "Ada",
            "order": ORDER,
            "create_account": {"password": STRONG_PASSWORD},
        }
        answer = api.storefront("POST", "/guests", body)
        seen.append((answer.status_code, sorted(answer.json_body), aws_hooks.operations(), counting.hashed))
    assert seen[0] == seen[1]
    assert seen[0][2:] == (
        ["GetItem", "UpdateItem", "UpdateItem", "TransactWriteItems", "TransactWriteItems"],
        1,
    )


def test_creating_an_account_for_a_taken_address_answers_like_a_new_one_under_every_mode(
    api: Api, configure: Callable[..., Container]
) -> None:
    pair = api.verified_account("ada@example.com")
    for mode in ("optional", "mandatory"):
        configure(CHECKOUT_MODE=mode)
        answers = []
        for email in ("ada@example.com", f"new-{mode}@example.com"):
            body = {"email": email, "name": "Ada", "create_account": {"password": STRONG_PASSWORD}}
            order = {**ORDER, "document_id": f"SO-{mode}-{email[0]}"}
            answer = api.storefront("POST", "/guests", {**body, "order": order})
            answers.append((answer.status_code, sorted(answer.json_body), answer.json_body["kind"]))
        shape = (201, ["customer_id", "kind", "status", "verify_email_sent"], "account")
        assert answers[0] == answers[1] == shape
    # the owner's account is untouched; the owner is offered each order to merge
    offers = [m for m in mails_to("ada@example.com") if m.subject == "Add your guest order to your account"]
    assert len(offers) == 2
    assert api.sign_in("ada@example.com").json_body["customer_id"] == pair["customer_id"]
