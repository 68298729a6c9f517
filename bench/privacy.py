"""GDPR: erasure and export of a customer holding 100 documents, 20 addresses and 200
activity events (the issue's shape), plus a session and a pending reset link.

Set-up, untimed, per run: a verified account signed in, its 20 addresses added through the
portal, a reset link asked, and its 100 documents and 200 activity events written straight
to their tables (the feed and the events are measured elsewhere). Each run exports one
customer (staff), then erases it (staff): the erasure's account transaction and every
feature's registered step, all inside the request when they fit its budget.
"""

from __future__ import annotations

import secrets

from bench.harness.operations import (
    READ_CALLS,
    READS_BY_OPERATION,
    STANDARD,
    WRITE_CALLS,
    WRITES_BY_OPERATION,
    CallTarget,
    notes,
    operations_table,
    target_column,
)
from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import Answer, BenchError, World, expect, settle

DOCUMENTS, ADDRESSES, EVENTS = 100, 20, 200
SPLIT = (STANDARD[0], WRITE_CALLS, WRITES_BY_OPERATION, READ_CALLS, READS_BY_OPERATION)
TARGETS = [
    CallTarget(
        "Erasure of a customer with 100 documents, 20 addresses, 200 events: DynamoDB calls",
        ("erase",),
        "≤ 30",
        lambda n: n <= 30,
    ),
]


def _customer(w: World, i: int) -> str:
    """A verified, signed-in account with the issue's data; its id."""
    from chalicelib.checkout import Document
    from chalicelib.identity import Activity

    email = f"bench-gdpr-{i}-{secrets.token_hex(3)}@example.com"
    pair = w.verified_account(email)
    token, customer_id = pair["access_token"], pair["customer_id"]
    for n in range(ADDRESSES):
        address = {"name": "Erin Bench", "line1": f"{n} Bench Street", "city": "Lyon", "country": "FR"}
        expect(201)(w.send("POST", "/me/addresses", address, token))
    expect(202)(w.send("POST", "/password/forgot", {"email": email}))
    now = int(w.clock.now())
    with Document.batch_write() as batch:
        for n in range(DOCUMENTS):
            date = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"
            batch.save(
                Document(customer_id, f"SO-{n}", type="order", status="completed", date=date,
                         date_key=f"{date}#SO-{n}", type_date_key=f"order#{date}#SO-{n}",
                         lines="[]", created_at=now, updated_at=now)
            )  # fmt: skip
    with Activity.batch_write() as batch:
        for n in range(EVENTS):
            batch.save(
                Activity(customer_id, f"{now * 1000 - n:013d}#{n:08x}", kind="sign_in", actor="customer",
                         detail='{"failed_attempts": 1}', expires_at=now + 86400)
            )  # fmt: skip
    return customer_id


def _completed(answer: Answer) -> None:
    expect(200)(answer)
    erasure = answer.json_body.get("erasure") or {}
    if answer.json_body.get("status") != "anonymized" or erasure.get("status") != "completed":
        raise BenchError(f"the erasure did not finish in the request: {answer.json_body}")


def _exported(answer: Answer) -> None:
    expect(200)(answer)
    body = answer.json_body
    if len(body.get("documents", [])) != DOCUMENTS or len(body.get("addresses", [])) != ADDRESSES:
        raise BenchError("the export misses documents or addresses")


def measure(w: World) -> list[Result]:
    w.say(f"set-up: {w.total} customers, each {DOCUMENTS} documents, {ADDRESSES} addresses, {EVENTS} events")
    w.use(w.inline)
    customers = [_customer(w, i) for i in range(w.total)]
    w.use(w.stream)
    settle()
    staff = w.staff_secret
    exported = w.measure(
        "export",
        "GET /admin/customers/{id}/export",
        lambda i: w.prepared("GET", f"/admin/customers/{customers[i]}/export", token=staff),
        _exported,
        note="every registered exporter: profile, portal, documents, activity, sessions, links, invitations",
    )
    erased = w.measure(
        "erase",
        "POST /admin/customers/{id}/anonymize",
        lambda i: w.prepared("POST", f"/admin/customers/{customers[i]}/anonymize", token=staff),
        _completed,
        note=(
            "one transaction (customer, claim deleted, tombstone, erasure record, event), then each "
            "feature's step: links and sessions by their by_customer index, 200 activity details dropped "
            "(8 BatchWriteItem), invitations and job rows, 20 addresses (1 BatchWriteItem); documents stay"
        ),
    )
    return [exported, erased]


def sections(results: list[Result]) -> list[Section]:
    return [
        Section(
            "GDPR: erasure and export",
            [
                f"A customer with {DOCUMENTS} documents, {ADDRESSES} addresses, {EVENTS} activity events, "
                "a session and a pending reset link. Documents are kept (no personal field): the erasure's "
                "cost does not grow with them. Activity events keep their kind, actor and time; their "
                "details go (rewritten 25 to a `BatchWriteItem`).",
                operations_table(results, [*STANDARD, target_column(TARGETS)]),
                Bullets(notes(results)),
                operations_table(results, SPLIT),
            ],
            verdicts=[t.verdict(results) for t in TARGETS],
        )
    ]
