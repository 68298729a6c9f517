"""ERP instant accounts: the contact list's bulk upsert and full sync, and a sign-up that
matches a contact (on an invitation-only website, as the ERP's B2B shop runs it).

``MAIL_DISPATCH=stream`` (the sign-up's task runs after the answer, as deployed). Each
upsert run sends 1,000 new rows; the full sync is measured once, over a list of
``SYNC_CONTACTS`` contacts: open, the snapshot in 1,000-row calls (``SYNC_LEFT_OUT`` of the
old contacts left out, as many new ones in, ``SYNC_LINKED`` of those left out linked to an
account), then finish.
"""

from __future__ import annotations

from typing import Any

from bench.harness.awscalls import Call
from bench.harness.operations import (
    DYNAMODB_CALLS,
    OPERATION,
    P50,
    READS_BY_OPERATION,
    STANDARD,
    WRITES_BY_OPERATION,
    CallTarget,
    notes,
    operations_table,
    target_column,
)
from bench.harness.sections import Bullets, Section, Verdict
from bench.harness.timing import Result
from bench.harness.world import Answer, BenchError, World, expect, settle

ROWS = 1000
SYNC_CONTACTS = 10_000
SYNC_LEFT_OUT = 100
SYNC_LINKED = 3
ERP_SETTINGS = {"ERP_INSTANT_ACCOUNTS": True, "SIGNUP_MODE": "invitation"}


def _row(email: str, account: str) -> dict[str, Any]:
    return {"erp_account": account, "email": email, "name": "Bench Buyer", "role": "buyer", "company": "Acme"}


def _rows(prefix: str, count: int, start: int = 0) -> list[dict[str, Any]]:
    return [_row(f"{prefix}-{n}@acme.example", f"C{n % 97}") for n in range(start, start + count)]


def changed(call: Call) -> int:
    """Items one write call wrote."""
    if call.operation == "BatchWriteItem":
        return call.batch_puts + call.batch_deletes
    if call.operation == "TransactWriteItems":
        return call.items
    return 1 if call.writes else 0


def read_per_changed(result: Result) -> float:
    read = sum(c.read for c in result.reads())
    written = sum(changed(c) for c in result.writes())
    return read / written if written else float("inf")


def measure(w: World) -> dict[str, Any]:
    say, staff = w.say, w.staff_secret
    erp = w.new_container("stream", **ERP_SETTINGS)
    inline = w.new_container("inline", **ERP_SETTINGS)

    def upsert(rows: list[dict[str, Any]], sync_id: str | None = None) -> Answer:
        body: dict[str, Any] = {"contacts": rows, **({"sync_id": sync_id} if sync_id else {})}
        return w.send("POST", "/admin/erp/contacts", body, staff)

    say(f"set-up: {SYNC_CONTACTS} contacts, {SYNC_LINKED} of them with a linked account")
    w.use(inline)
    for start in range(0, SYNC_CONTACTS, ROWS):
        expect(200)(upsert(_rows("bench-sync", ROWS, start)))
    for n in range(SYNC_LINKED):  # accounts linked to contacts the snapshot will leave out
        w.verified_account(f"bench-sync-{n}@acme.example")
    w.use(erp)
    settle()

    def full_sync() -> Answer:
        opened = w.send("POST", "/admin/erp/syncs", None, staff)
        expect(201)(opened)
        sync_id = opened.json_body["sync_id"]
        kept = _rows("bench-sync", SYNC_CONTACTS - SYNC_LEFT_OUT, SYNC_LEFT_OUT)
        snapshot = kept + _rows("bench-new", SYNC_LEFT_OUT)
        for start in range(0, len(snapshot), ROWS):
            expect(200)(upsert(snapshot[start : start + ROWS], sync_id))
        return w.send("POST", f"/admin/erp/syncs/{sync_id}/finish", None, staff)

    def finished(answer: Answer) -> None:
        expect(200)(answer)
        body = answer.json_body
        if (body["removed"], body["suspended"]) != (SYNC_LEFT_OUT, SYNC_LINKED):
            raise BenchError(f"expected {SYNC_LEFT_OUT} removed, {SYNC_LINKED} suspended: {body}")

    sync = w.measure(
        "erp_full_sync",
        f"full sync of {SYNC_CONTACTS:,} contacts ({SYNC_LEFT_OUT} left out)",
        lambda i: full_sync,
        finished,
        runs=1,
        warmup=0,
        note=f"open, {SYNC_CONTACTS // ROWS} upsert calls of {ROWS:,} rows with the sync id, finish: "
        f"the {SYNC_LEFT_OUT} contacts left out found through the sparse generation index and marked "
        f"removed, {SYNC_LINKED} linked accounts suspended (login, customer read; one transaction each)",
    )
    match = [f"bench-match-{i}@acme.example" for i in range(w.total)]
    expect(200)(upsert([_row(email, "C1") for email in match]))
    results = [
        w.measure(
            "erp_upsert",
            f"POST /admin/erp/contacts ({ROWS} new rows)",
            lambda i: w.prepared(
                "POST", "/admin/erp/contacts", {"contacts": _rows(f"bench-up{i}", ROWS)}, staff
            ),
            expect(200),
            note="the staff key's lookup, the sync state read, then 25 contacts per BatchWriteItem",
        ),
        w.measure(
            "erp_signup_match",
            "POST /signup (invitation-only, email of a contact)",
            lambda i: w.prepared(
                "POST",
                "/signup",
                {"email": match[i], "password": "correct horse battery staple", "name": "A"},
            ),
            expect(202),
            note="the answer and the request's work are those of a non-matching address; the "
            "contact is looked up by the sign-up task, after the answer",
        ),
        w.measure(
            "erp_signup_nomatch",
            "POST /signup (invitation-only, unknown email)",
            lambda i: w.prepared(
                "POST",
                "/signup",
                {
                    "email": f"bench-nobody-{i}@acme.example",
                    "password": "correct horse battery staple",
                    "name": "A",
                },
            ),
            expect(202),
        ),
    ]

    return {"results": [*results, sync]}


SAME_WORK = CallTarget(
    "ERP sign-up matching a contact: the same DynamoDB calls as a non-matching one",
    ("erp_signup_match", "erp_signup_nomatch"),
    "= 2 (budget + task), both",
    lambda n: n == 2,
)
UPSERT = CallTarget(
    f"ERP contact upsert of {ROWS:,} rows: DynamoDB calls",
    ("erp_upsert",),
    f"≤ {ROWS // 25 + 2}",
    lambda n: n <= ROWS // 25 + 2,
)


def sections(measured: dict[str, Any]) -> list[Section]:
    results: list[Result] = measured["results"]
    by_key = {r.key: r for r in results}
    sync = by_key["erp_full_sync"]
    ratio = read_per_changed(sync)
    read = sum(c.read for c in sync.reads())
    written = sum(changed(c) for c in sync.writes())
    same = by_key["erp_signup_match"].calls == by_key["erp_signup_nomatch"].calls
    verdicts = [
        UPSERT.verdict(results),
        Verdict(
            f"ERP full sync of {SYNC_CONTACTS:,} contacts: items read per item changed",
            f"{ratio:.3f} ({read} read / {written} written)",
            "≤ 1.2",
            ratio <= 1.2,
        ),
        Verdict(
            SAME_WORK.name,
            "same" if same else "different",
            "same calls",
            same,
        ),
    ]
    return [
        Section(
            "ERP instant accounts: contacts, full sync, matching sign-up",
            [
                operations_table(
                    [r for r in results if r is not sync],
                    [*STANDARD[:4], *STANDARD[5:], target_column([SAME_WORK, UPSERT])],
                ),
                operations_table(
                    [sync], [OPERATION, DYNAMODB_CALLS, WRITES_BY_OPERATION, READS_BY_OPERATION, P50]
                ),
                Bullets(notes(results)),
                f"Full sync: {read} items read for {written} items written "
                f"(the finish reads only the {SYNC_LEFT_OUT} contacts left out, their login and "
                "linked customer).",
            ],
            verdicts=verdicts,
        )
    ]
