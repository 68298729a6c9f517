"""Back office: find customers among 100,000 (prefix search and listing), create one.

Set-up (untimed): 100,000 customers written straight to the tables with ``BatchWriteItem``
(each customer item and its email search key; no request per customer), plus a few made
through ``POST /admin/customers`` so they carry every key. Measured: a search page of 50
(``q`` matching ~10,000 keys), a status listing page of 50 and a creation. moto's queries
get ``bench.harness.moto_queries`` (``presort``): stock moto sorts the whole table per query.
"""

from __future__ import annotations

import time
from typing import Any

from bench.harness import moto_queries
from bench.harness.operations import (
    ITEMS_READ,
    READ_CALLS,
    STANDARD,
    CallTarget,
    Column,
    notes,
    operations_table,
    target_column,
)
from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import Answer, BenchError, World, expect

CUSTOMERS = 100_000
PAGE = 50


def seed(w: World, count: int) -> float:
    """``count`` customers and their email keys, by ``BatchWriteItem`` (25 a call)."""
    from chalicelib.identity import Customer, SearchEntry

    namespace = w.container.settings.account_namespace
    now = int(w.clock.now()) - count
    started = time.perf_counter()
    with Customer.batch_write() as customers, SearchEntry.batch_write() as keys:
        for i in range(count):
            customer_id = f"cus_bench{i:07d}"
            email = f"bench-{i:06d}@example.com"
            customers.save(
                Customer(
                    customer_id,
                    namespace=namespace,
                    website_id=w.container.settings.WEBSITE_ID,
                    email=email,
                    name=f"Bench Customer {i}",
                    locale="en",
                    status="active" if i % 10 else "blocked",
                    session_epoch=0,
                    created_at=now + i,
                    updated_at=now + i,
                    reference=f"B-{i + 1}",
                    version=1,
                )
            )
            keys.save(
                SearchEntry(
                    namespace,
                    f"{email} {customer_id}",
                    customer_id=customer_id,
                    kind="email",
                    created_at=now + i,
                )
            )
    return time.perf_counter() - started


def page_of(size: int) -> Any:
    def check(answer: Answer) -> None:
        expect(200)(answer)
        found = len(answer.json_body["items"])
        if found != size:
            raise BenchError(f"expected a page of {size}, got {found}")

    return check


def measure(w: World) -> list[Result]:
    w.use(w.inline)
    w.say(f"set-up: {CUSTOMERS:,} customers and their email keys by BatchWriteItem")
    seconds = seed(w, CUSTOMERS)
    w.say(f"  seeded in {seconds:.0f} s")
    moto_queries.install(presort=True)
    try:
        results = [
            w.measure(
                "search",
                f"GET /admin/customers?q=bench-0 (page of {PAGE}, {CUSTOMERS:,} customers)",
                lambda i: w.prepared("GET", "/admin/customers?q=bench-0", token=w.staff_secret),
                page_of(PAGE),
                note=(
                    "~10,000 keys start with `bench-0`: one `Query` of at most 50 search keys, then one "
                    "`BatchGetItem` of those customers (live status and names)"
                ),
            ),
            w.measure(
                "list_status",
                f"GET /admin/customers?status=active (page of {PAGE})",
                lambda i: w.prepared("GET", "/admin/customers?status=active", token=w.staff_secret),
                page_of(PAGE),
                note="one `Query` on the customers' `by_status` index, newest first",
            ),
            w.measure(
                "create",
                "POST /admin/customers (no invitation)",
                lambda i: w.prepared(
                    "POST",
                    "/admin/customers",
                    {"email": f"bench-new-{i}-{time.time_ns()}@example.com", "name": "Ada Lovelace"},
                    w.staff_secret,
                ),
                expect(201),
                note=(
                    "the reference counter's `UpdateItem`, then one transaction: customer, email claim, "
                    "search keys (email, 2 name words, reference), activity"
                ),
            ),
        ]
    finally:
        moto_queries.uninstall()
    return results


def _query_items(result: Result) -> int:
    """Items the page's ``Query`` read (the most across runs)."""
    reads = result.items_read()
    queries = [i for i, c in enumerate(result.dynamodb()) if c.operation == "Query"]
    return max((reads[i][1] for i in queries), default=0)


TARGETS = (
    CallTarget(
        f"Search and list: 1 Query a page, ≤ {PAGE} items read by it, {CUSTOMERS:,} customers",
        ("search", "list_status"),
        f"1 Query, ≤ {PAGE} items",
        lambda n: n <= PAGE,
        count=lambda r: _query_items(r) if [c.operation for c in r.dynamodb()].count("Query") == 1 else 10**9,
    ),
)
QUERY_READ = Column("Items read by the Query", lambda r: str(_query_items(r)), "r")


def sections(results: list[Result]) -> list[Section]:
    return [
        Section(
            "Back office: find customers, create one",
            [
                operations_table(results, [*STANDARD, target_column(TARGETS)]),
                Bullets(notes(results)),
                operations_table(results, [STANDARD[0], READ_CALLS, ITEMS_READ, QUERY_READ]),
                "Each request first reads the staff key (`GetItem`, the authorizer). Search keys are "
                "written in the customer's own transaction, so nothing is rebuilt or lags.",
            ],
            verdicts=[t.verdict(results) for t in TARGETS],
            caveats=[
                moto_queries.PRESORT_CAVEAT,
                "Back office: the search and listing latencies measure moto, which walks the 100,000 "
                "items of the partition or index in Python for every query; DynamoDB reads the page "
                "only. Their call and item counts are the figures that carry over.",
            ],
        )
    ]
