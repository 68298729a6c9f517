"""Lifecycle events over the local stage (``make run``): the events stream, the local
EventBridge bus (``make events``) and signed webhooks received on a local HTTP endpoint."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.events import verify
from devtools.events import fetch
from tests.e2e.helpers import Api, LocalService, Mailbox, new_address, token_from
from tests.support import STRONG_PASSWORD
from tests.webhook_receiver import Received, Receiver

pytestmark = pytest.mark.e2e
TIMEOUT = 90  # seconds: the stream may still carry the events of earlier tests


@pytest.fixture
def webhook(api: Api) -> Iterator[tuple[Receiver, dict[str, Any]]]:
    """A receiver registered for every customer event (the shared local service delivers the
    events of earlier tests too: each test looks at its own customer's)."""
    with Receiver() as receiver:
        answer = api.staff("POST", "/admin/webhooks", {"url": receiver.url, "event_types": ["customer.*"]})
        assert answer.status_code == 201, answer.text
        hook = answer.json()
        yield receiver, hook
        api.staff("DELETE", f"/admin/webhooks/{hook['id']}")


def of(receiver: Receiver, customer_id: str, event_type: str | None = None) -> list[Received]:
    return [
        r
        for r in list(receiver.received)
        if json.loads(r.body)["customer_id"] == customer_id
        and event_type in (None, r.headers["X-Event-Type"])
    ]


def wait_for(
    receiver: Receiver, customer_id: str, event_type: str, count: int = 1, timeout: float = TIMEOUT
) -> list[Received]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = of(receiver, customer_id, event_type)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(
        f"{len(of(receiver, customer_id, event_type))} {event_type} webhook(s) for {customer_id}"
    )


def account(api: Api, email: str) -> dict[str, Any]:
    """``api.verified_account``, waiting longer for the email: these tests run right after the
    concurrency tests, whose backlog the local outbox stream may still be sending."""
    assert api.signup(email).status_code == 202
    verify = api.mailbox.wait(email, "Confirm your email address", timeout=TIMEOUT)
    token = token_from(verify.link("/verify?token="))
    assert api.call("POST", "/signup/verify", {"token": token}).status_code == 200
    session = api.sign_in(email)
    assert session.status_code == 200, session.text
    pair: dict[str, Any] = session.json()
    return pair


def test_signed_webhooks_arrive_and_a_500_is_retried(
    api: Api, webhook: tuple[Receiver, dict[str, Any]]
) -> None:
    receiver, hook = webhook
    pair = account(api, new_address("ada"))
    customer_id = pair["customer_id"]
    created = wait_for(receiver, customer_id, "customer.created")
    wait_for(receiver, customer_id, "customer.verified")
    receiver.only, receiver.answers = customer_id, [500]  # the next event of this customer fails once
    assert api.call("PATCH", "/me", {"name": "Ada L."}, token=pair["access_token"]).status_code == 200
    first, again = wait_for(receiver, customer_id, "customer.updated", count=2)[:2]
    assert first.headers["X-Event-Id"] == again.headers["X-Event-Id"] and first.body == again.body
    assert [first.headers["X-Delivery-Attempt"], again.headers["X-Delivery-Attempt"]] == ["1", "2"]
    for request in of(receiver, customer_id):
        assert verify(hook["secret"], request.headers["X-Signature"], request.body, time.time())
        assert not verify(hook["secret"], request.headers["X-Signature"], request.body + " ", time.time())
    envelope = json.loads(created[0].body)
    assert envelope["data"] == {"status": "pending"} and envelope["website"] == "local-shop"
    deadline, retried = time.monotonic() + TIMEOUT, []
    while time.monotonic() < deadline:  # the log is written right after the answer
        log = api.staff("GET", f"/admin/webhooks/{hook['id']}/deliveries").json()["deliveries"]
        retried = [
            d for d in log if d["event_id"] == first.headers["X-Event-Id"] and d["status"] == "delivered"
        ]
        if retried:
            break
        time.sleep(0.2)
    assert retried and [a["status"] for a in retried[0]["log"]] == [500, 200]


def test_a_rolled_back_change_is_never_delivered(api: Api, webhook: tuple[Receiver, dict[str, Any]]) -> None:
    receiver, _ = webhook
    ada, bob = new_address("ada"), new_address("bob")
    pair = account(api, ada)
    asked = api.call(
        "POST", "/me/email", {"new_email": bob, "password": STRONG_PASSWORD}, token=pair["access_token"]
    )
    assert asked.status_code == 202
    confirm = token_from(
        api.mailbox.wait(bob, "Confirm your new email", timeout=TIMEOUT).link("/email/confirm?")
    )
    account(api, bob)  # the address is claimed before the link is used
    assert api.call("POST", "/email/confirm", {"token": confirm}).status_code == 409  # rolled back
    assert api.call("PATCH", "/me", {"name": "Ada L."}, token=pair["access_token"]).status_code == 200
    wait_for(receiver, pair["customer_id"], "customer.updated")  # the later change arrived...
    assert (
        of(receiver, pair["customer_id"], "customer.email_changed") == []
    )  # ...the rolled-back one never will


def test_make_events_lists_what_reached_the_local_bus(
    api: Api, local_service: LocalService, mailbox: Mailbox
) -> None:
    pair = account(api, new_address("ada"))
    deadline, mine = time.monotonic() + TIMEOUT, []
    while time.monotonic() < deadline:
        mine = [e for e in fetch(local_service.aws_url) if e["detail"]["customer_id"] == pair["customer_id"]]
        if len(mine) >= 2:
            break
        time.sleep(0.3)
    assert sorted(e["detail-type"] for e in mine) == ["customer.created", "customer.verified"]
    assert all(e["source"] == "customer-accounts" for e in mine)
    event = api.staff("GET", f"/admin/events/{mine[0]['detail']['id']}").json()
    assert event == mine[0]["detail"]
