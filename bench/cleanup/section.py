"""The Cleanup at scale section: the passes, what each kind removed, the tables, the lookups."""

from __future__ import annotations

from bench.cleanup.passes import CleanupScale, Pass
from bench.cleanup.population import DOCUMENTS_PER_GUEST, TODAY_GUESTS
from bench.harness import moto_queries
from bench.harness.operations import by_operation
from bench.harness.sections import Section, Table, Verdict

READ_LIMIT = 1.2  # items read per item removed
KIND_TABLES = {
    "guests": "customers",
    "unverified_signups": "customers",
    "documents": "documents",
    "tokens": "tokens",
    "sessions": "sessions",
    "logins": "logins",
}


def verdicts(scale: CleanupScale) -> list[Verdict]:
    p = scale.population
    read, removed, scans = scale.items_read(), scale.total_removed(), scale.scans()
    ratio = read / removed if removed else float("inf")
    size = (
        f"table: {p.tables_before.get('customers', 0):,} customers, {sum(p.tables_before.values()):,} "
        "items in the six tables"
    )
    kept = sum(found for found, _ in scale.kept.values())
    expected_kept = sum(of for _, of in scale.kept.values())
    customers_kept = sum(scale.kept[k][0] for k in ("active accounts", "live guests"))
    live_customers = len(p.live.accounts) + len(p.live.guests)
    expected_removed = sum(p.expected.values())
    return [
        Verdict(
            f"Cleanup: items read ≤ {READ_LIMIT:g} × items removed, 0 Scan",  # noqa: RUF001
            f"{read:,} read / {removed:,} removed = {ratio:.2f}x, {scans} Scan ({size})",
            f"≤ {READ_LIMIT:g}x, 0 Scan",
            removed > 0 and read <= READ_LIMIT * removed and scans == 0,
        ),
        Verdict(
            f"Cleanup: all {live_customers:,} live customers kept, every expired item removed",
            f"{customers_kept:,} of {live_customers:,} customers kept ({kept:,} of {expected_kept:,} live "
            f"records); removed {removed:,} of {expected_removed:,} expired, {scale.left_expired()} left",
            "0 lost, 0 left",
            scale.lost_live() == 0 and scale.left_expired() == 0 and removed == expected_removed,
        ),
    ]


def _pass_row(p: Pass) -> list[str]:
    removed = p.removed()
    read = max(p.items_read(), p.dynamodb_read())
    return [
        p.label,
        "—" if "complete" not in p.report else ("yes" if p.report["complete"] else "no"),
        f"{removed:,}",
        f"{p.items_read():,}" if "items_read" in p.report else "—",
        f"{p.dynamodb_read():,}",
        f"{read / removed:.2f}" if removed else "—",
        f"{p.dynamodb_deleted():,}",
        f"{p.seconds:.2f}",
        f"{p.in_calls:.2f}",
        str(len(p.dynamodb())),
        by_operation(p.dynamodb()),
    ]


def passes_table(scale: CleanupScale) -> Table:
    header = ["Pass", "Complete", "Removed (report)", "`items_read` (report)", "Items DynamoDB read"]
    header += ["Read / removed", "Deletes applied", "Wall s", "of which in AWS calls, s", "DynamoDB calls"]
    header += ["By operation, in order of first use ([n] items: count)"]
    rows = [_pass_row(p) for p in (scale.dry, *scale.runs, scale.stream)]
    return Table(header, rows, "llrrrrrrrrl")


def kinds_table(scale: CleanupScale) -> Table:
    expected, removed = scale.population.expected, scale.removed()
    dry = scale.dry.report.get("would_remove", {})
    rows = []
    for kind, table in KIND_TABLES.items():
        should, got, would = expected.get(kind, 0), removed.get(kind, 0), dry.get(kind, 0)
        mark = "" if got == should else " ✗"
        dry_mark = "" if would == should else " ✗"
        rows.append([f"`{kind}`", f"`{table}`", f"{should:,}", f"{got:,}{mark}", f"{would:,}{dry_mark}"])
    # the cleanup removed those with their owners; the stream's handler acts on TTL's deletions only
    streamed = scale.stream.removed()
    rows.append(
        [
            "documents of the removed pending customers (customers stream)",
            "`documents`",
            "0",
            f"{streamed:,}{'' if streamed == 0 else ' ✗'}",
            "—",
        ]
    )
    header = ["Kind (report key)", "Table", "Expired in the lookback", "Removed", "Dry run: would remove"]
    return Table(header, rows, "llrrr")


def sizes_table(scale: CleanupScale) -> Table:
    before_all, after_all = scale.population.tables_before, scale.tables_after
    rows = [
        [f"`{name}`", f"{before:,}", f"{after_all.get(name, 0):,}", f"{before - after_all.get(name, 0):,}"]
        for name, before in before_all.items()
    ]
    before, after = sum(before_all.values()), sum(after_all.values())
    rows.append(["**all six**", f"**{before:,}**", f"**{after:,}**", f"**{before - after:,}**"])
    return Table(["Table", "Items before", "Items after", "Fewer"], rows, "lrrr")


def lookups_table(scale: CleanupScale) -> Table:
    rows = [[what, f"{found:,}", f"{of:,}"] for what, (found, of) in scale.kept.items()]
    rows += [
        [f"{what} (should be gone)", f"{found:,}", f"{of:,}"] for what, (found, of) in scale.left.items()
    ]
    return Table(["Looked up after the run (`BatchGetItem`)", "Found", "Of"], rows, "lrr")


def sections(scale: CleanupScale) -> list[Section]:
    p = scale.population
    live, expected = p.live, p.expected
    registered = len(p.expired.registered)
    calls = sum(len(run.dynamodb()) for run in scale.runs)
    orphans, of = scale.orphans
    lost = scale.lost_live()
    today = min(TODAY_GUESTS, len(live.guests))
    return [
        Section(
            "Cleanup at scale",
            [
                f"A table of **{len(live.accounts) + len(live.guests):,} live customers**: "
                f"{len(live.accounts):,} active accounts with their login claims and "
                f"{len(live.guests):,} live guests ({today:,} of them expiring later "
                "the same day, so they sit in the very day#shard buckets the cleanup queries; "
                f"{len(live.documents):,} with a document), and {len(live.sessions):,} live sessions, "
                "written with `batch_write`. Beside them, made through the API on the clock of their day: "
                f"{expected['guests']:,} guests (`POST /guests` with an order, then "
                f"{DOCUMENTS_PER_GUEST - 1} more documents each through "
                "`POST /admin/customers/{id}/documents`), each with its register-later token, expiring "
                f"4, 3, 2, 1 days and 6 hours before the run; {registered} more such guests who "
                "registered later (`POST /register`) and never verified the address: pending customers "
                "with documents, expiring with the guest 4 days before the run; "
                f"{len(p.expired.unverified)} sign-ups never verified (`POST /signup`, expired 2 days "
                "before); the tasks those two leave in the outbox were worked at once by the stream's "
                "sender, on the clock of their day. "
                f"And {expected['sessions']:,} sessions, written directly, that expired earlier "
                "that day (about 150 per day#shard bucket, more than the cleanup's 100-item page). "
                f"Set-up, untimed: {p.seconds:.1f} s. The service's clock is then set to 12:00 UTC of the "
                "run's day and `chalicelib.cleanup.service.run` called with the scheduled function's "
                "budget (`jobs.CLEANUP_BUDGET`): once as a dry run, then for real until its report says "
                "`complete`.",
                passes_table(scale),
                "'Items DynamoDB read' adds up what DynamoDB read to answer each call (a `Query`'s "
                "`ScannedCount`, items found by a get); 'Deletes applied' counts `DeleteItem`s whose "
                "condition held and `BatchWriteItem` delete requests. The last row is what production "
                "adds after the run: each removed customer's REMOVE record reaches the customers "
                "stream's Lambda (`children_of_removed`), here called on those records 100 at a time. "
                f"{calls:,} calls for {scale.total_removed():,} items take the run's wall time on moto; "
                f"on DynamoDB, at ~5 ms a round trip, one after another, about {calls * 0.005:.0f} s.",
                kinds_table(scale),
                "✗: not what expired. The dry run pages through every bucket like the real run and "
                "counts each login claim once. The cleanup removes each customer's documents with it "
                "(guests' and the documents of guests registered later alike: after the run, "
                f"{orphans} of the {of} were left); the customers stream's handler acts only on "
                "deletions made by DynamoDB TTL, so on the cleanup's own REMOVE records it finds nothing "
                "to do (last row). Verify-link tokens of the never-verified sign-ups and registrations "
                "expired more than `LOOKBACK_DAYS` (7) before the run: left to DynamoDB TTL by design.",
                sizes_table(scale),
                lookups_table(scale),
            ],
            verdicts=verdicts(scale),
            caveats=[moto_queries.CAVEAT],
            failures=[f"the cleanup removed {lost} live records"] if lost else [],
        )
    ]
