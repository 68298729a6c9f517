"""The customer portal (``/me/...``): reads, documents paging at scale, writes.

Measured in the same ``World`` as the account operations (``bench.scenarios``), with
``MAIL_DISPATCH=stream`` and ``B2B_LISTS=True`` on both containers for this part (the
shopping lists are B2B only), put back afterwards.

One customer, signed in, holds what a busy portal account would: addresses, a wishlist,
shopping lists and saved carts, payment methods (all through the API), a full page of
activity, and ``DOCUMENTS`` documents of mixed types, statuses and dates. Two documents
are recorded through ``POST /admin/customers/{id}/documents`` with a staff key, the rest
with pynamodb's ``batch_write`` filled the way ``chalicelib.documents`` fills them; the
bench checks both kinds carry the same attributes.

The documents paging part asks ``GET /me/documents?limit=50`` for a first page, a later
page (reached through ``next_cursor``), and pages filtered by type, by status and by a
date range, counting the items DynamoDB read for each (the ``Query``'s ``ScannedCount``),
then walks every page of each listing once to check the pages add up. A second customer
makes the writes, so the reads' data stays the same from run to run.
"""

from __future__ import annotations

import datetime
import gc
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.harness.awscalls import RECORDER, Call
from bench.scenarios import Answer, BenchError, Result, World, expect

DOCUMENTS = 5000
PAGE = 50  # the service's MAX_PAGE
LATER_PAGE = 25  # the page asked for through next_cursor (items 1,201-1,250)
RANGE_DAYS = 90  # the date-range filter: the last 90 days
STOCK_RUNS = 5  # runs of the first page on stock moto (each sorts the whole documents table)
ADDRESSES, WISHES, LISTS, CARTS, METHODS, ACTIVITY = 5, 25, 8, 2, 3, 80
READ_OPERATIONS = frozenset({"GetItem", "Query"})

# (type, id prefix, share, statuses)
KINDS = (
    ("order", "SO", 0.35, ("open", "completed", "cancelled")),
    ("invoice", "IN", 0.30, ("open", "paid", "overdue")),
    ("payment", "PA", 0.20, ("completed", "refunded")),
    ("quotation", "QU", 0.10, ("open", "accepted", "expired")),
    ("subscription", "SU", 0.05, ("active", "cancelled")),
)
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
WRITE_KEYS = ("portal_profile", "portal_address_add", "portal_wish", "portal_payment_add")


@dataclass
class Page:
    """One documents page, measured ``runs`` times."""

    label: str
    query: str  # the query string asked
    result: Result
    returned: int  # documents in the answer
    next_cursor: bool

    def read(self) -> int:
        return sum(c.read for c in self.result.dynamodb())

    def scans(self) -> int:
        return sum(1 for c in self.result.dynamodb() if c.operation == "Scan")


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
        return sum(c.read for c in self.dynamodb())

    def scans(self) -> int:
        return sum(1 for c in self.dynamodb() if c.operation == "Scan")

    def ok(self) -> bool:
        return self.returned == self.distinct == self.expected and self.ordered


@dataclass
class Portal:
    documents: int
    page: int
    later_page: int
    range_days: int
    holdings: dict[str, int]  # what the reading customer holds, by kind
    by_type: dict[str, int]
    by_status: dict[str, int]
    pages: list[Page]
    walks: list[Walk]
    setup_seconds: float
    stock_first_page: Result  # the first page again, on stock moto
    table_items: int  # items in the documents table (every customer's) during the paging


def _documents(customer_id: str, today: datetime.date, now: int) -> list[Any]:
    """``DOCUMENTS`` documents over the two years up to ``today``, as ``chalicelib.documents``
    writes them (``date_key``, ``type_date_key``, JSON lines and totals)."""
    from chalicelib.checkout.models import Document

    rng = random.Random(5000)
    kinds = [k for k in KINDS for _ in range(round(k[2] * 100))]
    out = []
    for n in range(DOCUMENTS):
        kind, prefix, _, statuses = rng.choice(kinds)
        document_id = f"{prefix}-{n:05d}"
        date = (today - datetime.timedelta(days=rng.randrange(730))).isoformat()
        lines = []
        if kind in ("order", "invoice", "quotation"):
            lines = [
                {"line_id": str(i), "sku": f"SKU-{rng.randrange(1000)}", "name": f"Item {i}", "quantity": i}
                for i in range(1, rng.randrange(2, 6))
            ]
        gross = round(rng.uniform(5, 500), 2)
        out.append(
            Document(
                customer_id,
                document_id,
                type=kind,
                status=rng.choice(statuses),
                date=date,
                date_key=f"{date}#{document_id}",
                type_date_key=f"{kind}#{date}#{document_id}",
                number=document_id,
                currency="EUR",
                totals=json.dumps(
                    {"net": round(gross / 1.2, 2), "tax": round(gross - gross / 1.2, 2), "gross": gross}
                ),
                lines=json.dumps(lines),
                created_at=now,
                updated_at=now,
            )
        )
    return out


def _activity(customer_id: str, now: float, count: int) -> list[Any]:
    from chalicelib.identity.models import Activity

    kinds = ("sign_in", "address_added", "profile_changed", "password_changed", "sign_in_failed")
    return [
        Activity(
            customer_id,
            f"{int((now - 3600 * (count - n)) * 1000):013d}#{n:08x}",
            kind=kinds[n % len(kinds)],
            actor="customer",
            detail=None,
            expires_at=int(now) + 730 * 86400,
        )
        for n in range(count)
    ]


def _address(n: int, **flags: bool) -> dict[str, Any]:
    return {
        "label": f"Address {n}",
        "line1": f"{n} rue de la Paix",
        "city": "Paris",
        "postal_code": "75002",
        "country": "FR",
        **flags,
    }


def _method(ref: str) -> dict[str, Any]:
    return {"provider": "stripe", "token_ref": ref, "brand": "visa", "last4": "4242"}


def _listed(name: str, count: int) -> Callable[[Answer], None]:
    def check(answer: Answer) -> None:
        expect(200)(answer)
        got = len(answer.json_body[name])
        if got != count:
            raise BenchError(f"expected {count} {name}, got {got}")

    return check


def _path(query: str, cursor: str | None = None) -> str:
    parts = [] if "limit=" in query else [f"limit={PAGE}"]
    parts += [query] if query else []
    parts += [f"cursor={cursor}"] if cursor else []
    return "/me/documents?" + "&".join(parts)


def _moto_items(table_name: str) -> int:
    """Items in one of moto's tables, from moto itself (no DynamoDB call)."""
    from moto.dynamodb.models import dynamodb_backends

    from bench.scenarios import ACCOUNT_ID, REGION

    return len(dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name))


def measure(w: World, staff_secret: str) -> Portal:
    """Set up, then measure the portal's reads, documents paging and writes."""
    from bench.harness import moto_queries as motoquery

    saved = [(c, c.settings) for c in (w.inline, w.stream)]
    for container, settings in saved:
        container.settings = settings.model_copy(update={"B2B_LISTS": True})
    motoquery.install(presort=True)
    try:
        started = time.perf_counter()
        setup = _setup(w, staff_secret)
        setup.seconds = time.perf_counter() - started
        w.say(f"  set-up took {setup.seconds:.1f} s")
        _reads(w, setup)
        walks = _walks(w, setup)
        pages, stock = _pages(w, setup, walks.later_cursor)
        _writes(w, setup)
    finally:
        motoquery.uninstall()
        for container, settings in saved:
            container.settings = settings
    documents = setup.documents
    return Portal(
        documents=DOCUMENTS,
        page=PAGE,
        later_page=LATER_PAGE,
        range_days=RANGE_DAYS,
        holdings={
            "addresses": ADDRESSES,
            "wishes": WISHES,
            "shopping lists": LISTS,
            "saved carts": CARTS,
            "payment methods": METHODS,
            "activity events": ACTIVITY,
            "documents": DOCUMENTS,
        },
        by_type=dict(sorted(Counter(d.type for d in documents).items())),
        by_status=dict(sorted(Counter(d.status for d in documents).items())),
        pages=pages,
        walks=walks.walks,
        setup_seconds=setup.seconds,
        stock_first_page=stock,
        table_items=walks.table_items,
    )


@dataclass
class _Setup:
    token: str  # the reading customer's access token
    writer: str  # the writing customer's
    list_id: str
    order_id: str
    order_lines: list[str]
    invoice_id: str
    documents: list[Any]  # chalicelib.models.Document
    low: str  # the date range: the last RANGE_DAYS days
    high: str
    seconds: float = 0.0


def _setup(w: World, staff_secret: str) -> _Setup:
    from chalicelib.checkout.models import Document
    from chalicelib.identity.models import Activity

    w.say(
        f"portal set-up: a customer with {ADDRESSES} addresses, {WISHES} wishes, {LISTS} lists and "
        f"{CARTS} saved carts, {METHODS} payment methods, {ACTIVITY} activity events and "
        f"{DOCUMENTS:,} documents; another for the writes"
    )
    w.use(w.inline)
    me = w.verified_account("bench-portal@example.com")
    writer = w.verified_account("bench-portal-writer@example.com")["access_token"]
    w.use(w.stream)
    token, customer_id = me["access_token"], me["customer_id"]

    def api(method: str, path: str, body: Any = None, code: int = 200, who: str = token) -> Any:
        answer = w.send(method, path, body, who)
        expect(code)(answer)
        return answer.json_body if answer.body else None

    for n in range(ADDRESSES):
        api("POST", "/me/addresses", _address(n, default_billing=n == 0, default_shipping=n == 1), 201)
    for n in range(WISHES):
        api("PUT", f"/me/wishlist/SKU-{n:04d}", {"note": f"wish {n}"} if n % 2 else {})
    list_ids = []
    for n in range(LISTS + CARTS):
        lines = [{"product_id": f"SKU-{n}-{i}", "quantity": i + 1} for i in range(10)]
        kind = "cart" if n >= LISTS else "list"
        made = api("POST", "/me/lists", {"name": f"List {n}", "kind": kind, "lines": lines}, 201)
        list_ids.append(made["list_id"])
    for n in range(METHODS):
        api("POST", "/me/payment-methods", _method(f"pm_bench_{n}"), 201)
        api("POST", "/me/payment-methods", _method(f"pm_writer_{n}"), 201, writer)

    now = w.clock.now()
    today = datetime.datetime.fromtimestamp(now, datetime.UTC).date()
    with Activity.batch_write() as batch:
        for event in _activity(customer_id, now, ACTIVITY):
            batch.save(event)
    documents = _documents(customer_id, today, int(now))
    order = next(d for d in documents if d.type == "order")
    invoice = next(d for d in documents if d.type == "invoice")
    for document in (order, invoice):  # through the API, as the order system records them
        body = {
            "document_id": document.document_id,
            "type": document.type,
            "status": document.status,
            "date": document.date,
            "number": document.number,
            "currency": document.currency,
            "totals": json.loads(document.totals),
            "lines": json.loads(document.lines),
        }
        api("POST", f"/admin/customers/{customer_id}/documents", body, who=staff_secret)
    with Document.batch_write() as batch:
        for document in documents:
            if document not in (order, invoice):
                batch.save(document)
    via_api = Document.get(customer_id, order.document_id, consistent_read=True)
    via_batch = Document.get(customer_id, documents[-1].document_id, consistent_read=True)
    if set(via_api.attribute_values) != set(via_batch.attribute_values) or (
        via_api.date_key,
        via_api.type_date_key,
    ) != (order.date_key, order.type_date_key):
        raise BenchError(
            f"batch-written documents differ from recorded ones: {via_api.attribute_values} "
            f"vs {via_batch.attribute_values}"
        )
    return _Setup(
        token=token,
        writer=writer,
        list_id=list_ids[0],
        order_id=order.document_id,
        order_lines=[line["line_id"] for line in json.loads(order.lines)],
        invoice_id=invoice.document_id,
        documents=documents,
        low=(today - datetime.timedelta(days=RANGE_DAYS - 1)).isoformat(),
        high=today.isoformat(),
    )


def _reads(w: World, s: _Setup) -> None:
    gc.collect()
    gc.freeze()

    def read(key: str, name: str, path: str, check: Callable[[Answer], None], note: str = "") -> None:
        w.measure(key, name, lambda i: w.prepared("GET", path, token=s.token), check, note=note)

    read("portal_addresses", "GET /me/addresses", "/me/addresses", _listed("addresses", ADDRESSES))
    read(
        "portal_documents",
        f"GET /me/documents ({DOCUMENTS:,} documents)",
        "/me/documents",
        _listed("documents", 20),
        note=(
            f"the first page at the default limit (20), newest first, of {DOCUMENTS:,} documents; "
            "moto walks the whole partition for it (see Customer portal)"
        ),
    )
    read(
        "portal_document",
        "GET /me/documents/{id}",
        f"/me/documents/{s.invoice_id}",
        expect(200),
        note="an invoice with its lines",
    )
    read("portal_wishlist", "GET /me/wishlist", "/me/wishlist", _listed("products", WISHES))
    read(
        "portal_lists",
        "GET /me/lists (B2B_LISTS on)",
        "/me/lists",
        _listed("lists", LISTS + CARTS),
        note=f"{LISTS} shopping lists and {CARTS} saved carts of 10 lines each",
    )
    read("portal_list", "GET /me/lists/{id}", f"/me/lists/{s.list_id}", expect(200))
    read(
        "portal_payment_methods",
        "GET /me/payment-methods",
        "/me/payment-methods",
        _listed("payment_methods", METHODS),
    )
    read(
        "portal_activity",
        "GET /me/activity",
        "/me/activity",
        _listed("activity", 50),
        note=f"the first page (50) of {ACTIVITY}+ events",
    )
    w.measure(
        "portal_reorder",
        "POST /me/orders/{id}/reorder",
        lambda i: w.prepared(
            "POST", f"/me/orders/{s.order_id}/reorder", {"line_ids": s.order_lines}, s.token
        ),
        _listed("lines", len(s.order_lines)),
        note=f"all {len(s.order_lines)} lines of one order back as cart lines; reads only",
    )
    _lists_at_caps(w)


def _lists_at_caps(w: World) -> None:
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
    gc.collect()
    gc.freeze()
    w.measure(
        LISTS_AT_CAPS,
        f"GET /me/lists ({MAX_LISTS} lists of {MAX_LINES} lines)",
        lambda i: w.prepared("GET", "/me/lists", token=buyer),
        _listed("lists", MAX_LISTS),
        note=(
            f"informational, not in the target: {MAX_LISTS} lists (the cap) of {MAX_LINES} lines (the cap), "
            "product ids of 22 characters, no notes; every list is read whole, lines included"
        ),
    )


@dataclass
class _Walked:
    walks: list[Walk]
    later_cursor: str
    table_items: int


def _walks(w: World, s: _Setup) -> _Walked:
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
            with RECORDER.window() as calls:
                began = time.perf_counter()
                answer = w.send("GET", _path(query, cursor), token=s.token)
                walk.seconds += time.perf_counter() - began
            expect(200)(answer)
            walk.calls += calls
            walk.pages += 1
            walk.fullest_read = max(walk.fullest_read, sum(c.read for c in calls if c.service == "dynamodb"))
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
    return _Walked(walks, later_cursor, table_items)


def _pages(w: World, s: _Setup, later_cursor: str) -> tuple[list[Page], Result]:
    """The pages of the paging table, each measured like any operation."""
    from bench.harness import moto_queries as motoquery

    gc.collect()
    gc.freeze()
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
        w.results.remove(result)  # in the portal's paging table, not the operations one
        pages.append(Page(label, shown_query, result, shown["returned"], shown["cursor"]))

    motoquery.uninstall()  # the first page once more on stock moto, for the note on moto's cost
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
        motoquery.install(presort=True)
    w.results.remove(stock)
    return pages, stock


def _writes(w: World, s: _Setup) -> None:
    w.say("portal writes (informational): a second customer")
    gc.collect()
    gc.freeze()
    w.measure(
        "portal_profile",
        "PATCH /me",
        lambda i: w.prepared(
            "PATCH", "/me", {"name": f"Writer {i}", "preferences": {"shipping_method": "pickup"}}, s.writer
        ),
        expect(200),
        note="name and a preference; the customer is read again for the answer",
    )
    w.measure(
        "portal_address_add",
        "POST /me/addresses",
        lambda i: w.prepared("POST", "/me/addresses", _address(i, default_shipping=i % 2 == 0), s.writer),
        expect(201),
        note="a new address, every other one the default shipping address; the book is read for the answer",
    )
    w.measure(
        "portal_wish",
        "PUT /me/wishlist/{id}",
        lambda i: w.prepared("PUT", f"/me/wishlist/SKU-W{i:04d}", {"note": "gift"}, s.writer),
        expect(200),
        note=(
            "a new product each run: the existing wish is looked up, then the wishlist counted "
            "(a Query reading every wish) before the put"
        ),
    )
    added: list[str] = []

    def add_method(i: int) -> Callable[[], Answer]:
        if added:  # untimed: the customer holds the same methods before each run
            expect(204)(w.send("DELETE", f"/me/payment-methods/{added.pop()}", token=s.writer))
        return w.prepared("POST", "/me/payment-methods", _method(f"pm_run_{i}"), s.writer)

    def method_added(answer: Answer) -> None:
        expect(201)(answer)
        added.append(answer.json_body["payment_method_id"])

    w.measure(
        "portal_payment_add",
        "POST /me/payment-methods",
        add_method,
        method_added,
        note=f"a method next to {METHODS} saved ones (removed again between runs, untimed)",
    )
