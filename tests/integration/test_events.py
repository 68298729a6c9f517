"""Lifecycle events: one per change, in the change's transaction; EventBridge; signed webhooks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib import jobs
from chalicelib.events import LifecycleEvent, verify
from chalicelib.events import delivery as delivery_module
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from devtools.events import create_bus, fetch
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, last_mail, staff_headers, token_from
from tests.support import STRONG_PASSWORD
from tests.webhook_receiver import Receiver

LOCAL = {"PUBLIC_API_URL": "http://127.0.0.1:8000", "WEBHOOK_LOCAL_TARGETS": True}


class EventStream:
    """The events table's stream as the publisher Lambda gets it: one INSERT record (new
    image) per event written, in batches; a batch whose handler fails is given again.
    (moto's in-process mock has no DescribeStream: the records are made from the table.)"""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def drain(self) -> dict[str, int]:
        fresh = [
            e for e in sorted(LifecycleEvent.scan(), key=lambda e: e.event_id) if e.event_id not in self.seen
        ]
        records = [
            {"eventID": e.event_id, "eventName": "INSERT", "dynamodb": {"NewImage": e.serialize()}}
            for e in fresh
        ]
        outcomes = jobs.publish_events({"Records": records}) if records else {}
        self.seen |= {e.event_id for e in fresh}  # only once the batch is done
        return outcomes


@pytest.fixture
def stream(container: Container) -> EventStream:
    create_bus(container.settings.event_bus_name)
    return EventStream()


def stored(customer_id: str | None = None) -> list[LifecycleEvent]:
    items = sorted(LifecycleEvent.scan(), key=lambda e: e.event_id)
    return [e for e in items if customer_id is None or e.customer_id == customer_id]


def kinds(customer_id: str | None = None) -> list[str]:
    """The types of the stored events, sorted (the test clock stands still: ids tie on time)."""
    return sorted(e.type for e in stored(customer_id))


def staff(api: Api, container: Container, method: str, path: str, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json", **staff_headers(container)}
    raw = json.dumps(body) if body is not None else b""
    return api.client.http.request(method, path, headers=headers, body=raw)


# -- emission: one event per change, thin, in the change's transaction --------------------------


def test_each_lifecycle_change_emits_exactly_one_thin_event(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    cid, token = pair["customer_id"], pair["access_token"]
    assert kinds(cid) == ["customer.created", "customer.verified"]

    assert api.call("PATCH", "/me", {"name": "Ada L.", "newsletter": True}, token=token).status_code == 200
    changed = api.call(
        "POST",
        "/me/password",
        {"current_password": STRONG_PASSWORD, "new_password": "another fine passphrase"},
        token=token,
    )
    assert changed.status_code == 200
    token = changed.json_body["access_token"]
    asked = api.call(
        "POST",
        "/me/email",
        {"new_email": "ada@new.example", "password": "another fine passphrase"},
        token=token,
    )
    assert asked.status_code == 202
    confirm = token_from(last_mail("ada@new.example").link("/email/confirm"))
    assert api.call("POST", "/email/confirm", {"token": confirm}).status_code == 200
    assert (
        staff(api, container, "PUT", f"/admin/customers/{cid}/status", {"status": "blocked"}).status_code
        == 200
    )

    events = stored(cid)
    assert kinds(cid) == [
        "customer.created",
        "customer.email_changed",
        "customer.password_changed",
        "customer.status_changed",
        "customer.updated",
        "customer.verified",
    ]
    data = {e.type: json.loads(e.data) for e in events}
    assert data["customer.updated"] == {"fields": ["name", "newsletter"]}
    assert data["customer.password_changed"] == {"fields": ["password"], "via": "change"}
    assert data["customer.email_changed"] == {"fields": ["email"]}
    assert data["customer.status_changed"] == {"status": "blocked", "previous_status": "active"}
    for event in events:  # thin: no personal data in what consumers receive
        text = json.dumps(dict(event.attribute_values), default=str)
        assert "ada@" not in text and "Ada" not in text
        assert event.website == "test-shop" and event.version == 1


def test_invitations_guests_merges_resets_and_addresses_emit_their_events(
    api: Api, container: Container
) -> None:
    invited = staff(
        api,
        container,
        "POST",
        "/admin/invitations",
        {"customers": [{"email": "eve@example.com", "name": "Eve"}]},
    )
    assert invited.status_code == 202
    token = token_from(last_mail("eve@example.com").link("/invitations"))
    accepted = api.call("POST", "/invitations/accept", {"token": token, "password": STRONG_PASSWORD})
    eve = accepted.json_body["customer_id"]
    assert kinds(eve) == ["customer.created", "customer.verified"]
    assert sorted(json.dumps(json.loads(e.data), sort_keys=True) for e in stored(eve)) == [
        '{"status": "active", "via": "invitation"}',
        '{"status": "invited"}',
    ]

    pair = api.verified_account("ada@example.com")
    ada = pair["customer_id"]
    guest = api.storefront("POST", "/guests", {"email": "ada@example.com", "name": "Gus"}).json_body[
        "customer_id"
    ]
    assert kinds(guest) == ["customer.created"] and json.loads(stored(guest)[0].data) == {"status": "guest"}
    merge = token_from(last_mail("ada@example.com").link("/merge"))
    assert api.call("POST", "/me/merges", {"token": merge}, token=pair["access_token"]).status_code == 200
    [merged] = [e for e in stored(ada) if e.type == "customer.merged"]
    assert json.loads(merged.data) == {"merged_customer_id": guest}

    home = {"label": "Home", "line1": "1 rue de la Paix", "city": "Paris", "country": "FR"}
    assert api.call("POST", "/me/addresses", home, token=pair["access_token"]).status_code == 201
    assert api.call("POST", "/password/forgot", {"email": "ada@example.com"}).status_code == 202
    reset = token_from(last_mail("ada@example.com").link("/password/reset"))
    assert (
        api.call(
            "POST", "/password/reset", {"token": reset, "password": "a brand new passphrase"}
        ).status_code
        == 200
    )
    assert kinds(ada) == [
        "customer.created",
        "customer.merged",
        "customer.password_changed",
        "customer.updated",
        "customer.verified",
    ]
    data = {e.type: json.loads(e.data) for e in stored(ada)}
    assert (
        data["customer.updated"]["fields"] == ["addresses"]
        and data["customer.password_changed"]["via"] == "reset"
    )


def test_a_change_that_rolls_back_emits_nothing(api: Api, container: Container) -> None:
    ada = api.verified_account("ada@example.com")
    api.call(
        "POST",
        "/me/email",
        {"new_email": "bob@example.com", "password": STRONG_PASSWORD},
        token=ada["access_token"],
    )
    confirm = token_from(last_mail("bob@example.com").link("/email/confirm"))
    api.verified_account("bob@example.com")  # the address is claimed before the link is used
    assert api.call("POST", "/email/confirm", {"token": confirm}).status_code == 409  # cancelled by DynamoDB
    assert kinds(ada["customer_id"]) == ["customer.created", "customer.verified"]


def test_a_used_verify_link_emits_no_second_event(api: Api) -> None:
    assert api.signup("ada@example.com").status_code == 202
    token = token_from(last_mail("ada@example.com").link("/verify"))
    assert api.call("POST", "/signup/verify", {"token": token}).status_code == 200
    assert api.call("POST", "/signup/verify", {"token": token}).status_code == 400
    assert kinds() == ["customer.created", "customer.verified"]


def test_an_event_adds_no_dynamodb_call_to_its_request(api: Api, aws_hooks: Hooks) -> None:
    pair = api.verified_account("ada@example.com")
    aws_hooks.calls.clear()
    assert api.call("PATCH", "/me", {"name": "Ada L."}, token=pair["access_token"]).status_code == 200
    ops = aws_hooks.operations()
    assert ops.count("TransactWriteItems") == 1 and "PutItem" not in ops
    assert "customer.updated" in kinds(pair["customer_id"])


# -- EventBridge ---------------------------------------------------------------------------------


def test_events_reach_the_stage_bus_once_each_with_a_stable_id(api: Api, stream: EventStream) -> None:
    pair = api.verified_account("ada@example.com")
    assert stream.drain()["published"] == 2
    on_bus = fetch()
    assert sorted(e["detail-type"] for e in on_bus) == ["customer.created", "customer.verified"]
    ids = {e.event_id for e in stored()}
    assert {e["detail"]["id"] for e in on_bus} == ids
    assert all(
        e["detail"]["customer_id"] == pair["customer_id"] and e["source"] == "customer-accounts"
        for e in on_bus
    )
    assert stream.drain() == {}  # nothing new: nothing sent again


def test_a_batch_eventbridge_refuses_is_given_again_and_then_delivered(
    api: Api, stream: EventStream, aws_hooks: Hooks
) -> None:
    api.verified_account("ada@example.com")
    aws_hooks.fail("events", "PutEvents", "ThrottlingException", times=3)
    from chalicelib.kernel.errors import ServiceUnavailable

    with pytest.raises(ServiceUnavailable):
        stream.drain()
    assert fetch() == []
    assert stream.drain()["published"] == 2  # the stream's retry: the same events, the same ids
    assert len(fetch()) == 2


# -- webhooks ------------------------------------------------------------------------------------


def register(api: Api, container: Container, url: str, types: list[str] | None = None) -> dict[str, Any]:
    answer = staff(
        api, container, "POST", "/admin/webhooks", {"url": url, "event_types": types or ["customer.*"]}
    )
    assert answer.status_code == 201, answer.body
    body: dict[str, Any] = answer.json_body
    return body


def test_a_webhook_receives_signed_events_and_its_secret_is_shown_once(
    api: Api, configure: Callable[..., Container], stream: EventStream
) -> None:
    container = configure(**LOCAL)
    with Receiver() as receiver:
        hook = register(api, container, receiver.url, ["customer.verified"])
        assert hook["secret"].startswith("whsec_")
        listed = staff(api, container, "GET", f"/admin/webhooks/{hook['id']}").json_body
        assert "secret" not in listed and listed["status"] == "active"
        pair = api.verified_account("ada@example.com")
        assert stream.drain()["delivered"] == 1
        [request] = receiver.wait(1)
    envelope = json.loads(request.body)
    assert envelope["type"] == "customer.verified" and envelope["customer_id"] == pair["customer_id"]
    assert set(envelope) == {"id", "type", "occurred_at", "website", "customer_id", "data", "version"}
    assert request.headers["X-Event-Id"] == envelope["id"]
    signature, now = request.headers["X-Signature"], container.clock.now()  # the service's time
    assert verify(hook["secret"], signature, request.body, now)
    assert not verify(hook["secret"], signature, request.body, now + 301)
    assert not verify("whsec_other", signature, request.body, now)
    log = staff(api, container, "GET", f"/admin/webhooks/{hook['id']}/deliveries").json_body["deliveries"]
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 1 and log[0]["last_status"] == 200


def test_a_failed_delivery_is_retried_with_backoff_and_never_twice_for_a_replayed_batch(
    api: Api, configure: Callable[..., Container], stream: EventStream, clock: ManualClock
) -> None:
    container = configure(**LOCAL)
    with Receiver(500, 503) as receiver:
        hook = register(api, container, receiver.url, ["customer.created"])
        api.verified_account("ada@example.com")
        assert stream.drain()["failed"] == 1
        assert jobs.sweep_webhooks() == {}  # not due yet
        clock.advance(60 * 1.1 + 1)
        assert jobs.sweep_webhooks() == {"failed": 1}
        clock.advance(300 * 1.1 + 1)
        assert jobs.sweep_webhooks() == {"delivered": 1}
        received = receiver.wait(3)
    assert len({r.body for r in received}) == 1  # the same body every time
    assert [r.headers["X-Delivery-Attempt"] for r in received] == ["1", "2", "3"]
    [log] = staff(api, container, "GET", f"/admin/webhooks/{hook['id']}/deliveries").json_body["deliveries"]
    assert [a["status"] for a in log["log"]] == [500, 503, 200]


def test_a_4xx_is_not_retried_but_408_and_429_are() -> None:
    assert not delivery_module.retryable(400) and not delivery_module.retryable(410)
    assert not delivery_module.retryable(301)  # redirects are never followed
    assert delivery_module.retryable(408) and delivery_module.retryable(429)
    assert delivery_module.retryable(500) and delivery_module.retryable(None)


def test_the_backoff_schedule_spans_about_four_hours_in_eight_retries() -> None:
    delays = [delivery_module.RETRY_DELAYS[n] for n in range(8)]
    assert len(delays) == 8 and delivery_module.retry_delay(9) is None
    assert 3.9 * 3600 <= sum(delays) <= 4.2 * 3600
    for n in range(1, 9):
        delay = delivery_module.retry_delay(n)
        assert delay is not None and abs(delay - delays[n - 1]) <= delays[n - 1] * 0.1 + 1


def test_an_endpoint_failing_a_whole_retry_window_is_dead_lettered_disabled_and_staff_told(
    api: Api, configure: Callable[..., Container], stream: EventStream, clock: ManualClock
) -> None:
    container = configure(**LOCAL, STAFF_ALERT_EMAIL="ops@test-shop.example")
    with Receiver(*([500] * 9)) as receiver:
        hook = register(api, container, receiver.url, ["customer.created"])
        api.verified_account("ada@example.com")
        stream.drain()
        for _ in range(8):
            clock.advance(4200 * 1.1 + 1)
            jobs.sweep_webhooks()
        receiver.wait(9)
    view = staff(api, container, "GET", f"/admin/webhooks/{hook['id']}").json_body
    assert view["status"] == "disabled" and view["failures"] == 9 and view["disabled_at"]
    [log] = staff(api, container, "GET", f"/admin/webhooks/{hook['id']}/deliveries").json_body["deliveries"]
    assert log["status"] == "dead" and log["attempts"] == 9
    assert "disabled" in last_mail("ops@test-shop.example").subject
    api.verified_account("bob@example.com")  # a disabled webhook gets no new deliveries
    stream.drain()
    assert (
        len(staff(api, container, "GET", f"/admin/webhooks/{hook['id']}/deliveries").json_body["deliveries"])
        == 1
    )
    refused = staff(
        api, container, "POST", f"/admin/webhooks/{hook['id']}/deliveries/{log['event_id']}/redeliver"
    )
    assert refused.status_code == 409
    # staff enable it again and redeliver what it missed
    with Receiver() as receiver:
        patch = {"status": "active", "url": receiver.url}
        assert (
            staff(api, container, "PATCH", f"/admin/webhooks/{hook['id']}", patch).json_body["status"]
            == "active"
        )
        again = staff(
            api, container, "POST", f"/admin/webhooks/{hook['id']}/deliveries/{log['event_id']}/redeliver"
        )
        assert again.status_code == 202 and again.json_body["status"] == "pending"
        assert jobs.sweep_webhooks() == {"delivered": 1}
        [request] = receiver.wait(1)
    assert json.loads(request.body)["id"] == log["event_id"]


def test_a_4xx_answer_is_dead_at_once_without_disabling(
    api: Api, configure: Callable[..., Container], stream: EventStream
) -> None:
    container = configure(**LOCAL)
    with Receiver(404) as receiver:
        hook = register(api, container, receiver.url, ["customer.created"])
        api.verified_account("ada@example.com")
        assert stream.drain()["dead"] == 1
        receiver.wait(1)
    assert staff(api, container, "GET", f"/admin/webhooks/{hook['id']}").json_body["status"] == "active"


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",  # https only on deployed stages
        "https://127.0.0.1/in",
        "https://10.0.0.8/in",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/in",
        "https://localhost/in",
        "https://user:pw@hooks.example.com/in",
        "ftp://hooks.example.com/in",
    ],
)
def test_deployed_stages_refuse_webhook_urls_that_are_not_public_https(
    api: Api, container: Container, url: str
) -> None:
    answer = staff(api, container, "POST", "/admin/webhooks", {"url": url, "event_types": ["*"]})
    assert answer.status_code == 422 and answer.json_body["error"]["code"] == "invalid_webhook_url"


def test_a_delivery_never_connects_to_a_name_that_now_resolves_to_a_private_address(
    api: Api, container: Container, stream: EventStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    real, addresses = socket.getaddrinfo, {"hooks.example.com": "93.184.216.34"}

    def resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        if host in addresses:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addresses[host], 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    hook = register(api, container, "https://hooks.example.com/in", ["customer.created"])
    addresses["hooks.example.com"] = "10.1.2.3"  # DNS rebinding after registration
    api.verified_account("ada@example.com")
    assert stream.drain()["failed"] == 1
    [log] = staff(api, container, "GET", f"/admin/webhooks/{hook['id']}/deliveries").json_body["deliveries"]
    assert log["last_status"] is None and log["last_error"].startswith("unsafe_url")
    refused = staff(
        api,
        container,
        "POST",
        "/admin/webhooks",
        {"url": "https://hooks.example.com/x", "event_types": ["*"]},
    )
    assert refused.status_code == 422


def test_at_most_20_webhooks_even_when_25_are_registered_at_once_and_a_removal_frees_a_slot(
    api: Api, configure: Callable[..., Container]
) -> None:
    from devtools.probes import at_once

    container = configure(**LOCAL)
    for i in range(15):
        register(api, container, f"http://127.0.0.1:9/hook-{i}")
    body = {"url": "http://127.0.0.1:9/late", "event_types": ["*"]}
    answers = at_once(lambda _: staff(api, container, "POST", "/admin/webhooks", body), 25)
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 5 + [409] * 20, codes
    assert {a.json_body["error"]["code"] for a in answers if a.status_code == 409} == {"limit_reached"}
    listed = staff(api, container, "GET", "/admin/webhooks").json_body["webhooks"]
    assert len(listed) == 20
    assert staff(api, container, "DELETE", f"/admin/webhooks/{listed[0]['id']}").status_code in (200, 204)
    assert staff(api, container, "DELETE", f"/admin/webhooks/{listed[0]['id']}").status_code == 404
    assert staff(api, container, "POST", "/admin/webhooks", body).status_code == 201
    assert staff(api, container, "POST", "/admin/webhooks", body).status_code == 409


def test_event_types_are_checked_and_unknown_ones_refused(api: Api, container: Container) -> None:
    answer = staff(
        api,
        container,
        "POST",
        "/admin/webhooks",
        {"url": "https://hooks.example.com/in", "event_types": ["customer.exploded"]},
    )
    assert answer.status_code == 422


def test_staff_read_an_event_by_id_and_the_full_record_through_the_customer_route(
    api: Api, container: Container
) -> None:
    pair = api.verified_account("ada@example.com")
    [created] = [e for e in stored(pair["customer_id"]) if e.type == "customer.created"]
    event = staff(api, container, "GET", f"/admin/events/{created.event_id}").json_body
    assert event["type"] == "customer.created" and event["data"] == {"status": "pending"}
    record = staff(api, container, "GET", f"/admin/customers/{event['customer_id']}").json_body
    assert record["email"] == "ada@example.com"
    assert staff(api, container, "GET", "/admin/events/evt_nope").status_code == 404
    assert api.call("GET", f"/admin/events/{created.event_id}").status_code in (401, 403)
