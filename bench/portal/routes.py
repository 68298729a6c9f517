"""The portal's routes: each read the customer makes, a B2B buyer's lists at the caps, the writes.

Every read first checks the session (the session and the customer in one
``TransactGetItems``, so a signed-out or reset token reads nothing at once: issue 9), then
makes one ``GetItem`` or ``Query``: 2 calls, that is the target. The lists of a buyer at
the caps (``MAX_LISTS`` lists of ``MAX_LINES`` lines) are informational: the listing reads
every list whole, and past DynamoDB's 1 MB a ``Query`` page ends and pynamodb asks for the
next. The writes, made by a second customer, are informational too.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable

from bench.harness.awscalls import Call, sequence
from bench.harness.operations import (
    DYNAMODB_CALLS,
    IN_ORDER,
    ITEMS_READ,
    OPERATION,
    P50,
    P50_OUTSIDE_AWS,
    P95,
    READ_CALLS,
    READS_BY_OPERATION,
    WRITE_CALLS,
    WRITES_BY_OPERATION,
    CallTarget,
    operations_table,
    target_column,
)
from bench.harness.sections import Table
from bench.harness.timing import Result
from bench.harness.world import Answer, BenchError, World, expect, settle
from bench.portal.holdings import (
    ACTIVITY,
    ADDRESSES,
    CARTS,
    DOCUMENTS,
    LISTS,
    METHODS,
    WISHES,
    Holdings,
    address,
    payment_method,
)

READ_OPERATIONS = frozenset({"GetItem", "Query"})
READ_KEYS = (
    "portal_addresses",
    "portal_documents",
    "portal_document",
    "portal_wishlist",
    "portal_lists",
    "portal_list",
    "portal_payment_methods",
    "portal_activity",
    "portal_reorder",
)
LISTS_AT_CAPS = "portal_lists_caps"  # GET /me/lists at the caps: informational, not in the target


def is_session_check(call: Call) -> bool:
    """The session check of every customer route: session and customer, one ``TransactGetItems``."""
    return call.operation == "TransactGetItems" and call.items == 2


def _session_and_one_read(result: Result) -> int:
    """2 if the run made the session check then one ``GetItem`` or ``Query``, else its call count
    plus 10 (so no other pattern passes)."""
    ddb = result.dynamodb()
    ok = len(ddb) == 2 and is_session_check(ddb[0]) and ddb[1].operation in READ_OPERATIONS
    return 2 if ok else len(ddb) + 10


def _two_calls_each(target: CallTarget, found: list[Result]) -> str:
    good = [r for r in found if target.passes(r)]
    kinds = Counter(r.dynamodb()[1].operation for r in good)
    summary = ", ".join(f"{n} {op}" for op, n in sorted(kinds.items()))
    bad = [f"{r.name}: {sequence(r.dynamodb(), 'dynamodb') or 'none'}" for r in found if r not in good]
    return f"{len(good)} of {len(found)} routes: session check + one read ({summary})" + (
        f"; {'; '.join(bad)}" if bad else ""
    )


READ_TARGET = CallTarget(
    "Each portal read: 2 DynamoDB calls (session check, then one GetItem or Query)",
    READ_KEYS,
    "= 2: TransactGetItems[2] + GetItem or Query",
    lambda n: n == 2,
    count=_session_and_one_read,
    describe=_two_calls_each,
    deterministic=True,
)
READ_COLUMNS = (
    OPERATION,
    DYNAMODB_CALLS,
    IN_ORDER,
    ITEMS_READ,
    P50,
    P95,
    P50_OUTSIDE_AWS,
    target_column(
        [READ_TARGET], lambda r: "informational (not in the target)" if r.key == LISTS_AT_CAPS else ""
    ),
)
WRITE_COLUMNS = (
    OPERATION,
    DYNAMODB_CALLS,
    IN_ORDER,
    WRITE_CALLS,
    WRITES_BY_OPERATION,
    READ_CALLS,
    READS_BY_OPERATION,
    ITEMS_READ,
    P50,
    P95,
    P50_OUTSIDE_AWS,
)


def _listed(name: str, count: int) -> Callable[[Answer], None]:
    def check(answer: Answer) -> None:
        expect(200)(answer)
        got = len(answer.json_body[name])
        if got != count:
            raise BenchError(f"expected {count} {name}, got {got}")

    return check


def measure_reads(w: World, s: Holdings) -> list[Result]:
    settle()

    def read(key: str, name: str, path: str, check: Callable[[Answer], None], note: str = "") -> Result:
        return w.measure(key, name, lambda i: w.prepared("GET", path, token=s.token), check, note=note)

    return [
        read("portal_addresses", "GET /me/addresses", "/me/addresses", _listed("addresses", ADDRESSES)),
        read(
            "portal_documents",
            f"GET /me/documents ({DOCUMENTS:,} documents)",
            "/me/documents",
            _listed("documents", 20),
            note=(
                f"the first page at the default limit (20), newest first, of {DOCUMENTS:,} documents; "
                "moto walks the whole partition for it (see Documents paging)"
            ),
        ),
        read(
            "portal_document",
            "GET /me/documents/{id}",
            f"/me/documents/{s.invoice_id}",
            expect(200),
            note="an invoice with its lines",
        ),
        read("portal_wishlist", "GET /me/wishlist", "/me/wishlist", _listed("products", WISHES)),
        read(
            "portal_lists",
            "GET /me/lists (B2B_LISTS on)",
            "/me/lists",
            _listed("lists", LISTS + CARTS),
            note=f"{LISTS} shopping lists and {CARTS} saved carts of 10 lines each",
        ),
        read("portal_list", "GET /me/lists/{id}", f"/me/lists/{s.list_id}", expect(200)),
        read(
            "portal_payment_methods",
            "GET /me/payment-methods",
            "/me/payment-methods",
            _listed("payment_methods", METHODS),
        ),
        read(
            "portal_activity",
            "GET /me/activity",
            "/me/activity",
            _listed("activity", 50),
            note=f"the first page (50) of {ACTIVITY}+ events",
        ),
        w.measure(
            "portal_reorder",
            "POST /me/orders/{id}/reorder",
            lambda i: w.prepared(
                "POST", f"/me/orders/{s.order_id}/reorder", {"line_ids": s.order_lines}, s.token
            ),
            _listed("lines", len(s.order_lines)),
            note=f"all {len(s.order_lines)} lines of one order back as cart lines; reads only",
        ),
        _lists_at_caps(w),
    ]


def _lists_at_caps(w: World) -> Result:
    """``GET /me/lists`` for a B2B buyer at the caps: ``MAX_LISTS`` lists of ``MAX_LINES`` lines.

    Informational, not in the one-call target: the listing reads every list whole (its lines
    too), and past DynamoDB's 1 MB a ``Query`` page ends and pynamodb asks for the next.
    """
    from chalicelib.portal.collections import MAX_LINES, MAX_LISTS

    w.say(f"  a buyer with {MAX_LISTS} lists of {MAX_LINES} lines (the caps), through the API")
    w.use(w.inline)
    buyer = w.verified_account("bench-portal-buyer@example.com")["access_token"]
    w.use(w.stream)
    for n in range(MAX_LISTS):
        lines = [
            {"product_id": f"ACME-PAPER-A4-{n:03d}-{i:04d}", "quantity": i + 1} for i in range(MAX_LINES)
        ]
        expect(201)(w.send("POST", "/me/lists", {"name": f"Standing order {n}", "lines": lines}, buyer))
    settle()
    return w.measure(
        LISTS_AT_CAPS,
        f"GET /me/lists ({MAX_LISTS} lists of {MAX_LINES} lines)",
        lambda i: w.prepared("GET", "/me/lists", token=buyer),
        _listed("lists", MAX_LISTS),
        note=(
            f"informational, not in the target: {MAX_LISTS} lists (the cap) of {MAX_LINES} lines (the cap), "
            "product ids of 22 characters, no notes; every list is read whole, lines included"
        ),
    )


def measure_writes(w: World, s: Holdings) -> list[Result]:
    w.say("portal writes (informational): a second customer")
    added: list[str] = []

    def add_method(i: int) -> Callable[[], Answer]:
        if added:  # untimed: the customer holds the same methods before each run
            expect(204)(w.send("DELETE", f"/me/payment-methods/{added.pop()}", token=s.writer))
        return w.prepared("POST", "/me/payment-methods", payment_method(f"pm_run_{i}"), s.writer)

    def method_added(answer: Answer) -> None:
        expect(201)(answer)
        added.append(answer.json_body["payment_method_id"])

    settle()
    return [
        w.measure(
            "portal_profile",
            "PATCH /me",
            lambda i: w.prepared(
                "PATCH",
                "/me",
                {"name": f"Writer {i}", "preferences": {"shipping_method": "pickup"}},
                s.writer,
            ),
            expect(200),
            note="name and a preference; the customer is read again for the answer",
        ),
        w.measure(
            "portal_address_add",
            "POST /me/addresses",
            lambda i: w.prepared("POST", "/me/addresses", address(i, default_shipping=i % 2 == 0), s.writer),
            expect(201),
            note=(
                "a new address, every other one the default shipping address; the book is read for the answer"
            ),
        ),
        w.measure(
            "portal_wish",
            "PUT /me/wishlist/{id}",
            lambda i: w.prepared("PUT", f"/me/wishlist/SKU-W{i:04d}", {"note": "gift"}, s.writer),
            expect(200),
            note=(
                "a new product each run: the existing wish is looked up, then the wishlist counted "
                "(a Query reading every wish) before the put"
            ),
        ),
        w.measure(
            "portal_payment_add",
            "POST /me/payment-methods",
            add_method,
            method_added,
            note=f"a method next to {METHODS} saved ones (removed again between runs, untimed)",
        ),
    ]


def reads_table(reads: list[Result], beside: Result | None = None) -> Table:
    """The reads, after ``beside`` (an operation measured elsewhere, shown for comparison)."""
    shown = [dataclasses.replace(beside, name=f"{beside.name} (Identity, above)")] if beside else []
    return operations_table([*shown, *reads], READ_COLUMNS)


def lists_at_caps_note(reads: list[Result]) -> str:
    caps = next((r for r in reads if r.key == LISTS_AT_CAPS), None)
    if caps is None:
        return ""
    pages = sum(1 for c in caps.dynamodb() if c.operation == "Query")
    return (
        " The last row is a B2B buyer at the caps: `GET /me/lists` reads every list whole, lines "
        f"included, in {pages} `Query` page{'s' if pages > 1 else ''} of up to 1 MB after the session "
        "check" + (": more than the target's 2 calls." if pages > 1 else ".")
    )


def writes_table(writes: list[Result]) -> Table:
    return operations_table(writes, WRITE_COLUMNS)
