"""One 1,000-row ``POST /admin/invitations`` at a time, and the worker run that finishes its job.

Each run invites fresh addresses with a staff key, ``MAIL_DISPATCH=stream``: the request
validates every row, writes them, and works rows for up to ``REQUEST_BUDGET_SECONDS``;
the invitation worker (``advance_open_jobs``) then does the rest at ``MAIL_SEND_RATE`` =
``WORKER_RATE``. Every AWS call of both is counted.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from typing import Any

from bench.harness.awscalls import Call
from bench.harness.operations import by_operation
from bench.harness.sections import Table, Verdict
from bench.harness.timing import dynamodb, scans, timed
from bench.harness.world import BenchError, World, expect, settle

ROWS = 1000  # one POST /admin/invitations at the service's maximum
WORKER_RATE = 1000.0  # MAIL_SEND_RATE for the invitation worker's figures (the setting's maximum)
WORKER_BUDGET = 120.0  # seconds the worker may take to finish one bulk job
LIMIT_SECONDS = 3.0  # the target for the request's answer


@dataclass
class BulkRun:
    seconds: float  # wall time of the request, in-process
    in_calls: float  # of which inside AWS calls (botocore and moto)
    status: str  # the job's status in the 202 answer
    in_request: int  # rows the request itself finished within its budget
    calls: tuple[Call, ...]  # every AWS call of the request
    worker_rows: int
    worker_seconds: float
    worker_in_calls: float
    worker_calls: tuple[Call, ...]


@dataclass
class Bulk:
    rows: int
    budget: float  # chalicelib.invitations.jobs.REQUEST_BUDGET_SECONDS
    rate: float  # MAIL_SEND_RATE during the worker runs
    body_bytes: int  # the request body of one run
    runs: list[BulkRun]
    job_id: str  # the last run's job, finished

    def median_seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    def scans(self) -> int:
        return sum(scans(r.calls) for r in self.runs)


def finish_jobs(container: Any) -> int:
    """Run the invitation worker until no open job is left; returns the rows it worked."""
    from chalicelib.invitations import jobs

    total = 0
    for _ in range(10):
        done = jobs.advance_open_jobs(container, budget=WORKER_BUDGET)
        if not done:
            return total
        total += done
    raise BenchError("the invitation worker never ran out of open jobs")


def job_view(w: World, job_id: str) -> dict[str, Any]:
    answer = w.send("GET", f"/admin/invitations/jobs/{job_id}", token=w.staff_secret)
    expect(200)(answer)
    view: dict[str, Any] = answer.json_body
    return view


def measure(w: World, bulk_runs: int) -> Bulk:
    from chalicelib.invitations import jobs

    rows = min(ROWS, jobs.MAX_ROWS)
    w.say(
        f"bulk: {bulk_runs} x POST /admin/invitations with {rows} new addresses (stream), "
        f"each job then finished by the worker at MAIL_SEND_RATE={WORKER_RATE:g}"
    )
    runs: list[BulkRun] = []
    job_id, body_bytes = "", 0
    for run in range(bulk_runs):
        customers = [{"email": f"bench-bulk{run}-{i}@example.com", "name": f"Bulk {i}"} for i in range(rows)]
        call = w.prepared("POST", "/admin/invitations", {"customers": customers}, token=w.staff_secret)
        body_bytes = len(json.dumps({"customers": customers}))
        settle()
        with timed() as request:
            answer = call()
        expect(202)(answer)
        job = answer.json_body
        if job["total"] != rows or job["counts"]["invalid"]:
            raise BenchError(f"bulk run {run}: the job holds {job['total']} rows, counts {job['counts']}")
        job_id = job["job_id"]
        settle()
        with timed() as worker:
            worked = jobs.advance_open_jobs(w.stream, budget=WORKER_BUDGET)
        view = job_view(w, job_id)
        if view["status"] != "done" or view["counts"]["invited"] != rows or worked != rows - job["processed"]:
            raise BenchError(
                f"bulk run {run}: {job['processed']} rows in the request, {worked} by the worker, "
                f"then {view['status']} with {view['counts']}"
            )
        runs.append(
            BulkRun(
                request.seconds,
                request.in_calls,
                job["status"],
                job["processed"],
                tuple(request.calls),
                worked,
                worker.seconds,
                worker.in_calls,
                tuple(worker.calls),
            )
        )
        w.say(
            f"  run {run + 1}: answered in {request.seconds:.2f} s with {job['processed']} rows done; "
            f"the worker did {worked} in {worker.seconds:.1f} s ({worked / worker.seconds:.0f} rows/s)"
        )
    return Bulk(rows, float(jobs.REQUEST_BUDGET_SECONDS), WORKER_RATE, body_bytes, runs, job_id)


def verdict(bulk: Bulk) -> Verdict:
    median, slowest, scans = bulk.median_seconds(), max(r.seconds for r in bulk.runs), bulk.scans()
    return Verdict(
        f"{bulk.rows:,}-row bulk invitation answered in < {LIMIT_SECONDS:g} s, 0 Scan",
        f"{median:.2f} s (median of {len(bulk.runs)}, max {slowest:.2f} s), {scans} Scan",
        f"< {LIMIT_SECONDS:g} s, 0 Scan",
        median < LIMIT_SECONDS and scans == 0,
    )


def request_table(bulk: Bulk) -> Table:
    rows = []
    for i, r in enumerate(bulk.runs, start=1):
        others = tuple(c for c in r.calls if c.service != "dynamodb")
        ddb = dynamodb(r.calls)
        rows.append(
            [
                str(i),
                f"{r.seconds:.2f}",
                f"{r.in_calls:.2f}",
                str(r.in_request),
                r.status,
                str(len(ddb)),
                by_operation(ddb),
                by_operation(others),
            ]
        )
    in_request = sorted(r.in_request for r in bulk.runs)
    median_in_calls = statistics.median(r.in_calls for r in bulk.runs)
    rows.append(
        [
            "**median**",
            f"**{bulk.median_seconds():.2f}**",
            f"{median_in_calls:.2f}",
            f"**{in_request[len(in_request) // 2]}**",
            "",
            "",
            "",
            "",
        ]
    )
    header = [
        "Run",
        "Wall s",
        "of which in AWS calls, s",
        f"Rows done in the request ({bulk.budget:g} s budget)",
        "Status answered",
        "DynamoDB calls",
        "By operation, in order of first use ([n] items: count)",
        "Other AWS calls",
    ]
    return Table(header, rows, "lrrrlrll")


def worker_table(bulk: Bulk) -> Table:
    rows = []
    for i, r in enumerate(bulk.runs, start=1):
        calls = dynamodb(r.worker_calls)
        rows.append(
            [
                str(i),
                str(r.worker_rows),
                f"{r.worker_seconds:.1f}",
                f"{r.worker_rows / r.worker_seconds:.0f}",
                f"{1000 * r.worker_seconds / r.worker_rows:.1f}",
                f"{1000 * r.worker_in_calls / r.worker_rows:.1f}",
                str(len(calls)),
                f"{len(calls) / r.worker_rows:.2f}",
                by_operation(calls),
            ]
        )
    header = [
        "Run",
        "Rows",
        "Seconds",
        "Rows/s",
        "ms/row",
        "of which in AWS calls, ms",
        "DynamoDB calls",
        "Calls/row",
        "By operation, in order of first use",
    ]
    return Table(header, rows, "lrrrrrrrl")


def paragraphs(bulk: Bulk) -> tuple[str, str]:
    """What the request table shows, and what the worker table shows."""
    runs = len(bulk.runs)
    request = (
        f"`POST /admin/invitations` with {bulk.rows:,} new addresses in one call and a staff key, "
        f"`MAIL_DISPATCH=stream`; {runs} run{'s' if runs != 1 else ''}, each on fresh addresses. The "
        f"wall time is the whole in-process request: authorizer, a {bulk.body_bytes / 1024:.0f} KiB "
        "JSON body, validation of every row, the rows' `BatchWriteItem`s (25 items each), the job's "
        f"transaction, then rows worked for up to `REQUEST_BUDGET_SECONDS` = {bulk.budget:g} s, then "
        "the first 100 rows of the job view. Every call the request made is counted. 'In AWS calls' "
        "is the time from botocore building each call's parameters to its parsed answer: botocore's "
        "work and moto's in-memory DynamoDB, which on AWS become one network round trip each (the "
        "`BatchWriteItem`s run one after another, before the budget starts)."
    )
    worker = (
        "The invitation worker then finished each job: `chalicelib.invitations.jobs.advance_open_jobs` "
        f"with `MAIL_SEND_RATE` = {bulk.rate:g} (the setting's maximum; the default is 10 a second, "
        f"the SES quota it stands for). It sleeps {1000 / bulk.rate:g} ms after each row to keep that "
        "rate, included below. Rows were new addresses, so each is one invitation: a login lookup and "
        "one transaction (token, activity, customer, login, invitation, job row, job counters, outbox "
        "message); a `Query` fetches the next 25 rows, and the job is leased and released with one "
        "`UpdateItem` each."
    )
    return request, worker
