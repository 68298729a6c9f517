"""Targets, tables and ``docs/PERFORMANCE.md``: the figures as Markdown (readable in a terminal too)."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

from bench.cleanupscale import CleanupScale, Pass
from bench.coldstart import ColdStart, imported_module
from bench.harness.awscalls import Call, Recorder, sequence
from bench.portalflows import LISTS_AT_CAPS, Portal
from bench.portalflows import READ_KEYS as PORTAL_READ_KEYS
from bench.portalflows import READ_OPERATIONS as PORTAL_READ_OPERATIONS
from bench.portalflows import WRITE_KEYS as PORTAL_WRITE_KEYS
from bench.scenarios import Bulk, Measured, Result

COLD_IMPORT_LIMIT, COLD_IMPORT_AIM = 1.5, 1.2
BULK_LIMIT_SECONDS = 3.0
CLEANUP_READ_LIMIT = 1.2  # items read per item removed
GUEST_KEYS = (
    "guest_checkout",
    "guest_checkout_offer",
    "guest_account",
    "document",
    "register",
    "merge",
    "shop_anonymous",
    "shop_signed_in",
)
PACKAGES = (
    "chalice",
    "pynamodb",
    "boto3",
    "botocore",
    "aws-lambda-powertools",
    "moto",
    "argon2-cffi",
    "pydantic",
)


def _calls(result: Result) -> int:
    return len(result.dynamodb())


def _writes(result: Result) -> int:
    return len(result.writes())


def _one_read(result: Result) -> int:
    """1 if the run made exactly one DynamoDB call and it is a ``GetItem`` or a ``Query``."""
    ddb = result.dynamodb()
    return int(len(ddb) == 1 and ddb[0].operation in PORTAL_READ_OPERATIONS)


def _portal_reads(found: list[Result]) -> str:
    good = [r for r in found if _one_read(r) and r.variants == 1]
    kinds = Counter(r.dynamodb()[0].operation for r in good)
    summary = ", ".join(f"{n} {op}" for op, n in sorted(kinds.items()))
    bad = [f"{r.name}: {sequence(r.dynamodb(), 'dynamodb') or 'none'}" for r in found if r not in good]
    return f"{len(good)} of {len(found)} routes one call ({summary})" + (f"; {'; '.join(bad)}" if bad else "")


@dataclass
class Target:
    label: str
    keys: tuple[str, ...]  # the results it applies to
    rule: str  # "= 1", "≤ 2"
    test: Callable[[int], bool]
    count: Callable[[Result], int] = _calls  # what the rule counts in one run
    unit: str = ""  # shown after the count in the Target column: "write"
    summary: Callable[[list[Result]], str] | None = None  # the Measured cell, if not the counts

    def figure(self, result: Result) -> str:
        """What the targets table shows for one result."""
        if self.count is _calls:
            return str(self.count(result))
        writes, reads = result.writes(), result.reads()
        read_part = f"{len(reads)} read ({sequence(reads, 'dynamodb')})" if reads else "0 read"
        return f"{len(writes)} write ({sequence(writes, 'dynamodb') or '—'}), {read_part}"


TARGETS = (
    Target("Sign-up (stream): DynamoDB calls", ("signup_stream",), "= 1", lambda n: n == 1),
    Target(
        "Sign-in (success and failures): DynamoDB calls",
        ("signin_ok", "signin_wrong", "signin_unknown"),
        "≤ 2",
        lambda n: n <= 2,
    ),
    Target("GET /me: DynamoDB calls", ("me",), "= 1", lambda n: n == 1),
    Target("Refresh: DynamoDB calls", ("refresh",), "≤ 2", lambda n: n <= 2),
    Target("Accept an invitation: DynamoDB calls", ("invite_accept",), "≤ 2", lambda n: n <= 2),
    Target(
        "Guest checkout: 1 DynamoDB write call",
        ("guest_checkout", "guest_checkout_offer"),
        "= 1 write",
        lambda n: n == 1,
        count=_writes,
        unit="write",
    ),
    Target(
        "Each portal read: 1 DynamoDB call (GetItem or one Query)",
        PORTAL_READ_KEYS,
        "= 1 GetItem or Query",
        lambda n: n == 1,
        count=_one_read,
        summary=_portal_reads,
    ),
)


@dataclass
class Verdict:
    label: str
    rule: str
    measured: str
    passed: bool

    @property
    def mark(self) -> str:
        return "PASS" if self.passed else "FAIL"


def verdicts(measured: Measured, recorder: Recorder, cold: ColdStart | None) -> list[Verdict]:
    by_key = {r.key: r for r in measured.results}
    out = []
    for target in TARGETS:
        found = [by_key[k] for k in target.keys if k in by_key]
        counts = [target.count(r) for r in found]
        figures = "; ".join(target.figure(r) for r in found) if target.unit else ", ".join(map(str, counts))
        if target.summary is not None:
            figures = target.summary(found)
        if len(found) < len(target.keys) and target.summary is not None:
            figures += f" ({len(target.keys) - len(found)} not measured)"
        passed = len(found) == len(target.keys) if target.summary is not None else bool(counts)
        out.append(Verdict(target.label, target.rule, figures, passed and all(map(target.test, counts))))
    bulk = measured.bulk
    if bulk is not None:
        median, slowest, scans = bulk.median_seconds(), max(r.seconds for r in bulk.runs), bulk.scans()
        out.append(
            Verdict(
                f"{bulk.rows:,}-row bulk invitation answered in < {BULK_LIMIT_SECONDS:g} s, 0 Scan",
                f"< {BULK_LIMIT_SECONDS:g} s, 0 Scan",
                f"{median:.2f} s (median of {len(bulk.runs)}, max {slowest:.2f} s), {scans} Scan",
                median < BULK_LIMIT_SECONDS and scans == 0,
            )
        )
    if measured.portal is not None:
        out.append(paging_verdict(measured.portal))
    if measured.cleanup is not None:
        out += cleanup_verdicts(measured.cleanup)
    scans = recorder.count("dynamodb", "Scan")
    out.append(Verdict("Scan calls, whole bench (set-up included)", "= 0", str(scans), scans == 0))
    if cold is not None:
        aim = "aim met" if cold.ratio <= COLD_IMPORT_AIM else f"aim {COLD_IMPORT_AIM}x not met"
        out.append(
            Verdict(
                "Cold import of app.py vs naive baseline",
                f"≤ {COLD_IMPORT_LIMIT}x",
                f"{cold.ratio:.2f}x ({aim})",
                cold.ratio <= COLD_IMPORT_LIMIT,
            )
        )
    return out


def _table(header: list[str], rows: list[list[str]], align: str = "") -> str:
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def _argon2(result: Result) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(result.argon2_ops.items())) or "—"


def operations_table(results: list[Result]) -> str:
    target_of = {k: t for t in TARGETS for k in t.keys}
    rows = []
    for r in results:
        ddb = len(r.dynamodb())
        target = target_of.get(r.key)
        verdict = f"{target.rule}: {'PASS' if target.test(target.count(r)) else 'FAIL'}" if target else ""
        ddb_cell = f"{ddb}" if r.variants == 1 else f"{ddb} (varies: {r.variants} patterns)"
        net = f"{r.p(50, net_of_argon2=True):.1f}" if r.argon2_ops else ""
        rows.append(
            [
                r.name,
                ddb_cell,
                sequence(r.dynamodb(), "dynamodb") or "—",
                sequence(r.others()) or "—",
                _argon2(r),
                f"{r.p(50):.1f}",
                f"{r.p(95):.1f}",
                net,
                verdict,
            ]
        )
    header = [
        "Operation",
        "DynamoDB calls",
        "In order ([n] items, ✗ failed)",
        "Other AWS calls",
        "argon2id",
        "p50 ms",
        "p95 ms",
        "p50 ms w/o argon2",
        "Target",
    ]
    return _table(header, rows, "lrllrrrrl")


def _by_operation(calls: tuple[Call, ...]) -> str:
    """``40 BatchWriteItem, 12 TransactWriteItems ([1] 1, [8] 11), ...`` in order of first use."""
    counts: Counter[str] = Counter()
    sizes: dict[str, Counter[int]] = {}
    for call in calls:
        name = call.operation if call.service == "dynamodb" else f"{call.service}:{call.operation}"
        counts[name] += 1
        if call.items:
            sizes.setdefault(name, Counter())[call.items] += 1
    parts = []
    for name, n in counts.items():
        detail = ""
        if name in sizes:
            detail = " (" + ", ".join(f"[{k}] {v}" for k, v in sorted(sizes[name].items())) + ")"
        parts.append(f"{n} {name}{detail}")
    return ", ".join(parts) or "—"


def bulk_tables(bulk: Bulk) -> str:
    def ddb(calls: tuple[Call, ...]) -> tuple[Call, ...]:
        return tuple(c for c in calls if c.service == "dynamodb")

    request_rows = []
    for i, r in enumerate(bulk.runs, start=1):
        others = tuple(c for c in r.calls if c.service != "dynamodb")
        request_rows.append(
            [
                str(i),
                f"{r.seconds:.2f}",
                f"{r.in_calls:.2f}",
                str(r.in_request),
                r.status,
                str(len(ddb(r.calls))),
                _by_operation(ddb(r.calls)),
                _by_operation(others),
            ]
        )
    in_request = sorted(r.in_request for r in bulk.runs)
    request_rows.append(
        [
            "**median**",
            f"**{bulk.median_seconds():.2f}**",
            f"{statistics.median(r.in_calls for r in bulk.runs):.2f}",
            f"**{in_request[len(in_request) // 2]}**",
            "",
            "",
            "",
            "",
        ]
    )
    request = _table(
        [
            "Run",
            "Wall s",
            "of which in AWS calls, s",
            f"Rows done in the request ({bulk.budget:g} s budget)",
            "Status answered",
            "DynamoDB calls",
            "By operation, in order of first use ([n] items: count)",
            "Other AWS calls",
        ],
        request_rows,
        "lrrrlrll",
    )
    worker_rows = []
    for i, r in enumerate(bulk.runs, start=1):
        calls = ddb(r.worker_calls)
        worker_rows.append(
            [
                str(i),
                str(r.worker_rows),
                f"{r.worker_seconds:.1f}",
                f"{r.worker_rows / r.worker_seconds:.0f}",
                f"{1000 * r.worker_seconds / r.worker_rows:.1f}",
                f"{1000 * r.worker_in_calls / r.worker_rows:.1f}",
                str(len(calls)),
                f"{len(calls) / r.worker_rows:.2f}",
                _by_operation(calls),
            ]
        )
    worker = _table(
        [
            "Run",
            "Rows",
            "Seconds",
            "Rows/s",
            "ms/row",
            "of which in AWS calls, ms",
            "DynamoDB calls",
            "Calls/row",
            "By operation, in order of first use",
        ],
        worker_rows,
        "lrrrrrrrl",
    )
    pace = 1000 / bulk.rate
    runs = len(bulk.runs)
    return (
        f"`POST /admin/invitations` with {bulk.rows:,} new addresses in one call and a staff key, "
        f"`MAIL_DISPATCH=stream`; {runs} run{'s' if runs != 1 else ''}, each on fresh addresses. The "
        f"wall time is the whole in-process request: authorizer, a {bulk.body_bytes / 1024:.0f} KiB "
        "JSON body, validation of every row, the rows' `BatchWriteItem`s (25 items each), the job's "
        "transaction, then rows worked for up to "
        f"`REQUEST_BUDGET_SECONDS` = {bulk.budget:g} s, then the first 100 rows of the job view. "
        "Every call the request made is counted. 'In AWS calls' is the time from botocore building "
        "each call's parameters to its parsed answer: botocore's work and moto's in-memory "
        "DynamoDB, which on AWS become one network round trip each (the `BatchWriteItem`s run one "
        "after another, before the budget starts).\n\n"
        f"{request}\n\n"
        "The invitation worker then finished each job: `chalicelib.invitation_jobs.advance_open_jobs` "
        f"with `MAIL_SEND_RATE` = {bulk.rate:g} (the setting's maximum; the default is 10 a second, "
        f"the SES quota it stands for). It sleeps {pace:g} ms after each row to keep that rate, "
        "included below. Rows were new addresses, so each is one invitation: a login lookup and one "
        "transaction (token, activity, customer, login, invitation, job row, job counters, outbox "
        "message); a `Query` fetches the next 25 rows, and the job is leased and released with one "
        "`UpdateItem` each.\n\n"
        f"{worker}"
    )


def paging_verdict(portal: Portal) -> Verdict:
    """Every documents page (measured or walked) read at most a page of items, in one Query."""
    measured_reads = [p.read() for p in portal.pages]
    walked = max((w.fullest_read for w in portal.walks), default=0)
    calls_per_page = {len(p.result.dynamodb()) for p in portal.pages}
    walk_calls = sum(len(w.dynamodb()) for w in portal.walks)
    walk_pages = sum(w.pages for w in portal.walks)
    scans = sum(p.scans() for p in portal.pages) + sum(w.scans() for w in portal.walks)
    most = max([*measured_reads, walked])
    size = f"{portal.page} items ({portal.documents:,} documents)"
    return Verdict(
        f"A documents page of {portal.page} reads ≤ {size}, 0 Scan",
        f"≤ {portal.page} items read, 1 Query, 0 Scan",
        f"at most {most} items read ({len(portal.pages)} pages measured: "
        f"{', '.join(map(str, measured_reads))}; {walk_pages} pages walked in {walk_calls} calls), "
        f"{scans} Scan",
        most <= portal.page
        and calls_per_page == {1}
        and walk_calls == walk_pages
        and scans == 0
        and all(p.result.dynamodb()[0].operation == "Query" for p in portal.pages)
        and all(w.ok() for w in portal.walks),
    )


def _aws_split(result: Result) -> list[str]:
    """p50, p95, and p50 outside AWS calls (botocore + moto), in ms."""
    return [*_ms(result), f"{result.p(50, net_of_aws=True):.1f}"]


def _items_read(result: Result) -> str:
    """Items DynamoDB read, per call: ``1, 0, 25 to 67, 0`` (a range when runs differ)."""
    cells = [str(low) if low == high else f"{low} to {high}" for low, high in result.items_read()]
    return ", ".join(cells) or "—"


def portal_tables(portal: Portal, results: list[Result]) -> str:
    by_key = {r.key: r for r in results}
    target = next(t for t in TARGETS if t.summary is _portal_reads)
    read_rows = []
    me = by_key.get("me")
    if me is not None:
        read_rows.append(
            [
                f"{me.name} (above)",
                str(len(me.dynamodb())),
                sequence(me.dynamodb(), "dynamodb"),
                _items_read(me),
                *_aws_split(me),
                "",
            ]
        )
    for key in PORTAL_READ_KEYS:
        r = by_key.get(key)
        if r is None:
            continue
        ddb = r.dynamodb()
        mark = "PASS" if target.test(target.count(r)) and r.variants == 1 else "FAIL"
        read_rows.append(
            [
                r.name,
                f"{len(ddb)}" if r.variants == 1 else f"{len(ddb)} (varies: {r.variants} patterns)",
                sequence(ddb, "dynamodb") or "—",
                _items_read(r),
                *_aws_split(r),
                f"{target.rule}: {mark}",
            ]
        )
    caps = by_key.get(LISTS_AT_CAPS)
    caps_note = ""
    if caps is not None:
        read_rows.append(
            [
                caps.name,
                str(len(caps.dynamodb())),
                sequence(caps.dynamodb(), "dynamodb") or "—",
                _items_read(caps),
                *_aws_split(caps),
                "informational (not in the target)",
            ]
        )
        pages_of_1mb = len(caps.dynamodb())
        caps_note = (
            " The last row is a B2B buyer at the caps: `GET /me/lists` reads every list whole, lines "
            f"included, in {pages_of_1mb} `Query` page{'s' if pages_of_1mb > 1 else ''} of up to 1 MB"
            + (": more than the target's one call." if pages_of_1mb > 1 else ".")
        )
    reads = _table(
        [
            "Route",
            "DynamoDB calls",
            "In order",
            "Items read",
            "p50 ms",
            "p95 ms",
            "p50 ms outside AWS calls",
            "Target",
        ],
        read_rows,
        "lrlrrrrl",
    )
    page_rows = []
    for page in portal.pages:
        r = page.result
        page_rows.append(
            [
                page.label,
                f"`?{page.query}`",
                str(page.returned),
                str(page.read()),
                str(len(r.dynamodb())),
                sequence(r.dynamodb(), "dynamodb") or "—",
                str(page.scans()),
                "yes" if page.next_cursor else "no",
                *_aws_split(r),
            ]
        )
    stock = portal.stock_first_page
    pages = _table(
        [
            "Page",
            "Query",
            "Documents returned",
            "Items DynamoDB read",
            "DynamoDB calls",
            "Operation",
            "Scan",
            "next_cursor",
            "p50 ms",
            "p95 ms",
            "p50 ms outside AWS calls",
        ],
        page_rows,
        "llrrrlrlrrr",
    )
    walk_rows = []
    for w in portal.walks:
        per = f"{w.read() / w.returned:.2f}" if w.returned else "—"
        walk_rows.append(
            [
                w.label,
                f"{w.expected:,}",
                str(w.pages),
                f"{w.returned:,} ({w.distinct:,} distinct)",
                "yes" if w.ordered else "no ✗",
                f"{w.read():,}",
                per,
                str(w.fullest_read),
                str(w.empty_pages),
                str(len(w.dynamodb())),
                str(w.scans()),
                f"{w.seconds:.1f}",
            ]
        )
    walks = _table(
        [
            f"Listing (pages of {portal.page})",
            "Matching documents",
            "Pages",
            "Returned",
            "Newest first",
            "Items DynamoDB read",
            "Read / returned",
            "Most read by one page",
            "Empty pages with a cursor",
            "DynamoDB calls",
            "Scan",
            "Wall s",
        ],
        walk_rows,
        "lrrrlrrrrrrr",
    )
    write_rows = []
    for key in PORTAL_WRITE_KEYS:
        r = by_key.get(key)
        if r is None:
            continue
        writes, reads_ = tuple(r.writes()), tuple(r.reads())
        write_rows.append(
            [
                r.name,
                str(len(r.dynamodb())),
                sequence(r.dynamodb(), "dynamodb") or "—",
                f"{len(writes)}: {_by_operation(writes)}",
                f"{len(reads_)}: {_by_operation(reads_)}",
                _items_read(r),
                *_aws_split(r),
            ]
        )
    writes_table = _table(
        [
            "Route",
            "DynamoDB calls",
            "In order ([n] items)",
            "Writes by operation",
            "Reads by operation",
            "Items read, per call",
            "p50 ms",
            "p95 ms",
            "p50 ms outside AWS calls",
        ],
        write_rows,
        "lrllllrrr",
    )
    holdings = ", ".join(f"{n:,} {what}" for what, n in portal.holdings.items())
    types = ", ".join(f"{t} {n:,}" for t, n in portal.by_type.items())
    statuses = ", ".join(f"{t} {n:,}" for t, n in portal.by_status.items())
    return (
        "The signed-in customer's own routes (`chalicelib/api/portal.py`), `MAIL_DISPATCH=stream` and "
        f"`B2B_LISTS=True` for this part. One customer holds {holdings}; the addresses, wishes, lists "
        "and payment methods were made through the API, the activity events and documents written "
        "with `batch_write` (two documents through `POST /admin/customers/{id}/documents` with a staff "
        "key; the bench checks the batch-written ones carry the same attributes). Documents span the "
        f"two years up to the clock's day; by type: {types}; by status: {statuses}. Set-up, untimed: "
        f"{portal.setup_seconds:.1f} s. A second customer makes the writes.\n\n"
        "'Items read' is what DynamoDB read to answer each call (a `Query`'s `ScannedCount`, 1 for a "
        "`GetItem` that found its item). 'Outside AWS calls' subtracts the time from botocore building "
        "each call's parameters to its parsed answer (botocore and moto): what the app itself spends. "
        "For this whole part `bench.motoquery` narrows moto's `Query` to the customer's partition and "
        "hands it the items pre-sorted (see Method and caveats); moto still walks the whole partition "
        "for each query, so its share grows with the partition (the documents rows) where DynamoDB "
        "reads only the page.\n\n"
        "### Reads\n\n"
        f"{reads}\n\n"
        "Portal reads trust the access token and make no customer read (`chalicelib/portal/__init__.py`); "
        f"the writes below read the customer first.{caps_note}\n\n"
        f"### Documents paging at scale ({portal.documents:,} documents, one customer)\n\n"
        f"`GET /me/documents` with `limit={portal.page}` (the service's maximum): the first page, page "
        f"{portal.later_page} reached through `next_cursor`, and first pages filtered by type, by status "
        f"and by a date range (the last {portal.range_days} days); "
        f"{len(portal.pages[0].result.latencies) if portal.pages else 0} measured runs each after "
        f"warm-up. The documents table held "
        f"{portal.table_items:,} items (every customer's).\n\n"
        f"{pages}\n\n"
        "A filter on status is a DynamoDB filter expression: the `Query` reads a page of "
        f"{portal.page} and returns the ones that match, so a page can come back short (or empty, with a "
        "cursor) and a client reads every page to see every match. Type and dates are key conditions "
        "(`by_type`, `by_date` indexes): every item read is returned.\n\n"
        "Every listing walked once through `next_cursor` to its end (untimed checks: every matching "
        "document once, newest first):\n\n"
        f"{walks}\n\n"
        f"On stock moto (no `bench.motoquery`), the first page of {portal.page} takes "
        f"**{stock.p(50):.0f} ms** p50 ({len(stock.latencies)} runs; "
        f"{stock.p(50, net_of_aws=True):.1f} ms outside AWS calls): moto sorts all "
        f"{portal.table_items:,} items of the table for every query.\n\n"
        "### Writes (informational)\n\n"
        f"{writes_table}"
    )


def cleanup_verdicts(scale: CleanupScale) -> list[Verdict]:
    read, removed, scans = scale.items_read(), scale.total_removed(), scale.scans()
    ratio = read / removed if removed else float("inf")
    size = (
        f"table: {scale.customers_before():,} customers, {sum(scale.tables_before.values()):,} items "
        "in the six tables"
    )
    kept = sum(found for found, _ in scale.kept.values())
    expected_kept = sum(of for _, of in scale.kept.values())
    customers_kept = sum(scale.kept[k][0] for k in ("active accounts", "live guests"))
    expected_removed = sum(scale.expected.values())
    label = f"Cleanup: items read ≤ {CLEANUP_READ_LIMIT:g} × items removed, 0 Scan"  # noqa: RUF001
    return [
        Verdict(
            label,
            f"≤ {CLEANUP_READ_LIMIT:g}x, 0 Scan",
            f"{read:,} read / {removed:,} removed = {ratio:.2f}x, {scans} Scan ({size})",
            removed > 0 and read <= CLEANUP_READ_LIMIT * removed and scans == 0,
        ),
        Verdict(
            f"Cleanup: all {scale.live_customers:,} live customers kept, every expired item removed",
            "0 lost, 0 left",
            f"{customers_kept:,} of {scale.live_customers:,} customers kept ({kept:,} of "
            f"{expected_kept:,} live records); removed {removed:,} of {expected_removed:,} expired, "
            f"{scale.left_expired()} left",
            scale.lost_live() == 0 and scale.left_expired() == 0 and removed == expected_removed,
        ),
    ]


def _ms(result: Result) -> list[str]:
    return [f"{result.p(50):.1f}", f"{result.p(95):.1f}"]


def guest_table(results: list[Result]) -> str:
    """The guest rows again, writes and reads apart, by operation."""
    by_key = {r.key: r for r in results}
    rows = []
    for key in GUEST_KEYS:
        r = by_key.get(key)
        if r is None:
            continue
        writes, reads = tuple(r.writes()), tuple(r.reads())
        rows.append(
            [
                r.name,
                str(len(writes)),
                _by_operation(writes),
                str(len(reads)),
                _by_operation(reads),
                *_ms(r),
            ]
        )
    table = _table(
        [
            "Operation",
            "Write calls",
            "Writes by operation ([n] items: count)",
            "Read calls",
            "Reads by operation",
            "p50 ms",
            "p95 ms",
        ],
        rows,
        "lrlrlrr",
    )
    return (
        "The rows above for guest checkout and what follows it, writes apart from reads. Write "
        "operations: `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`, `TransactWriteItems`; "
        "everything else is a read. `MAIL_DISPATCH=stream`: an email (merge offer, verify link) "
        "is an outbox item inside the request's transaction, sent afterwards by the stream's "
        "Lambda.\n\n" + table
    )


def _pass_row(p: Pass) -> list[str]:
    ddb = tuple(p.dynamodb())
    removed = p.removed()
    read = max(p.items_read(), p.dynamodb_read())
    ratio = f"{read / removed:.2f}" if removed else "—"
    return [
        p.label,
        "—" if "complete" not in p.report else ("yes" if p.report["complete"] else "no"),
        f"{removed:,}",
        f"{p.items_read():,}" if "items_read" in p.report else "—",
        f"{p.dynamodb_read():,}",
        ratio,
        f"{p.dynamodb_deleted():,}",
        f"{p.seconds:.2f}",
        f"{p.in_calls:.2f}",
        str(len(ddb)),
        _by_operation(ddb),
    ]


def cleanup_tables(scale: CleanupScale) -> str:
    kinds = {
        "guests": "customers",
        "unverified_signups": "customers",
        "documents": "documents",
        "tokens": "tokens",
        "sessions": "sessions",
        "logins": "logins",
    }
    removed = scale.removed()
    dry = scale.dry.report.get("would_remove", {})
    kind_rows = []
    for kind, table in kinds.items():
        expected, got, would = scale.expected.get(kind, 0), removed.get(kind, 0), dry.get(kind, 0)
        mark = "" if got == expected else " ✗"
        dry_mark = "" if would == expected else " ✗"
        kind_rows.append(
            [f"`{kind}`", f"`{table}`", f"{expected:,}", f"{got:,}{mark}", f"{would:,}{dry_mark}"]
        )
    orphans_expected = 0  # the cleanup removed them with their owners; the stream acts on TTL's only
    streamed = scale.stream.removed()
    kind_rows.append(
        [
            "documents of the removed pending customers (customers stream)",
            "`documents`",
            f"{orphans_expected:,}",
            f"{streamed:,}{'' if streamed == orphans_expected else ' ✗'}",
            "—",
        ]
    )
    kinds_table = _table(
        ["Kind (report key)", "Table", "Expired in the lookback", "Removed", "Dry run: would remove"],
        kind_rows,
        "llrrr",
    )
    size_rows = [
        [
            f"`{name}`",
            f"{before:,}",
            f"{scale.tables_after.get(name, 0):,}",
            f"{before - scale.tables_after.get(name, 0):,}",
        ]
        for name, before in scale.tables_before.items()
    ]
    before, after = sum(scale.tables_before.values()), sum(scale.tables_after.values())
    size_rows.append(["**all six**", f"**{before:,}**", f"**{after:,}**", f"**{before - after:,}**"])
    sizes = _table(["Table", "Items before", "Items after", "Fewer"], size_rows, "lrrr")
    passes = _table(
        [
            "Pass",
            "Complete",
            "Removed (report)",
            "`items_read` (report)",
            "Items DynamoDB read",
            "Read / removed",
            "Deletes applied",
            "Wall s",
            "of which in AWS calls, s",
            "DynamoDB calls",
            "By operation, in order of first use ([n] items: count)",
        ],
        [_pass_row(p) for p in (scale.dry, *scale.runs, scale.stream)],
        "llrrrrrrrrl",
    )
    checks = _table(
        ["Looked up after the run (`BatchGetItem`)", "Found", "Of"],
        [[what, f"{found:,}", f"{of:,}"] for what, (found, of) in scale.kept.items()]
        + [[f"{what} (should be gone)", f"{found:,}", f"{of:,}"] for what, (found, of) in scale.left.items()],
        "lrr",
    )
    calls = sum(len(p.dynamodb()) for p in scale.runs)
    per_guest = scale.documents_per_guest
    signups = scale.expected["unverified_signups"] - scale.registered
    orphans, of = scale.orphans
    return (
        f"A table of **{scale.live_customers:,} live customers**: {scale.active_accounts:,} active "
        f"accounts with their login claims and {scale.live_guests:,} live guests ({scale.today_guests:,} "
        "of them expiring later the same day, so they sit in the very day#shard buckets the cleanup "
        f"queries; {scale.live_guest_documents:,} with a document), and {scale.live_sessions:,} live "
        "sessions, written with `batch_write`. Beside them, made through the API on the clock of "
        f"their day: {scale.expected['guests']:,} guests (`POST /guests` with an order, then "
        f"{per_guest - 1} more documents each through `POST /admin/customers/{{id}}/documents`), "
        "each with its register-later token, expiring 4, 3, 2, 1 days and 6 hours before the run; "
        f"{scale.registered} more such guests who registered later (`POST /register`) and never "
        "verified the address: pending customers with documents, expiring with the guest 4 days "
        f"before the run; {signups} sign-ups never verified (`POST /signup`, expired 2 days before). "
        f"And {scale.expected['sessions']:,} sessions, written directly, that expired earlier that "
        "day (about 150 per day#shard bucket, more than the cleanup's 100-item page). Set-up, "
        f"untimed: {scale.setup_seconds:.1f} s. The service's clock is then set to 12:00 UTC of the "
        "run's day and `chalicelib.cleanup.run` called with the scheduled function's budget "
        "(`jobs.CLEANUP_BUDGET`): once as a dry run, then for real until its report says "
        "`complete`.\n\n"
        f"{passes}\n\n"
        "'Items DynamoDB read' adds up what DynamoDB read to answer each call (a `Query`'s "
        "`ScannedCount`, items found by a get); 'Deletes applied' counts `DeleteItem`s whose "
        "condition held and `BatchWriteItem` delete requests. The last row is what production "
        "adds after the run: each removed customer's REMOVE record reaches the customers stream's "
        "Lambda (`children_of_removed`), here called on those records 100 at a time. "
        f"{calls:,} calls for {scale.total_removed():,} items take the run's wall time on moto; on "
        f"DynamoDB, at ~5 ms a round trip, one after another, about {calls * 0.005:.0f} s.\n\n"
        f"{kinds_table}\n\n"
        "✗: not what expired. The dry run pages through every bucket like the real run and counts "
        "each login claim once. The cleanup removes each customer's documents with it (guests' and the "
        f"documents of guests registered later alike: after the run, {orphans} of the {of} were "
        "left); the customers stream's handler acts only on deletions made by DynamoDB TTL, so on "
        "the cleanup's own REMOVE records it finds nothing to do (last row). Verify-link tokens of "
        "the never-verified sign-ups and "
        "registrations expired more than `LOOKBACK_DAYS` (7) before the run: left to DynamoDB "
        "TTL by design.\n\n"
        f"{sizes}\n\n{checks}"
    )


def targets_table(found: list[Verdict]) -> str:
    return _table(
        ["Target", "Rule", "Measured", "Result"], [[v.label, v.rule, v.measured, v.mark] for v in found]
    )


def cold_tables(cold: ColdStart, top: int = 10) -> str:
    def row(name: str, samples: list[float]) -> list[str]:
        ms = sorted(s * 1000 for s in samples)
        return [name, f"{ms[len(ms) // 2]:.0f}", f"{ms[0]:.0f}", f"{ms[-1]:.0f}", str(len(ms))]

    summary = _table(
        ["Import", "median ms", "min ms", "max ms", "runs"],
        [
            row("`app` (app.py)", cold.app_seconds),
            row("`bench.baseline_app` (Chalice + 3 boto3 clients at import)", cold.baseline_seconds),
        ],
        "lrrrr",
    )
    ratio = (
        f"**Ratio app / baseline: {cold.ratio:.2f}x** "
        f"(target ≤ {COLD_IMPORT_LIMIT}x, aim {COLD_IMPORT_AIM}x)."
    )
    later = cold.app_ms + cold.deferred_ms + cold.clients_ms
    deferred = (
        "Not in that figure, by design: work the app defers to its first requests, timed in the same "
        f"fresh interpreters right after the import (medians). Function-level imports of `chalicelib` "
        f"({', '.join(f'`{m}`' for m in sorted({imported_module(d) for d in cold.deferred}))}): "
        f"**{cold.deferred_ms:.0f} ms**. Then, through the app's own code on moto: a new container, "
        "the first secret fetch, one DynamoDB read and the SES v2 client, which builds the three "
        f"clients the baseline builds at import: **{cold.clients_ms:.0f} ms**. Import plus all of it: "
        f"{later:.0f} ms "
        f"({later / cold.baseline_ms:.2f}x the baseline's import). Which part a cold container pays "
        "depends on its first request: a sign-in needs argon2, PyJWT, email-validator, Powertools "
        "parameters and two clients; the outbox sender needs cryptography, Jinja2 and all three."
    )
    rows = []
    for cost in cold.offenders[:top]:
        what = f"`{cost.name}` (own code)" if cost.kind == "self" else f"`{cost.name}`"
        rows.append(
            [what, f"{cost.ms:.1f}", ", ".join(f"`{i}`" for i in cost.importers), cost.biggest_inside]
        )
    offenders = _table(["Import", "ms", "Imported by", "Largest package inside"], rows, "lrll")
    return (
        f"{summary}\n\n{ratio}\n\n{deferred}\n\n"
        f"Top {top} costs of `import app` (`-X importtime`, median of runs; total "
        f"{cold.app_importtime_ms:.0f} ms under importtime's own overhead). A first-party module "
        "counts its own code; a package counts "
        "everything it pulls in, charged to the first-party module that imported it first.\n\n"
        f"{offenders}"
    )


def machine(load_at_start: tuple[float, float, float] | None = None) -> list[str]:
    cpu = platform.processor() or "unknown CPU"
    memory = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
        with open("/proc/meminfo", encoding="utf-8") as f:
            kib = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    load = ""
    if load_at_start is not None:
        load = (
            f"- Load average (1 min) at start {load_at_start[0]:.2f}, at end {os.getloadavg()[0]:.2f}: "
            "latency figures move with whatever else the machine runs; call counts do not"
        )
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores{memory}",
        *([load] if load else []),
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()} ({sys.implementation.name})",
        f"- {', '.join(versions)}",
    ]


MOTOQUERY_NOTE = (
    "- moto answers every `Query` by sorting the whole table by primary key, comparing moto's "
    "`DynamoType` values, cast anew on each comparison, then keeping the partition asked for: "
    "~50 ms a query on the 10,000-customer table, hundreds of queries per cleanup run. For the "
    "cleanup at scale and the customer portal only, `bench.motoquery` hands moto's query the "
    "items whose hash key can "
    "match (the partition, or the items whose index hash key is that string); moto still applies "
    "the key conditions, sorts the results by the full key, pages and counts them, so every "
    "answer is the same item for item. Other rows use stock moto queries.\n"
)


PORTAL_MOTO_NOTE = (
    "- The customer portal part uses `bench.motoquery` too, with `presort=True`: the items handed "
    "to moto's query come already in the order moto sorts them by (when every sort key is a "
    "string), so moto's own sort checks them in one pass. moto still sorts, applies the key "
    "conditions and filters, pages and counts; the answers are the same. The portal rows of the "
    "per-operation table are measured that way.\n"
)


def markdown(
    measured: Measured,
    recorder: Recorder,
    argon2: dict[str, float],
    cold: ColdStart | None,
    runs: int,
    warmup: int,
    elapsed: float,
    load_at_start: tuple[float, float, float] | None = None,
) -> str:
    results = measured.results
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    everything = Counter({f"{s}:{op}": n for (s, op), n in recorder.everything.items()})
    totals = ", ".join(f"{op} {n}" for op, n in sorted(everything.items()))
    argon_line = (
        f"One argon2id hash takes **{argon2['hash_ms']:.1f} ms** and one verify "
        f"**{argon2['verify_ms']:.1f} ms** (p50 of 10; m = {argon2['memory_kib']} KiB, "
        f"t = {argon2['time_cost']}, p = {argon2['parallelism']}). "
        "It is the floor of sign-up, sign-in, reset and change-password by design (SPEC §4); the "
        "`p50 ms w/o argon2` column subtracts the time each run spent inside argon2."
    )
    cold_section = cold_tables(cold) if cold is not None else "_Skipped (`--skip-cold`)._"
    parts = [
        "# Performance",
        f"_Written by `make bench` on {now} in {elapsed:.0f} s. Rerun it to refresh; do not edit by hand._",
        "## Machine\n\n" + "\n".join(machine(load_at_start)),
        "## How to reproduce\n\n"
        "```sh\n"
        "make bench                                    # everything below, about 3 minutes\n"
        ".venv/bin/python -m bench.run --runs 50       # more runs per operation\n"
        ".venv/bin/python -m bench.run --skip-cold     # only the in-process part\n"
        ".venv/bin/python -m bench.run --bulk-runs 1   # one 1,000-row bulk invitation, not 3\n"
        ".venv/bin/python -m bench.run --cleanup-live 0   # skip the cleanup at scale\n"
        ".venv/bin/python -m bench.run --strict        # exit 1 if a target fails (for CI)\n"
        "```",
        "## Targets\n\n" + targets_table(verdicts(measured, recorder, cold)),
        "## DynamoDB calls and latency per operation\n\n"
        f"In-process: `chalice.test.Client` on moto's `mock_aws`, as the integration tier runs the app. "
        f"Warm: {warmup} warm-up runs, then {runs} measured runs per operation (the cold-container row "
        "excepted). Email-sending operations run with `MAIL_DISPATCH=stream` (the request's own calls; the "
        "email leaves through the outbox stream sender, measured on its own row) unless marked inline.\n\n"
        + operations_table(results)
        + "\n\n"
        + "\n".join(f"- {r.name}: {r.note}" for r in results if r.note),
        *(
            ["## Guest checkout, documents, register later, merge\n\n" + guest_table(results)]
            if any(r.key in GUEST_KEYS for r in results)
            else []
        ),
        *(["## Customer portal\n\n" + portal_tables(measured.portal, results)] if measured.portal else []),
        *(["## Bulk invitations\n\n" + bulk_tables(measured.bulk)] if measured.bulk else []),
        *(["## Cleanup at scale\n\n" + cleanup_tables(measured.cleanup)] if measured.cleanup else []),
        "## Argon2id\n\n" + argon_line,
        "## Cold import\n\n" + cold_section,
        "## Method and caveats\n\n"
        "- Calls are counted from botocore's `before-parameter-build` event, hooked through "
        "`botocore.handlers.BUILTIN_HANDLERS` before any client exists, so every client (pynamodb's, the "
        "SES and Secrets Manager ones) is seen. One count is one API round trip; a write whose condition "
        "fails still counts. `[n]` after `TransactWriteItems` is the number of items (each costs 2 WCU).\n"
        "- Latency is in-process against moto: it shows the app's own overhead (routing, validation, "
        "JSON, logging, encryption, templates) and moto's, not network time. On AWS, add one in-region "
        "DynamoDB round trip (a few ms) per call in the DynamoDB column.\n"
        "- The service's clock is a `ManualClock` that never moves during the run, so tokens never expire "
        "and nothing in the outbox falls due behind the bench; the 'nothing due' sweeper row relies on it. "
        "The cleanup at scale has tables, a container and a clock of its own, moved by its set-up.\n"
        "- moto backs up every table a `TransactWriteItems` touches with a deep copy before applying "
        "it, so in stock moto one transaction costs time in proportion to everything stored (about "
        "0.2-0.35 s per invitation row once the bulk runs have filled the tables). `bench.mototx` "
        "replaces those copies with snapshots of only the items the transaction names, restored "
        "the same way on cancellation; conditions, writes and cancellation reasons are still "
        "moto's own. All rows are measured with it.\n"
        + (MOTOQUERY_NOTE if measured.cleanup or measured.portal else "")
        + (PORTAL_MOTO_NOTE if measured.portal else "")
        + "- Logs are formatted as usual but written to `/dev/null`; metrics are flushed to `/dev/null`. "
        "After set-up, and again before each bulk run, worker run and cleanup pass, `gc.freeze()` "
        "takes moto's in-memory tables out of the garbage collector's scans, which a Lambda's "
        "small heap would not have.\n"
        "- Per-run call lists are compared: a `varies` note in the DynamoDB column means runs did not all "
        "make the same calls (the most common pattern is shown).\n"
        f"- Every AWS call the bench process made (set-up included): {totals}.",
    ]
    return "\n\n".join(parts) + "\n"
