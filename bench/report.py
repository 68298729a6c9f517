"""``docs/PERFORMANCE.md``: any ``Section`` as Markdown, and the page laid out around the features'.

The page is the features' sections between a fixed head (machine, how to reproduce, every
verdict in one Targets table) and a fixed tail (method and caveats, with what each section
adds to them). Nothing here knows what a feature measured.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata

from bench.harness import moto_transactions
from bench.harness.awscalls import Recorder
from bench.harness.sections import Block, Bullets, Section, Table, Verdict
from bench.harness.world import SETTINGS_CAVEAT

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
REPRODUCE = """```sh
make bench                                       # everything below; how long it took is at the top
.venv/bin/python -m bench.run --runs 50          # more runs per operation
.venv/bin/python -m bench.run --skip-cold        # only the in-process part
.venv/bin/python -m bench.run --bulk-runs 1      # one 1,000-row bulk invitation, not 3
.venv/bin/python -m bench.run --cleanup-live 0   # skip the cleanup at scale
.venv/bin/python -m bench.run --no-write         # print the report instead of writing this file
.venv/bin/python -m bench.run --strict           # exit 1 if a target fails (for CI)
.venv/bin/python -m bench.run --only NAME --no-write   # one module of bench.run.FEATURES alone
```"""
METHOD = (
    "Calls are counted from botocore's `before-parameter-build` event, hooked through "
    "`botocore.handlers.BUILTIN_HANDLERS` before any client exists, so every client (pynamodb's, the "
    "SES and Secrets Manager ones) is seen. One count is one API round trip; a write whose condition "
    "fails still counts. `[n]` after `TransactWriteItems` is the number of items (each costs 2 WCU).",
    "Latency is in-process against moto: it shows the app's own overhead (routing, validation, "
    "JSON, logging, encryption, templates) and moto's, not network time. On AWS, add one in-region "
    "DynamoDB round trip (a few ms) per call in the DynamoDB column.",
    "The service's clock is a `ManualClock` that never moves during the run, so tokens never expire "
    "and nothing in the outbox falls due behind the bench; the 'nothing due' sweeper row relies on it. "
    "The cleanup at scale has tables, a container and a clock of its own, moved by its set-up; so "
    "has the lockout's second burst.",
    SETTINGS_CAVEAT,
    "Each DynamoDB request is atomic in moto, as in DynamoDB (`devtools.atomic_dynamodb`, which the "
    "integration tier and the local server install too): the concurrent lockout burst relies on it.",
    "In-process nothing reads the outbox table's stream: where a row or a set-up needs what the "
    "stream's sender does after a request (a task, an email), the bench reads the records moto "
    "appended to the stream and calls `jobs.send_from_stream` with them (`bench.harness.outbox`).",
    moto_transactions.CAVEAT,
)
METHOD_LAST = (
    "Logs are formatted as usual but written to `/dev/null`; metrics are flushed to `/dev/null`. "
    "After set-up, and again before each bulk run, worker run and cleanup pass, `gc.freeze()` "
    "takes moto's in-memory tables out of the garbage collector's scans, which a Lambda's "
    "small heap would not have.",
    "Per-run call lists are compared: a `varies` note in the DynamoDB column means runs did not all "
    "make the same calls (the most common pattern is shown).",
)


def table(t: Table) -> str:
    align = t.align or "l" * len(t.header)
    rule = ["---:" if a == "r" else "---" for a in align]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in (t.header, rule, *t.rows))


def block(b: Block) -> str:
    if isinstance(b, Table):
        return table(b)
    if isinstance(b, Bullets):
        return "\n".join(f"- {item}" for item in b.items)
    return b


def _empty(b: Block) -> bool:
    return b == "" or (isinstance(b, Bullets) and not b.items)


def section(s: Section, level: int = 2) -> str:
    parts = [f"{'#' * level} {s.title}", *(block(b) for b in s.body if not _empty(b))]
    parts += [section(sub, level + 1) for sub in s.subsections]
    return "\n\n".join(parts)


def verdicts(sections: Sequence[Section], recorder: Recorder) -> list[Verdict]:
    """Every section's verdicts, then the one only the whole run can give."""
    found = [v for s in sections for sub in s.walk() for v in sub.verdicts]
    scans = recorder.count("dynamodb", "Scan")
    return [*found, Verdict("Scan calls, whole bench (set-up included)", str(scans), "= 0", scans == 0)]


def failures(sections: Sequence[Section]) -> list[str]:
    return [f for s in sections for sub in s.walk() for f in sub.failures]


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
    load = []
    if load_at_start is not None:
        load = [
            f"Load average (1 min) at start {load_at_start[0]:.2f}, at end {os.getloadavg()[0]:.2f}: "
            "the machine is shared (other engineers' builds and tests run on its 2 cores), so latency "
            "figures are noisy and move with whatever else it runs; call counts do not"
        ]
    return [
        f"CPU: {cpu}, {os.cpu_count()} cores{memory}",
        *load,
        f"OS: {platform.platform()}",
        f"Python {platform.python_version()} ({sys.implementation.name})",
        ", ".join(versions),
    ]


def page(
    sections: Sequence[Section],
    recorder: Recorder,
    *,
    runs: int,
    warmup: int,
    elapsed: float,
    load_at_start: tuple[float, float, float] | None = None,
) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    totals = ", ".join(f"{s}:{op} {n}" for (s, op), n in sorted(recorder.everything.items()))
    caveats = list(dict.fromkeys(c for s in sections for sub in s.walk() for c in sub.caveats))
    targets = Table(
        ["What", "Target", "Measured", "Result"],
        [[v.name, v.target, v.measured, v.mark] for v in verdicts(sections, recorder)],
    )
    head = [
        Section("Machine", [Bullets(machine(load_at_start))]),
        Section("How to reproduce", [REPRODUCE]),
        Section("Targets", [targets]),
        Section(
            "How each operation is measured",
            [
                "In-process: `chalice.test.Client` on moto's `mock_aws`, as the integration tier runs "
                f"the app. Warm: {warmup} warm-up runs, then {runs} measured runs per operation (unless "
                "a row's note says otherwise). Email-sending operations run with `MAIL_DISPATCH=stream` "
                "(the request's own calls; the email leaves through the outbox stream's sender, "
                "measured under Mail, and a deferred task's work after the answer is measured under "
                "No enumeration) unless marked inline. Each feature's section lists its "
                "operations, then what it measured at scale."
            ],
        ),
    ]
    tail = Section(
        "Method and caveats",
        [
            Bullets(
                [
                    *METHOD,
                    *caveats,
                    *METHOD_LAST,
                    f"Every AWS call the bench process made (set-up included): {totals}.",
                ]
            )
        ],
    )
    written = (
        f"_Written by `make bench` on {now} in {elapsed:.0f} s. Rerun it to refresh; do not edit by hand._"
    )
    parts = ["# Performance", written, *(section(s) for s in (*head, *sections, tail))]
    return "\n\n".join(parts) + "\n"
