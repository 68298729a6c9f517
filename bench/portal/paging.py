"""The portal's documents paging at scale: ``DOCUMENTS`` documents of one customer.

``GET /me/documents?limit=50`` for a first page, a later page (reached through
``next_cursor``), and pages filtered by type, by status and by a date range, counting
the items DynamoDB read for each (the ``Query``'s ``ScannedCount``; the session check
before it, every customer route's, is counted apart); then every page of
each listing is walked once, to check the pages add up. The first page is measured once
more on stock moto, to show what ``bench.harness.moto_queries`` spares the figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.harness import moto_queries
from bench.harness.awscalls import Call, sequence
from bench.harness.operations import P50, P50_OUTSIDE_AWS, P95
from bench.harness.sections import Table, Verdict
from bench.harness.timing import Result, dynamodb, timed
from bench.harness.world import ACCOUNT_ID, REGION, Answer, BenchError, World, expect, settle
from bench.portal.holdings import DOCUMENTS, RANGE_DAYS, Holdings
from bench.portal.routes import is_session_check

PAGE = 50  # the service's MAX_PAGE
LATER_PAGE = 25  # the page asked for through next_cursor (items 1,201-1,250)
STOCK_RUNS = 5  # runs of the first page on stock moto (each sorts the whole documents table)


@dataclass
class Page:
    """One documents page, measured ``runs`` times."""

    label: str
    query: str  # the query string asked
    result: Result
    returned: int  # documents in the answer
    next_cursor: bool

    def data_calls(self) -> list[Call]:
        """The page's own DynamoDB calls: all but the session check."""
        return _data(self.result.dynamodb())

    def read(self) -> int:
        return sum(c.read for c in self.data_calls())

    def scans(self) -> int:
        return sum(1 for c in self.result.dynamodb() if c.operation == "Scan")


def _data(calls: list[Call]) -> list[Call]:
    return [c for c in calls if not is_session_check(c)]


@dataclass
class Walk:
    """Every page of one listing, followed through ``next_cursor`` once."""

    label: str
    query: str
    expected: int  # documents matching, counted from the set-up's own list
    pages: int = 0
    returned: int = 0
    distinct: int = 0
    ordered: bool = True  # newest first across all pages
    calls: list[Call] = field(default_factory=list)
    seconds: float = 0.0
    fullest_read: int = 0  # the most items one page read
    empty_pages: int = 0  # pages answered with no document but a cursor

    def dynamodb(self) -> list[Call]:
        return [c for c in self.calls if c.service == "dynamodb"]

    def read(self) -> int:
        """Items the pages' own calls read (the session checks apart)."""
        return sum(c.read for c in _data(self.dynamodb()))

    def scans(self) -> int:
        return sum(1 for c in self.dynamodb() if c.operation == "Scan")

    def ok(self) -> bool:
        return self.returned == self.distinct == self.expected and self.ordered


@dataclass
class Walked:
    walks: list[Walk]
    later_cursor: str
    table_items: int


def _path(query: str, cursor: str | None = None) -> str:
    parts = [] if "limit=" in query else [f"limit={PAGE}"]
    parts += [query] if query else []
    parts += [f"cursor={cursor}"] if cursor else []
    return "/me/documents?" + "&".join(parts)


def _moto_items(table_name: str) -> int:
    """Items in one of moto's tables, from moto itself (no DynamoDB call)."""
    from moto.dynamodb.models import dynamodb_backends

    return len(dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name))


def walk_every_listing(w: World, s: Holdings) -> Walked:
    """Every listing followed through ``next_cursor`` to its end, checked against the set-up."""
    from chalicelib.checkout.models import Document

    listings: list[tuple[str, str, Callable[[Any], bool]]] = [
        ("all documents", "", lambda d: True),
        ("type=invoice", "type=invoice", lambda d: d.type == "invoice"),
        ("status=open", "status=open", lambda d: d.status == "open"),
        (f"last {RANGE_DAYS} days", f"from={s.low}&to={s.high}", lambda d: s.low <= d.date <= s.high),
    ]
    table_items = _moto_items(Document.Meta.table_name)
    w.say(f"documents paging: {DOCUMENTS:,} documents, pages of {PAGE}; every listing walked once")
    walks, later_cursor = [], ""
    for label, query, matches in listings:
        walk = Walk(label, query, sum(1 for d in s.documents if matches(d)))
        seen: list[tuple[str, str]] = []  # (date#id, id) as the listing orders them
        cursor: str | None = None
        while walk.pages <= DOCUMENTS:
            with timed() as page:
                answer = w.send("GET", _path(query, cursor), token=s.token)
            expect(200)(answer)
            walk.seconds += page.seconds
            walk.calls += page.calls
            walk.pages += 1
            walk.fullest_read = max(walk.fullest_read, sum(c.read for c in _data(list(dynamodb(page.calls)))))
            got = answer.json_body["documents"]
            cursor = answer.json_body["next_cursor"]
            if not got and cursor:
                walk.empty_pages += 1
            seen += [(f"{d['date']}#{d['document_id']}", d["document_id"]) for d in got]
            if not query and walk.pages == LATER_PAGE - 1:
                later_cursor = cursor or ""
            if not cursor:
                break
        walk.returned, walk.distinct = len(seen), len({i for _, i in seen})
        keys = [k for k, _ in seen]
        walk.ordered = keys == sorted(keys, reverse=True)
        if not walk.ok():
            raise BenchError(
                f"documents walk '{label}': {walk.returned} returned, {walk.distinct} distinct, "
                f"{walk.expected} expected, newest first: {walk.ordered}, {walk.pages} pages"
            )
        w.say(
            f"  {label:<28} {walk.pages:>4} pages, {walk.returned:,} documents, {walk.read():,} items "
            f"read, {walk.seconds:.1f} s"
        )
        walks.append(walk)
    if not later_cursor:
        raise BenchError(f"no cursor for page {LATER_PAGE}")
    return Walked(walks, later_cursor, table_items)


def measure_pages(w: World, s: Holdings, later_cursor: str) -> tuple[list[Page], Result]:
    """The pages of the paging table, each measured like any operation."""
    settle()
    asked = [
        ("first page", f"limit={PAGE}", None),
        (f"page {LATER_PAGE} (via next_cursor)", f"limit={PAGE}", later_cursor),
        ("type=invoice, first page", f"limit={PAGE}&type=invoice", None),
        ("status=open, first page", f"limit={PAGE}&status=open", None),
        (f"last {RANGE_DAYS} days, first page", f"limit={PAGE}&from={s.low}&to={s.high}", None),
    ]
    pages: list[Page] = []
    for label, query, cursor in asked:
        path = _path(query, cursor)
        shown: dict[str, Any] = {}

        def check(answer: Answer, shown: dict[str, Any] = shown) -> None:
            expect(200)(answer)
            shown["returned"] = len(answer.json_body["documents"])
            shown["cursor"] = bool(answer.json_body["next_cursor"])

        def call(i: int, path: str = path) -> Callable[[], Answer]:
            return w.prepared("GET", path, token=s.token)

        shown_query = query + ("&cursor=…" if cursor else "")
        result = w.measure(
            f"portal_page_{len(pages)}",
            f"GET /me/documents?{shown_query}",
            call,
            check,
            runs=max(10, w.runs // 2),  # each ~0.1 s on moto: half the runs keep the bench short
        )
        pages.append(Page(label, shown_query, result, shown["returned"], shown["cursor"]))

    moto_queries.uninstall()  # the first page once more on stock moto, for the note on moto's cost
    try:
        stock = w.measure(
            "portal_page_stock",
            f"GET /me/documents?limit={PAGE} (stock moto)",
            lambda i: w.prepared("GET", _path(f"limit={PAGE}"), token=s.token),
            expect(200),
            runs=STOCK_RUNS,
            warmup=1,
        )
    finally:
        moto_queries.install(presort=True)
    return pages, stock


def paging_verdict(pages: list[Page], walks: list[Walk]) -> Verdict:
    """Every documents page (measured or walked) read at most a page of items, in one Query
    after the session check."""
    measured_reads = [p.read() for p in pages]
    walked = max((w.fullest_read for w in walks), default=0)
    calls_per_page = {len(p.data_calls()) for p in pages}
    walk_calls = sum(len(_data(w.dynamodb())) for w in walks)
    walk_pages = sum(w.pages for w in walks)
    scans = sum(p.scans() for p in pages) + sum(w.scans() for w in walks)
    most = max([*measured_reads, walked])
    return Verdict(
        f"A documents page of {PAGE} reads ≤ {PAGE} items ({DOCUMENTS:,} documents), 0 Scan",
        f"at most {most} items read ({len(pages)} pages measured: "
        f"{', '.join(map(str, measured_reads))}; {walk_pages} pages walked in {walk_calls} Query calls, "
        "each after its session check), "
        f"{scans} Scan",
        f"≤ {PAGE} items read, 1 Query (+ the session check), 0 Scan",
        most <= PAGE
        and calls_per_page == {1}
        and walk_calls == walk_pages
        and scans == 0
        and all(p.data_calls()[0].operation == "Query" for p in pages)
        and all(is_session_check(p.result.dynamodb()[0]) for p in pages)
        and all(w.ok() for w in walks),
    )


def pages_table(pages: list[Page]) -> Table:
    rows = [
        [
            page.label,
            f"`?{page.query}`",
            str(page.returned),
            str(page.read()),
            str(len(page.result.dynamodb())),
            sequence(page.result.dynamodb(), "dynamodb") or "—",
            str(page.scans()),
            "yes" if page.next_cursor else "no",
            *(column.cell(page.result) for column in (P50, P95, P50_OUTSIDE_AWS)),
        ]
        for page in pages
    ]
    header = ["Page", "Query", "Documents returned", "Items the Query read", "DynamoDB calls"]
    header += ["Operation", "Scan", "next_cursor", "p50 ms", "p95 ms", "p50 ms outside AWS calls"]
    return Table(header, rows, "llrrrlrlrrr")


def walks_table(walks: list[Walk]) -> Table:
    rows = [
        [
            w.label,
            f"{w.expected:,}",
            str(w.pages),
            f"{w.returned:,} ({w.distinct:,} distinct)",
            "yes" if w.ordered else "no ✗",
            f"{w.read():,}",
            f"{w.read() / w.returned:.2f}" if w.returned else "—",
            str(w.fullest_read),
            str(w.empty_pages),
            str(len(w.dynamodb())),
            str(w.scans()),
            f"{w.seconds:.1f}",
        ]
        for w in walks
    ]
    header = [f"Listing (pages of {PAGE})", "Matching documents", "Pages", "Returned", "Newest first"]
    header += ["Items the Queries read", "Read / returned", "Most read by one page"]
    header += ["Empty pages with a cursor", "DynamoDB calls", "Scan", "Wall s"]
    return Table(header, rows, "lrrrlrrrrrrr")
