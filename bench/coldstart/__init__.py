"""Cold import: ``app.py`` beside a naive baseline, each in fresh interpreters.

The naive baseline (``bench/baseline_app.py``) is the same kind of app written without
lazy clients: one Chalice route and the three boto3 clients the service uses (DynamoDB,
SES v2, Secrets Manager) built at import. App and baseline samples alternate, so a busy
moment on the machine hits both alike; one untimed import of each runs first, so the
``.pyc`` caches are warm, as they are in a deployed Lambda package.

The app keeps clients and heavy libraries out of its import on purpose; that work is
not gone, it moves to the first requests. Each app sample therefore also times, after
the import, the function-level imports found in ``chalicelib``, then (on moto, started
untimed) what the first requests build through the app's own code: the container, the
secret fetch (Secrets Manager client), one DynamoDB read (pynamodb's client) and the
SES v2 client. These are the three clients the baseline builds at import.

``-X importtime`` then splits the app's import (``bench.coldstart.importtime``).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from bench.coldstart.importtime import ImportCost, importtime
from bench.coldstart.interpreters import app_sample, deferred_imports, import_seconds, imported_module
from bench.harness.sections import Section, Table, Verdict

APP = "app"
BASELINE = "bench.baseline_app"  # top-level in bench: importing it imports nothing else of the bench
LIMIT, AIM = 1.5, 1.2  # app / baseline
TOP = 10  # rows of the -X importtime table


@dataclass
class ColdStart:
    app_seconds: list[float]
    baseline_seconds: list[float]
    offenders: list[ImportCost]
    app_importtime_ms: float
    deferred: list[str]  # import statements chalicelib runs on first use
    deferred_seconds: list[float]  # importing them, after app
    client_seconds: list[float]  # container, secret fetch, one read, SES client (on moto)

    @property
    def deferred_ms(self) -> float:
        return statistics.median(self.deferred_seconds) * 1000

    @property
    def clients_ms(self) -> float:
        return statistics.median(self.client_seconds) * 1000

    @property
    def app_ms(self) -> float:
        return statistics.median(self.app_seconds) * 1000

    @property
    def baseline_ms(self) -> float:
        return statistics.median(self.baseline_seconds) * 1000

    @property
    def ratio(self) -> float:
        return self.app_ms / self.baseline_ms


def measure(runs: int, importtime_runs: int, say: Callable[[str], None]) -> ColdStart:
    say(f"cold import: warming .pyc caches, then {runs} fresh interpreters each for app and baseline")
    deferred = deferred_imports()
    app_sample(deferred)
    import_seconds(BASELINE)
    app_samples: list[tuple[float, float, float]] = []
    baseline_samples: list[float] = []
    for i in range(runs):
        app_samples.append(app_sample(deferred))
        baseline_samples.append(import_seconds(BASELINE))
        if (i + 1) % 5 == 0 or i + 1 == runs:
            app_ms = statistics.median(a[0] for a in app_samples) * 1000
            base_ms = statistics.median(baseline_samples) * 1000
            say(f"  {i + 1}/{runs}: app {app_ms:.0f} ms, baseline {base_ms:.0f} ms (medians so far)")
    say(f"cold import: -X importtime of app, {importtime_runs} runs")
    offenders, total_ms = importtime(APP, importtime_runs)
    return ColdStart(
        [a[0] for a in app_samples],
        baseline_samples,
        offenders,
        total_ms,
        deferred,
        [a[1] for a in app_samples],
        [a[2] for a in app_samples],
    )


def verdict(cold: ColdStart) -> Verdict:
    aim = "aim met" if cold.ratio <= AIM else f"aim {AIM}x not met"
    return Verdict(
        "Cold import of app.py vs the naive baseline (Chalice + 3 boto3 clients built at import)",
        f"{cold.ratio:.2f}x ({aim})",
        f"≤ {LIMIT}x",
        cold.ratio <= LIMIT,
    )


def sections(cold: ColdStart | None) -> list[Section]:
    if cold is None:
        return [Section("Cold import", ["_Skipped (`--skip-cold`)._"])]

    naive = f"`{BASELINE}`: the naive baseline (Chalice + 3 boto3 clients at import)"

    def row(name: str, samples: list[float]) -> list[str]:
        ms = sorted(s * 1000 for s in samples)
        return [name, f"{ms[len(ms) // 2]:.0f}", f"{ms[0]:.0f}", f"{ms[-1]:.0f}", str(len(ms))]

    summary = Table(
        ["Import", "median ms", "min ms", "max ms", "runs"],
        [
            row("`app` (app.py)", cold.app_seconds),
            row(naive, cold.baseline_seconds),
        ],
        "lrrrr",
    )
    later = cold.app_ms + cold.deferred_ms + cold.clients_ms
    deferred = ", ".join(f"`{m}`" for m in sorted({imported_module(d) for d in cold.deferred}))
    offenders = Table(
        ["Import", "ms", "Imported by", "Largest package inside"],
        [
            [
                f"`{cost.name}` (own code)" if cost.kind == "self" else f"`{cost.name}`",
                f"{cost.ms:.1f}",
                ", ".join(f"`{i}`" for i in cost.importers),
                cost.biggest_inside,
            ]
            for cost in cold.offenders[:TOP]
        ],
        "lrll",
    )
    return [
        Section(
            "Cold import",
            [
                "How long a new Lambda container takes to import the app, beside a **naive baseline**: "
                f"`{BASELINE}` is the same kind of app written without lazy clients, one Chalice route "
                "and the three boto3 clients the service uses (DynamoDB, SES v2, Secrets Manager) built "
                "at import, as many apps do. The ratio shows what keeping clients and heavy libraries "
                "out of the import buys. Each sample is a fresh interpreter timing its own import "
                "(interpreter start-up left out, `.pyc` caches warm); app and baseline samples alternate.",
                summary,
                f"**Ratio app / baseline: {cold.ratio:.2f}x** (target ≤ {LIMIT}x, aim {AIM}x).",
                "Not in that figure, by design: work the app defers to its first requests, timed in the "
                "same fresh interpreters right after the import (medians). Function-level imports of "
                f"`chalicelib` ({deferred}): **{cold.deferred_ms:.0f} ms**. Then, through the app's own "
                "code on moto: a new container, the first secret fetch, one DynamoDB read and the SES v2 "
                f"client, which builds the three clients the baseline builds at import: "
                f"**{cold.clients_ms:.0f} ms**. Import plus all of it: {later:.0f} ms "
                f"({later / cold.baseline_ms:.2f}x the baseline's import). Which part a cold container "
                "pays depends on its first request: a sign-in needs argon2, PyJWT, email-validator, "
                "Powertools parameters and two clients; the outbox sender needs cryptography, Jinja2 and "
                "all three.",
                f"Top {TOP} costs of `import app` (`-X importtime`, median of runs; total "
                f"{cold.app_importtime_ms:.0f} ms under importtime's own overhead). A first-party module "
                "counts its own code; a package counts everything it pulls in, charged to the "
                "first-party module that imported it first.",
                offenders,
            ],
            verdicts=[verdict(cold)],
        )
    ]
