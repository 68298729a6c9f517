"""``make bench``: DynamoDB calls and latency per operation, feature by feature; argon2id; cold import.

Writes the figures to ``docs/PERFORMANCE.md`` and prints a short summary: the verdicts and
where the report went (with ``--no-write``, the whole report instead). Exits 1 if a
DynamoDB ``Scan`` was seen, an operation misbehaved or the cleanup removed a live record;
with ``--strict``, also if any target fails.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Before anything can create a botocore session: every client must carry the counter.
from bench.harness import awscalls
from bench.harness.sections import Section  # plain data: no botocore in it

RECORDER = awscalls.install()

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "PERFORMANCE.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--runs",
        type=int,
        default=int(os.environ.get("BENCH_RUNS", 40)),
        help="measured runs per operation (default 40)",
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed runs before each operation (default 3)"
    )
    parser.add_argument(
        "--import-runs", type=int, default=15, help="fresh interpreters per cold import (default 15)"
    )
    parser.add_argument("--importtime-runs", type=int, default=5, help="-X importtime samples (default 5)")
    parser.add_argument(
        "--bulk-runs",
        type=int,
        default=3,
        help="1,000-row POST /admin/invitations runs, each finished by the worker (default 3)",
    )
    parser.add_argument(
        "--cleanup-live",
        type=int,
        default=10_000,
        help="live customers in the cleanup-at-scale table (default 10,000; 0 skips that part)",
    )
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold import part")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown report path")
    parser.add_argument(
        "--no-write", action="store_true", help="print the report instead of writing it to --output"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 if any target fails")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated modules of FEATURES to measure alone (no cold import), e.g. --only backoffice",
    )
    args = parser.parse_args(argv)
    if min(args.warmup, args.import_runs, args.importtime_runs, args.bulk_runs) < 1 or args.runs < 2:
        parser.error("--runs must be at least 2, the other counts at least 1")
    if args.cleanup_live < 0:
        parser.error("--cleanup-live must be 0 or more")
    return args


#: bench modules (``bench.<name>``) with ``measure(world)`` and ``sections(result)``,
#: measured after the first features and shown in this order
FEATURES: tuple[str, ...] = ("imports", "codes", "privacy", "companies", "events", "backoffice", "erp")


def measure_more(names: Sequence[str], world: Any) -> list[Section]:
    found: list[Section] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        found += module.sections(module.measure(world))
    return found


def measure_features(args: argparse.Namespace, say: Callable[[str], None]) -> list[Section]:
    """Every feature in one moto world, in turn; their sections in the report's order."""
    from bench import checkout, cleanup, cost, identity, invitations, mail, portal, security
    from bench.harness.world import World
    from bench.portal.routes import READ_KEYS

    world = World(args.runs, args.warmup, say)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(names) - set(FEATURES))
        if unknown:
            raise SystemExit(f"--only: not in bench.run.FEATURES: {', '.join(unknown)}")
        try:
            return measure_more(names, world)
        finally:
            world.close()
    try:
        signed = identity.measure(world)
        sent = mail.measure(world)
        guests = checkout.measure(world)
        own = portal.measure(world)
        invited = invitations.measure(world, args.bulk_runs)
        secured = security.measure(world)
        scale = cleanup.measure(world, args.cleanup_live) if args.cleanup_live else None
        more = measure_more(FEATURES, world)
    finally:
        world.close()
    priced = cost.measure([*signed.results, *sent, *guests, *own.reads, *own.writes])
    chart = None if args.no_write else args.output.parent / cost.CHART
    return [
        *identity.sections(signed),
        *mail.sections(sent),
        *checkout.sections(guests),
        *portal.sections(own, beside=signed.result("me")),
        *invitations.sections(invited),
        *security.sections(secured, [r for r in own.reads if r.key in READ_KEYS], signed.result("me")),
        *(cleanup.sections(scale) if scale is not None else []),
        *more,
        *cost.sections(priced, chart),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_at_start = os.getloadavg()
    os.chdir(ROOT)  # chalice.test.Client reads .chalice/config.json from here
    out = sys.stdout

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=out, flush=True)

    from bench import coldstart, report
    from bench.harness.world import BenchError

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from chalicelib.kernel.observability import logger

    handler = logger.registered_handler
    original_stream = getattr(handler, "stream", None)
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        handler.setStream(devnull)  # type: ignore[attr-defined]  # logs formatted, not shown
        try:
            with contextlib.redirect_stdout(devnull):  # EMF metrics are printed
                sections = measure_features(args, say)
        except BenchError as e:
            say(f"FAILED: {e}")
            return 1
        finally:
            handler.setStream(original_stream)  # type: ignore[attr-defined]

    if RECORDER.count("dynamodb") == 0:
        say("FAILED: no DynamoDB call was counted; the counter was installed too late")
        return 1

    skip_cold = args.skip_cold or args.only
    cold = None if skip_cold else coldstart.measure(args.import_runs, args.importtime_runs, say)
    sections += coldstart.sections(cold)
    elapsed = time.perf_counter() - started
    text = report.page(
        sections, RECORDER, runs=args.runs, warmup=args.warmup, elapsed=elapsed, load_at_start=load_at_start
    )
    if args.no_write:
        print("\n" + text, file=out)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")

    found = report.verdicts(sections, RECORDER)
    for verdict in found:
        say(f"{verdict.mark}  {verdict.name}: {verdict.measured} (target {verdict.target})")
    failed = report.failures(sections)
    if RECORDER.count("dynamodb", "Scan"):
        failed.append("the service made DynamoDB Scan calls")
    for failure in failed:
        say(f"FAILED: {failure}")
    passed = sum(v.ok for v in found)
    where = "printed above" if args.no_write else f"written to {_shown(args.output)}"
    say(f"{passed} of {len(found)} targets met in {elapsed:.0f} s; the report is {where}")
    if failed or (args.strict and passed < len(found)):
        return 1
    return 0


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


if __name__ == "__main__":
    sys.exit(main())
