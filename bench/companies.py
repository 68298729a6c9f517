"""Companies: signing in and acting for a company, a request with the company's claims in
its token, refreshing it, the company's documents, and the staff's pending requests (the
list and the count, the back office's bell).

Set-up (untimed, inline mail): an admin whose company staff approved, ``PENDING`` other
customers asking to join it by its join code (the count has something to count), and
documents fed for the company.
"""

from __future__ import annotations

from bench.checkout import answers
from bench.harness.operations import (
    STANDARD,
    CallTarget,
    dynamodb_calls,
    notes,
    operations_table,
    target_column,
)
from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import PASSWORD, World, expect, settle

PENDING = 30  # join requests waiting while the count is measured
DOCUMENTS = 12


def measure(w: World) -> list[Result]:
    staff = w.staff_secret
    w.say(f"set-up: a company approved by staff, {PENDING} join requests waiting, {DOCUMENTS} documents")
    w.use(w.inline)
    admin = w.verified_account("bench-co-admin@bench-co.example")
    token = admin["access_token"]
    made = w.send("POST", "/me/companies", {"name": "Bench Co"}, token)
    expect(201)(made)
    company_id = made.json_body["company_id"]
    decided = w.send(
        "POST",
        f"/admin/companies/{company_id}/requests/{admin['customer_id']}",
        {"decision": "approve"},
        staff,
    )
    expect(200)(decided)
    code = w.send("POST", f"/me/companies/{company_id}/join-code", None, token).json_body["join_code"]
    for i in range(PENDING):
        joiner = w.verified_account(f"bench-co-joiner-{i}@example.com")["access_token"]
        expect(202)(w.send("POST", "/me/join-requests", {"join_code": code}, joiner))
    for n in range(DOCUMENTS):
        doc = {
            "document_id": f"CO-{n}",
            "type": ("order", "invoice")[n % 2],
            "status": "open",
            "date": f"2026-11-{n + 1:02d}",
            "company_id": company_id,
        }
        expect(200)(w.send("POST", f"/admin/customers/{admin['customer_id']}/documents", doc, staff))
    w.use(w.stream)
    plain = w.sign_in("bench-co-admin@bench-co.example")
    acting = w.send("PUT", "/me/acting-for", {"company_id": company_id}, plain["access_token"])
    expect(200)(acting)
    company_token = acting.json_body["access_token"]
    refresh_tokens = []
    for _ in range(w.total):
        pair = w.sign_in("bench-co-admin@bench-co.example")
        expect(200)(w.send("PUT", "/me/acting-for", {"company_id": company_id}, pair["access_token"]))
        refresh_tokens.append(pair["refresh_token"])
    settle()
    sign_in = {"email": "bench-co-admin@bench-co.example", "password": PASSWORD}
    return [
        w.measure(
            "co_sign_in",
            "POST /sessions (a company's admin)",
            lambda i: w.prepared("POST", "/sessions", sign_in),
            expect(200),
            note="the same sign-in as anyone's: the company is chosen next",
        ),
        w.measure(
            "co_act_for",
            "PUT /me/acting-for (company)",
            lambda i: w.prepared("PUT", "/me/acting-for", {"company_id": company_id}, plain["access_token"]),
            expect(200),
            note="session check, membership with company (one TransactGetItems), session update",
        ),
        w.measure(
            "co_me_plain",
            "GET /me (token without company)",
            lambda i: w.prepared("GET", "/me", token=plain["access_token"]),
            expect(200),
        ),
        w.measure(
            "co_me_acting",
            "GET /me (token acting for a company)",
            lambda i: w.prepared("GET", "/me", token=company_token),
            expect(200),
            note="the company claims ride in the token: no call added",
        ),
        w.measure(
            "co_refresh",
            "POST /sessions/refresh (acting for a company)",
            lambda i: w.prepared("POST", "/sessions/refresh", {"refresh_token": refresh_tokens[i]}),
            expect(200),
            note="the membership is read again (one TransactGetItems): a removed member gets no company",
        ),
        w.measure(
            "co_shop_access",
            "GET /shop/access (acting for a company)",
            lambda i: w.prepared("GET", "/shop/access", token=company_token),
            answers(200, can_order=True),
            note="the company is read as it is now, not taken from the token",
        ),
        w.measure(
            "co_documents",
            "GET /me/companies/{id}/documents",
            lambda i: w.prepared("GET", f"/me/companies/{company_id}/documents", token=company_token),
            expect(200),
            note="session check, membership with company, one Query of a page",
        ),
        w.measure(
            "co_pending_count",
            "GET /admin/company-requests/count",
            lambda i: w.prepared("GET", "/admin/company-requests/count", None, staff),
            answers(200, pending=PENDING),
            note=f"{PENDING} waiting: one Query (Select=COUNT) after the staff-key authorizer's GetItem",
        ),
        w.measure(
            "co_pending_list",
            "GET /admin/company-requests",
            lambda i: w.prepared("GET", "/admin/company-requests", None, staff),
            expect(200),
            note="one Query of a page on the sparse pending index",
        ),
    ]


def besides_staff_key(result: Result) -> int:
    return sum(1 for c in result.dynamodb() if not c.table.endswith("-staff-keys"))


TARGETS = (
    CallTarget(
        "Pending company requests: the count is 1 DynamoDB call (besides the staff key)",
        ("co_pending_count",),
        "= 1",
        lambda n: n == 1,
        count=besides_staff_key,
    ),
    CallTarget(
        "A token acting for a company adds no call to a request (GET /me)",
        ("co_me_acting",),
        "= 1",
        lambda n: n == 1,
        count=dynamodb_calls,
    ),
)


def sections(results: list[Result]) -> list[Section]:
    by_key = {r.key: r for r in results}
    sign_in = dynamodb_calls(by_key["co_sign_in"]) + dynamodb_calls(by_key["co_act_for"])
    return [
        Section(
            "Companies: acting for a company, its documents, pending requests",
            [
                operations_table(results, [*STANDARD, target_column(TARGETS)]),
                Bullets(notes(results)),
                f"Signing in for a company is a sign-in then `PUT /me/acting-for`: {sign_in} DynamoDB calls "
                "in all; every later request carries the company in its token and makes the calls it "
                "made without one (`GET /me`: as many calls with the claims as without).",
            ],
            verdicts=[t.verdict(results) for t in TARGETS],
        )
    ]
