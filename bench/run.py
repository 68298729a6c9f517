"""``make bench``: DynamoDB calls and latency per operation, argon2id, cold import.

Prints the figures as Markdown tables and writes them to ``docs/PERFORMANCE.md``.
Exits 1 if a DynamoDB ``Scan`` was seen, an operation misbehaved or the cleanup removed a
live record; with ``--strict``, also if any target fails.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import warnings
from pathlib import Path

# Before anything can create a botocore session: every client must carry the counter.
from bench.harness import awscalls

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
    parser.add_argument("--no-write", action="store_true", help="print only; leave the report file alone")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any target fails")
    args = parser.parse_args(argv)
    if min(args.warmup, args.import_runs, args.importtime_runs, args.bulk_runs) < 1 or args.runs < 2:
        parser.error("--runs must be at least 2, the other counts at least 1")
    if args.cleanup_live < 0:
        parser.error("--cleanup-live must be 0 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_at_start = os.getloadavg()
    os.chdir(ROOT)  # chalice.test.Client reads .chalice/config.json from here
    out = sys.stdout

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=out, flush=True)

    from bench import coldstart, report, scenarios

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from chalicelib.kernel.observability import logger

    handler = logger.registered_handler
    original_stream = getattr(handler, "stream", None)
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        handler.setStream(devnull)  # type: ignore[attr-defined]  # logs formatted, not shown
        say("argon2id: timing one hash and one verify")
        argon2 = scenarios.time_argon2()
        say(f"  hash {argon2['hash_ms']:.1f} ms, verify {argon2['verify_ms']:.1f} ms")
        try:
            with contextlib.redirect_stdout(devnull):  # EMF metrics are printed
                measured = scenarios.run_all(args.runs, args.warmup, say, args.bulk_runs, args.cleanup_live)
        except scenarios.BenchError as e:
            say(f"FAILED: {e}")
            return 1
        finally:
            handler.setStream(original_stream)  # type: ignore[attr-defined]

    if RECORDER.count("dynamodb") == 0:
        say("FAILED: no DynamoDB call was counted; the counter was installed too late")
        return 1

    cold = None if args.skip_cold else coldstart.measure(args.import_runs, args.importtime_runs, say)
    elapsed = time.perf_counter() - started
    text = report.markdown(measured, RECORDER, argon2, cold, args.runs, args.warmup, elapsed, load_at_start)
    print("\n" + text, file=out)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        say(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")

    found = report.verdicts(measured, RECORDER, cold)
    for verdict in found:
        say(f"{verdict.mark}  {verdict.label}: {verdict.measured} (rule {verdict.rule})")
    if RECORDER.count("dynamodb", "Scan"):
        say("FAILED: the service made DynamoDB Scan calls")
        return 1
    if measured.cleanup is not None and measured.cleanup.lost_live():
        say(f"FAILED: the cleanup removed {measured.cleanup.lost_live()} live records")
        return 1
    if args.strict and not all(v.passed for v in found):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
