"""Portal: the signed-in customer's own data (``/me/...``): reads, documents paging at scale, writes.

``MAIL_DISPATCH=stream`` and ``B2B_LISTS=True`` on both containers for this part (the
shopping lists are B2B only), put back afterwards; ``bench.harness.moto_queries`` with
``presort=True`` meanwhile, since one customer's partition holds thousands of documents.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bench.harness import moto_queries
from bench.harness.operations import notes
from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import World
from bench.portal import holdings as held
from bench.portal.paging import (
    LATER_PAGE,
    PAGE,
    Page,
    Walk,
    measure_pages,
    pages_table,
    paging_verdict,
    walk_every_listing,
    walks_table,
)
from bench.portal.routes import (
    READ_TARGET,
    lists_at_caps_note,
    measure_reads,
    measure_writes,
    reads_table,
    writes_table,
)


@dataclass
class Portal:
    setup_seconds: float
    by_type: dict[str, int]  # the reading customer's documents
    by_status: dict[str, int]
    reads: list[Result]
    writes: list[Result]
    pages: list[Page]
    walks: list[Walk]
    stock_first_page: Result  # the first page again, on stock moto
    table_items: int  # items in the documents table (every customer's) during the paging


def measure(w: World) -> Portal:
    saved = [(c, c.settings) for c in (w.inline, w.stream)]
    for container, settings in saved:
        container.settings = settings.model_copy(update={"B2B_LISTS": True})
    moto_queries.install(presort=True)
    try:
        holdings = held.set_up(w)
        w.say(f"  set-up took {holdings.seconds:.1f} s")
        reads = measure_reads(w, holdings)
        walked = walk_every_listing(w, holdings)
        pages, stock = measure_pages(w, holdings, walked.later_cursor)
        writes = measure_writes(w, holdings)
    finally:
        moto_queries.uninstall()
        for container, settings in saved:
            container.settings = settings
    documents = holdings.documents
    return Portal(
        setup_seconds=holdings.seconds,
        by_type=dict(sorted(Counter(d.type for d in documents).items())),
        by_status=dict(sorted(Counter(d.status for d in documents).items())),
        reads=reads,
        writes=writes,
        pages=pages,
        walks=walked.walks,
        stock_first_page=stock,
        table_items=walked.table_items,
    )


def sections(p: Portal, beside: Result | None = None) -> list[Section]:
    """``beside``: an operation measured elsewhere (``GET /me``), shown above the reads for comparison."""
    holdings = {
        "addresses": held.ADDRESSES,
        "wishes": held.WISHES,
        "shopping lists": held.LISTS,
        "saved carts": held.CARTS,
        "payment methods": held.METHODS,
        "activity events": held.ACTIVITY,
        "documents": held.DOCUMENTS,
    }
    held_text = ", ".join(f"{n:,} {what}" for what, n in holdings.items())
    types = ", ".join(f"{t} {n:,}" for t, n in p.by_type.items())
    statuses = ", ".join(f"{t} {n:,}" for t, n in p.by_status.items())
    stock = p.stock_first_page
    reads = Section(
        "Reads",
        [
            reads_table(p.reads, beside),
            "Every portal read first checks the session: the session and the customer in one "
            "`TransactGetItems` (`identity.current_customer`), so after sign-out, a reset, a password "
            "change, a status change or anonymization an older access token reads nothing at once "
            "(issue 9 allows 2 calls for this, or 1 with a design that keeps revocation immediate: "
            "the service takes the 2). Then one "
            "`GetItem` or `Query` reads the data: 2 calls, the target. `GET /me` is the session "
            "check alone (it returns the customer it read). The writes below check the session "
            f"the same way.{lists_at_caps_note(p.reads)}",
            Bullets(notes(p.reads)),
        ],
    )
    paging = Section(
        f"Documents paging at scale ({held.DOCUMENTS:,} documents, one customer)",
        [
            f"`GET /me/documents` with `limit={PAGE}` (the service's maximum): the first page, page "
            f"{LATER_PAGE} reached through `next_cursor`, and first pages filtered by type, by status "
            f"and by a date range (the last {held.RANGE_DAYS} days); "
            f"{len(p.pages[0].result.latencies) if p.pages else 0} measured runs each after warm-up. "
            "Each page is the session check (`TransactGetItems`, 2 items) then one `Query`; the "
            "items read are the `Query`'s. "
            f"The documents table held {p.table_items:,} items (every customer's).",
            pages_table(p.pages),
            "A filter on status is a DynamoDB filter expression: the `Query` reads a page of "
            f"{PAGE} and returns the ones that match, so a page can come back short (or empty, with a "
            "cursor) and a client reads every page to see every match. Type and dates are key "
            "conditions (`by_type`, `by_date` indexes): every item read is returned.",
            "Every listing walked once through `next_cursor` to its end (untimed checks: every "
            "matching document once, newest first):",
            walks_table(p.walks),
            f"On stock moto (no `bench.harness.moto_queries`), the first page of {PAGE} takes "
            f"**{stock.p(50):.0f} ms** p50 ({len(stock.latencies)} runs; "
            f"{stock.p(50, net_of_aws=True):.1f} ms outside AWS calls): moto sorts all "
            f"{p.table_items:,} items of the table for every query.",
        ],
    )
    writes = Section("Writes (informational)", [writes_table(p.writes), Bullets(notes(p.writes))])
    return [
        Section(
            "Portal: the signed-in customer's own data",
            [
                "The signed-in customer's own routes (`chalicelib/api/portal.py`), "
                "`MAIL_DISPATCH=stream` and `B2B_LISTS=True` for this part. One customer holds "
                f"{held_text}; the addresses, wishes, lists and payment methods were made through the "
                "API, the activity events and documents written with `batch_write` (two documents "
                "through `POST /admin/customers/{id}/documents` with a staff key; the bench checks the "
                "batch-written ones carry the same attributes). Documents span the two years up to the "
                f"clock's day; by type: {types}; by status: {statuses}. Set-up, untimed: "
                f"{p.setup_seconds:.1f} s. A second customer makes the writes.",
                "'Items read' is what DynamoDB read to answer each call (a `Query`'s `ScannedCount`, 1 "
                "for a `GetItem` that found its item). 'Outside AWS calls' subtracts the time from "
                "botocore building each call's parameters to its parsed answer (botocore and moto): "
                "what the app itself spends. For this whole part `bench.harness.moto_queries` narrows "
                "moto's `Query` to the customer's partition and hands it the items pre-sorted (see "
                "Method and caveats); moto still walks the whole partition for each query, so its "
                "share grows with the partition (the documents rows) where DynamoDB reads only the page.",
            ],
            subsections=[reads, paging, writes],
            verdicts=[READ_TARGET.verdict(p.reads), paging_verdict(p.pages, p.walks)],
            caveats=[moto_queries.CAVEAT, moto_queries.PRESORT_CAVEAT],
        )
    ]
