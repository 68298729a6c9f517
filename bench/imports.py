"""Customer imports: a 10,000-row CSV dry run and commit, and the memory of a 100,000-row
dry run.

Each import is sent as the request body (``POST /admin/imports``, the request works its
half second) and then worked to its end by the import worker in process; the time and
the AWS calls cover both. The rows carry a name, a locale, a phone and an address (the
address is two more items in a created customer's transaction). The 100,000-row dry run
runs in a subprocess on its own moto, ``tracemalloc`` tracing its Python allocations
and ``VmHWM`` its whole process's peak resident set.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness.sections import Bullets, Section, Table, Verdict
from bench.harness.timing import dynamodb, scans, timed
from bench.harness.world import BenchError, World

ROWS = 10_000
BIG_ROWS = 100_000
MEMORY_LIMIT_MB = 256
ROOT = Path(__file__).resolve().parent.parent


def csv_file(rows: int, prefix: str) -> bytes:
    lines = ["email,first_name,last_name,locale,phone,address_line1,postal_code,city,country"]
    lines += [
        f"{prefix}-{i}@example.com,Ada,Lovelace {i},fr,+33 1 23 45 {i % 100:02d} 00,"
        f"{i} rue de la Paix,69001,Lyon,FR"
        for i in range(1, rows + 1)
    ]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Run:
    name: str
    rows: int
    seconds: float
    calls: dict[str, int]
    scans: int
    counts: dict[str, int]

    @property
    def per_row(self) -> float:
        return sum(self.calls.values()) / self.rows


def _import(w: World, body: bytes, query: str, name: str) -> Run:
    from chalicelib.imports import worker

    headers = {"Content-Type": "text/csv", "Authorization": f"Bearer {w.staff_secret}"}
    http = w.client.http
    with timed() as t:
        answer = http.request("POST", f"/admin/imports{query}", headers=headers, body=body)
        answered = json.loads(answer.body)
        if "import_id" not in answered:
            raise BenchError(f"POST /admin/imports answered {answer.status_code}: {answered}")
        import_id = answered["import_id"]
        while worker.work(w.container, import_id, budget=600):
            pass
    staff = {"Authorization": headers["Authorization"]}
    view = json.loads(http.request("GET", f"/admin/imports/{import_id}", headers=staff).body)
    if view.get("status") != "done":
        raise RuntimeError(f"the {name} import ended {view['status']}: {view.get('reason')}")
    calls: dict[str, int] = {}
    for call in dynamodb(t.calls):
        calls[call.operation] = calls.get(call.operation, 0) + 1
    return Run(name, ROWS, t.seconds, calls, scans(t.calls), view["counts"])


@dataclass
class Imports:
    dry: Run
    commit: Run
    memory: dict[str, Any]


def measure(w: World) -> Imports:
    import boto3

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=w.container.settings.imports_bucket)
    w.use(w.stream)
    body = csv_file(ROWS, "bench-import")
    w.say(f"imports: {ROWS:,}-row CSV ({len(body) / 1e6:.1f} MB), dry run")
    dry = _import(w, body, "?dry_run=true&invite=later", "dry run")
    w.say(f"imports: dry run {dry.seconds:.1f} s, {dry.calls}, {dry.per_row:.3f} calls a row")
    w.say("imports: the same file, committed (on_error=stop: validated, then written)")
    commit = _import(w, body, "?invite=later", "commit")
    w.say(f"imports: commit {commit.seconds:.1f} s, {commit.calls}, {commit.per_row:.3f} calls a row")
    w.say(f"imports: {BIG_ROWS:,}-row dry run in a subprocess (tracemalloc, peak resident set)")
    return Imports(dry, commit, _memory())


#: The worker's process alone: moto runs as a server in another process (as DynamoDB and S3
#: are elsewhere for the Lambda), so the peak resident set and ``tracemalloc`` see the import
#: only. The peak is the process's own ``VmHWM`` (``/proc/self/status``), not ``ru_maxrss``:
#: Linux carries a parent's resident set into its exec'd child's ``ru_maxrss`` (the bench's
#: own ~900 MB showed up as the probe's).
MEMORY_PROBE = """
import json, os, sys, time, tracemalloc
from chalicelib.imports import service, worker
from chalicelib.kernel.bootstrap import Container, StaticSecret
from chalicelib.kernel.settings import Settings
from bench.harness.world import BENCH_SETTINGS

secret = StaticSecret("bench-memory-probe-0123456789abcdef")
c = Container(settings=Settings(**BENCH_SETTINGS), secrets=secret)
import_id = sys.argv[1]
service.REQUEST_BUDGET = 0.0

def peak_rss_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

baseline = peak_rss_kib()
tracemalloc.start()
started = time.perf_counter()
service.start(c, import_id)
while worker.work(c, import_id, budget=3600):
    pass
seconds = time.perf_counter() - started
current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
view = service.view(c, import_id)
print(json.dumps({"rows": view["total_rows"], "status": view["status"], "created": view["counts"]["created"],
                  "seconds": seconds, "tracemalloc_peak_mb": peak / 2**20,
                  "maxrss_mb": peak_rss_kib() / 1024,
                  "maxrss_before_mb": baseline / 1024}))
"""


def _memory(rows: int = BIG_ROWS) -> dict[str, Any]:
    """Start a moto server, lay out the tables and the file there, then work the dry run in
    a fresh process that measures itself."""
    import os
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve = (
        "from bench.harness import moto_transactions; moto_transactions.install(); "
        f"from devtools.moto_server import main; main(['--port', '{port}'])"
    )  # moto without its whole-table copy per transaction, as in the bench's own world
    server = subprocess.Popen(
        [sys.executable, "-c", serve],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    try:
        setup = subprocess.run(
            [sys.executable, "-c", SETUP, str(rows)], cwd=ROOT, env=env, capture_output=True, text=True,
            check=False, timeout=600,
        )  # fmt: skip
        if setup.returncode != 0:
            raise RuntimeError(f"the memory probe's set-up failed:\n{setup.stderr[-2000:]}")
        import_id = setup.stdout.strip().splitlines()[-1]
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, import_id],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"the memory probe failed:\n{done.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result
    finally:
        server.terminate()
        server.wait()


SETUP = """
import os, sys, time
import boto3
from bench.harness.world import BENCH_SETTINGS
from bench.imports import csv_file
from chalicelib.imports import service
from chalicelib.kernel.bootstrap import Container, StaticSecret
from chalicelib.kernel.settings import Settings
from chalicelib.tables import create_tables

for _ in range(100):  # the server starting
    try:
        boto3.client("s3").list_buckets()
        break
    except Exception:
        time.sleep(0.1)
settings = Settings(**BENCH_SETTINGS)
create_tables(settings.TABLE_PREFIX, "us-east-1", host=os.environ["AWS_ENDPOINT_URL"], wait=False)
boto3.client("s3").create_bucket(Bucket=settings.imports_bucket)
c = Container(settings=settings, secrets=StaticSecret("bench-memory-probe-0123456789abcdef"))
import_id = service.upload_url(c, service.options({"dry_run": "true"}), "csv", "staff:bench")["import_id"]
boto3.client("s3").put_object(Bucket=settings.imports_bucket, Key=f"imports/{import_id}/file",
                              Body=csv_file(int(sys.argv[1]), "mem"))
print(import_id)
"""


def sections(result: Imports) -> list[Section]:
    runs = [result.dry, result.commit]
    table = Table(
        ["import", "rows", "wall time", "rows/s", "DynamoDB calls", "calls per row", "Scan"],
        [
            [
                r.name,
                f"{r.rows:,}",
                f"{r.seconds:.1f} s",
                f"{r.rows / r.seconds:,.0f}",
                ", ".join(f"{n} {op}" for op, n in sorted(r.calls.items())),
                f"{r.per_row:.3f}",
                str(r.scans),
            ]
            for r in runs
        ],
        "llrrlrr",
    )
    memory = result.memory
    peak, rss = memory["tracemalloc_peak_mb"], memory["maxrss_mb"]
    notes = Bullets(
        [
            f"The {BIG_ROWS:,}-row dry run: {memory['seconds']:.0f} s; Python allocations peaked "
            f"at {peak:.0f} MB (tracemalloc; the worker's process alone, moto served from another); "
            f"the process's resident set reached {rss:.0f} MB "
            f"({memory['maxrss_before_mb']:.0f} MB before the import).",
            "Calls cover the request and the worker: the dry run reads the email claims and the "
            "GDPR tombstones in one BatchGetItem each per 100 rows and writes each group's results "
            "with its progress (one TransactWriteItems); the commit validates first (on_error=stop: "
            "one transaction per 100 rows, no read), then per group of 96 rows "
            "reads the claims and the tombstones (a BatchGetItem each), takes the group's "
            "references (one UpdateItem) and writes its customers, claims, search keys, addresses, "
            "activity and events in transactions of up to 98 items (a created row is about 15).",
            "Times are on moto in process (each request atomic); DynamoDB answers a transaction "
            "in tens of ms.",
        ]
    )
    dry, commit, scanned = result.dry.per_row, result.commit.per_row, result.dry.scans + result.commit.scans
    verdicts = [
        Verdict("Import: 10,000-row dry run, DynamoDB calls per row", f"{dry:.3f}", "< 0.1", dry < 0.1),
        Verdict("Import: 10,000-row commit, DynamoDB calls per row", f"{commit:.3f}", "< 0.2", commit < 0.2),
        Verdict("Import: Scan in a 10,000-row dry run and commit", str(scanned), "0", scanned == 0),
        Verdict(
            f"Import: {BIG_ROWS:,}-row dry run, peak memory (tracemalloc / RSS)",
            f"{peak:.0f} MB / {rss:.0f} MB",
            f"< {MEMORY_LIMIT_MB} MB",
            max(peak, rss) < MEMORY_LIMIT_MB and memory["status"] == "done",
        ),
    ]  # fmt: skip
    counts = f"dry run {result.dry.counts}, commit {result.commit.counts}"
    return [Section("Customer imports", [table, notes, f"Row outcomes: {counts}."], verdicts=verdicts)]
