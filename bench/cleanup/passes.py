"""The scheduled cleanup run on the populated tables, and what stayed afterwards.

``chalicelib.cleanup.service.run`` is called with the scheduled function's budget: once
as a dry run, then for real until its report says ``complete``. Every call is counted,
with the items DynamoDB read to answer it. Then what a removed customer costs afterwards
(the customers stream's handler, ``children_of_removed``) is run on the REMOVE records
the deletions would produce, and every live record and every expired one is looked up
(``BatchGetItem``, untimed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.cleanup.population import DOCUMENTS_PER_GUEST, Population, found, table_sizes
from bench.harness.awscalls import Call
from bench.harness.timing import dynamodb, scans, timed
from bench.harness.world import BenchError, World, settle

MAX_RUNS = 5


@dataclass
class Pass:
    """One call of ``cleanup.run`` (or of the stream handler) and every AWS call it made."""

    label: str
    report: dict[str, Any]
    calls: tuple[Call, ...]
    seconds: float  # wall time, in-process
    in_calls: float  # of which inside AWS calls (botocore and moto)

    def dynamodb(self) -> tuple[Call, ...]:
        return dynamodb(self.calls)

    def removed(self) -> int:
        """What the report says it removed (or would remove); the stream handler's is flat."""
        counts = self.report.get("removed", self.report.get("would_remove", self.report))
        return sum(n for n in counts.values() if isinstance(n, int) and not isinstance(n, bool))

    def items_read(self) -> int:
        """The report's own ``items_read``."""
        return int(self.report.get("items_read", 0))

    def dynamodb_read(self) -> int:
        """Items DynamoDB read to answer the calls (Query's ScannedCount, items found by gets)."""
        return sum(c.read for c in self.dynamodb())

    def dynamodb_deleted(self) -> int:
        """Delete requests that DynamoDB applied: DeleteItem without error, BatchWriteItem deletes."""
        single = sum(1 for c in self.dynamodb() if c.operation == "DeleteItem" and not c.error)
        return single + sum(c.batch_deletes for c in self.dynamodb())


@dataclass
class CleanupScale:
    population: Population
    dry: Pass
    runs: list[Pass]
    stream: Pass
    tables_after: dict[str, int]
    kept: dict[str, tuple[int, int]] = field(default_factory=dict)  # found, of
    left: dict[str, tuple[int, int]] = field(default_factory=dict)  # expired yet found, of
    orphans: tuple[int, int] = (0, 0)  # documents of guests registered later, before the stream handler

    def removed(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for run in self.runs:
            total.update(run.report.get("removed", {}))
        return total

    def total_removed(self) -> int:
        return sum(self.removed().values())

    def items_read(self) -> int:
        """Items read by the real runs: the larger of the reports' count and DynamoDB's."""
        return max(sum(r.items_read() for r in self.runs), sum(r.dynamodb_read() for r in self.runs))

    def scans(self) -> int:
        return sum(scans(r.calls) for r in (self.dry, *self.runs, self.stream))

    def lost_live(self) -> int:
        return sum(of - found for found, of in self.kept.values())

    def left_expired(self) -> int:
        return sum(found for found, _ in self.left.values())


def _pass(label: str, work: Callable[[], dict[str, Any]]) -> Pass:
    settle()
    with timed() as t:
        report = work()
    return Pass(label, report, tuple(t.calls), t.seconds, t.in_calls)


def run_until_complete(w: World, p: Population) -> CleanupScale:
    from chalicelib import jobs
    from chalicelib.checkout.models import Document
    from chalicelib.cleanup import service as cleanup

    c, budget = p.container, jobs.CLEANUP_BUDGET
    dry = _pass("dry run", lambda: cleanup.run(c, budget=budget, dry_run=True))
    w.say(
        f"  dry run: would remove {dry.removed():,} ({dry.report.get('would_remove')}), "
        f"{len(dry.dynamodb())} DynamoDB calls, {dry.seconds:.1f} s"
    )
    runs: list[Pass] = []
    while not runs or not runs[-1].report.get("complete"):
        if len(runs) == MAX_RUNS:
            raise BenchError(f"the cleanup was not complete after {MAX_RUNS} runs")
        run = _pass(f"run {len(runs) + 1}", lambda: cleanup.run(c, budget=budget))
        runs.append(run)
        w.say(
            f"  {run.label}: removed {run.removed():,} ({run.report.get('removed')}), read "
            f"{run.items_read():,} (DynamoDB: {run.dynamodb_read():,}), {len(run.dynamodb())} DynamoDB "
            f"calls, {run.seconds:.1f} s, complete={run.report.get('complete')}"
        )

    gone = p.expired
    removed_ids = (
        gone.guests + gone.registered + gone.unverified
    )  # what the customers stream hands its handler

    def stream_handler() -> dict[str, Any]:
        total: Counter[str] = Counter()
        for start in range(0, len(removed_ids), 100):  # the stream's batch size
            records = [
                {"eventName": "REMOVE", "dynamodb": {"Keys": {"customer_id": {"S": customer_id}}}}
                for customer_id in removed_ids[start : start + 100]
            ]
            total.update(cleanup.children_of_removed({"Records": records}))
        return dict(total)

    late_keys = [(g, f"D{d}") for g in gone.registered for d in range(DOCUMENTS_PER_GUEST)]
    orphans = (len(found(Document, late_keys)), len(late_keys))  # what only the stream removes
    stream = _pass("customers stream (REMOVE)", stream_handler)
    scale = CleanupScale(p, dry, runs, stream, table_sizes(), orphans=orphans)
    scale.kept, scale.left = _looked_up(p)
    w.say(
        f"  kept {sum(f for f, _ in scale.kept.values()):,} of {sum(o for _, o in scale.kept.values()):,} "
        f"live records; {scale.left_expired()} expired ones left; stream handler: "
        f"{len(stream.dynamodb())} DynamoDB calls"
    )
    return scale


def _looked_up(p: Population) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """(found, of) for every kind of live record, and for every kind of expired one."""
    from chalicelib.checkout.models import Document
    from chalicelib.identity.models import Customer, Login, Session

    live, gone = p.live, p.expired

    def statuses(items: list[Any], status: str) -> int:
        return sum(1 for x in found(Customer, [i.customer_id for i in items], "status") if x.status == status)

    kept = {
        "active accounts": (statuses(live.accounts, "active"), len(live.accounts)),
        "live guests": (statuses(live.guests, "guest"), len(live.guests)),
        "login claims": (len(found(Login, [x.login_key for x in live.logins])), len(live.logins)),
        "documents of live guests": (
            len(found(Document, [(d.customer_id, d.document_id) for d in live.documents])),
            len(live.documents),
        ),
        "live sessions": (len(found(Session, [s.session_id for s in live.sessions])), len(live.sessions)),
    }
    document_keys = [(g, f"D{d}") for g in gone.guests for d in range(DOCUMENTS_PER_GUEST)]
    late_keys = [(g, f"D{d}") for g in gone.registered for d in range(DOCUMENTS_PER_GUEST)]
    old_sessions = [s.session_id for s in live.expired_sessions]
    left = {
        "expired guests": (len(found(Customer, gone.guests)), len(gone.guests)),
        "documents of expired guests": (len(found(Document, document_keys)), len(document_keys)),
        "never-verified sign-ups": (len(found(Customer, gone.unverified)), len(gone.unverified)),
        "login claims of never-verified sign-ups": (
            len(found(Login, gone.unverified_logins)),
            len(gone.unverified_logins),
        ),
        "guests registered later, never verified": (
            len(found(Customer, gone.registered)),
            len(gone.registered),
        ),
        "login claims of guests registered later": (
            len(found(Login, gone.registered_logins)),
            len(gone.registered_logins),
        ),
        "documents of guests registered later (after the stream handler)": (
            len(found(Document, late_keys)),
            len(late_keys),
        ),
        "expired sessions": (len(found(Session, old_sessions)), len(old_sessions)),
    }
    return kept, left
