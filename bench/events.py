"""Lifecycle events: what an event costs the request that causes it, and delivery throughput.

An event rides in its change's ``TransactWriteItems``: the same calls as without it, one
item more. The request is measured twice, with the events feature and with ``events.emit``
replaced by a step that writes nothing (untimed swap), on fresh inputs each run.

Delivery: ``EVENTS`` events are written beforehand (untimed), then handed to the publisher
(``jobs.publish_events``) in stream batches of 10 (the mapping's ``BatchSize``) and timed:
EventBridge (moto) alone, then with one webhook on a local HTTP endpoint (a thread of this
process answering 200), so an event is also a delivery (its item, its POST, its outcome).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.harness.sections import Bullets, Section, Table, Verdict
from bench.harness.timing import Result, dynamodb, timed
from bench.harness.world import World, expect, settle

EVENTS = 200
BATCH = 10


@dataclass
class Delivery:
    name: str
    events: int
    seconds: float
    calls: Counter[str]

    @property
    def per_second(self) -> float:
        return self.events / self.seconds

    def per_event(self, key: str) -> float:
        return self.calls[key] / self.events


@dataclass
class EventsBench:
    requests: list[tuple[Result, Result]]  # (with the event, without)
    deliveries: list[Delivery]


@contextmanager
def without_events() -> Iterator[None]:
    """``events.emit`` returns a step that writes nothing (the call sites look it up per call)."""
    import chalicelib.events as events

    real = events.emit
    events.emit = lambda *args, **kwargs: ("lifecycle_event", lambda tx: None)  # type: ignore[assignment]
    try:
        yield
    finally:
        events.emit = real


def _requests(w: World) -> list[tuple[Result, Result]]:
    total = w.total
    w.say(f"set-up: 1 account for profile updates, {2 * total} sign-ups to verify")
    w.use(w.inline)
    token = w.verified_account("bench-events-ada@example.com")["access_token"]
    emails = [f"bench-events-{i}@example.com" for i in range(2 * total)]
    for email in emails:
        w.signup(email)
    tokens = [w.token_in_mail(email, "/verify") for email in emails]
    w.use(w.stream)
    settle()
    pairs = []
    for label, measured in (("with its event", None), ("without its event", without_events)):
        context = measured() if measured else _nothing()
        offset = 0 if measured is None else total
        with context:
            profile = w.measure(
                f"events_profile_{offset}",
                f"PATCH /me ({label})",
                lambda i, o=offset: w.prepared("PATCH", "/me", {"name": f"Ada {o + i}"}, token),
                expect(200),
            )
            verify = w.measure(
                f"events_verify_{offset}",
                f"POST /signup/verify ({label})",
                lambda i, o=offset: w.prepared("POST", "/signup/verify", {"token": tokens[o + i]}),
                expect(200),
            )
        pairs.append((profile, verify))
    return [(pairs[0][0], pairs[1][0]), (pairs[0][1], pairs[1][1])]


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _delivery(w: World, name: str, container: Any) -> Delivery:
    from chalicelib import events, jobs
    from chalicelib.events.emit import new_event

    w.use(container)
    items = [
        new_event(container, events.CUSTOMER_UPDATED, f"cus_bench{i:06d}", ["name"], {})
        for i in range(EVENTS)
    ]
    for item in items:
        item.save()
    records = [
        {"eventID": e.event_id, "eventName": "INSERT", "dynamodb": {"NewImage": e.serialize()}} for e in items
    ]
    settle()
    outcomes: Counter[str] = Counter()
    with timed() as run:
        for start in range(0, EVENTS, BATCH):
            outcomes.update(jobs.publish_events({"Records": records[start : start + BATCH]}))
    if outcomes["published"] != EVENTS:
        raise AssertionError(f"{name}: published {outcomes}")
    calls: Counter[str] = Counter(f"{c.service}:{c.operation}" for c in run.calls)
    calls["dynamodb"] = len(dynamodb(run.calls))
    w.say(f"  {name:<48} {EVENTS / run.seconds:7.1f} events/s  {dict(outcomes)}")
    return Delivery(name, EVENTS, run.seconds, calls)


def measure(w: World) -> EventsBench:
    from chalicelib.events.schemas import WebhookIn
    from chalicelib.events.webhooks import register
    from devtools.events import create_bus
    from tests.webhook_receiver import Receiver

    pairs = _requests(w)
    create_bus(w.stream.settings.event_bus_name)
    deliveries = [_delivery(w, "EventBridge only (no webhook)", w.stream)]
    local = w.new_container("stream", PUBLIC_API_URL="http://127.0.0.1:8000", WEBHOOK_LOCAL_TARGETS=True)
    with Receiver() as receiver:
        register(local, WebhookIn(url=receiver.url, event_types=["customer.*"]), "staff:bench")
        deliveries.append(_delivery(w, "EventBridge + 1 webhook (local HTTP, 200)", local))
        deadline = time.monotonic() + 10
        while len(receiver.received) < EVENTS and time.monotonic() < deadline:
            time.sleep(0.05)
        if len(receiver.received) != EVENTS:
            raise AssertionError(f"the webhook received {len(receiver.received)} of {EVENTS}")
    w.use(w.inline)
    return EventsBench(pairs, deliveries)


def _calls(result: Result) -> str:
    return " + ".join(c.label for c in result.dynamodb())


def sections(result: EventsBench) -> list[Section]:
    rows, verdicts = [], []
    for with_event, without in result.requests:
        rows.append(
            [with_event.name, str(len(with_event.dynamodb())), _calls(with_event), f"{with_event.p(50):.1f}"]
        )
        rows.append([without.name, str(len(without.dynamodb())), _calls(without), f"{without.p(50):.1f}"])
        extra = len(with_event.dynamodb()) - len(without.dynamodb())
        verdicts.append(
            Verdict(
                f"An event adds no DynamoDB call: {with_event.name.split(' (')[0]}",
                f"{extra:+d} calls ({_calls(with_event)} vs {_calls(without)})",
                "+0 calls",
                extra == 0,
            )
        )
    delivery_rows = [
        [
            d.name,
            f"{d.per_second:.0f}",
            f"{d.per_event('dynamodb'):.2f}",
            f"{d.per_event('events:PutEvents'):.2f}",
            ", ".join(
                f"{k.split(':')[1]} {v / d.events:.2f}"
                for k, v in sorted(d.calls.items())
                if k.startswith("dynamodb:")
            ),
        ]
        for d in result.deliveries
    ]
    return [
        Section(
            "Lifecycle events",
            [
                "An event is one more item of its change's `TransactWriteItems` (`events.emit`): the request "
                "makes the same calls with or without it.",
                Table(["operation", "DynamoDB calls", "calls", "p50 ms"], rows, "lrlr"),
                f"Delivery through the events stream's consumer (`event_publisher`) on moto: {EVENTS} events "
                f"in stream batches of {BATCH}, PutEvents by tens; a webhook delivery is one conditional "
                "`PutItem` (the delivery, leased) and one `UpdateItem` (its outcome) around the POST.",
                Table(
                    ["delivery", "events/s", "DynamoDB calls/event", "PutEvents/event", "by operation"],
                    delivery_rows,
                    "lrrrl",
                ),
                Bullets(
                    [
                        "moto and the webhook endpoint are in this process: the figures compare, "
                        "they do not predict AWS."
                    ]
                ),
            ],
            verdicts=verdicts,
        )
    ]
