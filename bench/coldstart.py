"""Cold import time of ``app.py`` beside a naive baseline, in fresh interpreters.

Each sample is a new ``python -c`` process timing its own ``import`` (the interpreter's
start-up is left out, as it is the same for both). ``PYTHONDONTWRITEBYTECODE`` is
removed from the children's environment and one untimed import runs first, so the
``.pyc`` caches are warm, as they are in a deployed Lambda package. App and baseline
samples alternate, so a busy moment on the machine hits both alike.

The app keeps clients and heavy libraries out of its import on purpose; that work is
not gone, it moves to the first requests. Each app sample therefore also times, after
the import, the function-level imports found in ``chalicelib``, then (on moto, started
untimed) what the first requests build through the app's own code: the container, the
secret fetch (Secrets Manager client), one DynamoDB read (pynamodb's client) and the
SES v2 client. These are the three clients the baseline builds at import.

``-X importtime`` then splits the app's import into what each first-party module costs
by itself and what each third-party or stdlib package it pulls in costs in total.
"""

from __future__ import annotations

import ast
import json
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "app"
BASELINE = "bench.baseline_app"
FIRST_PARTY = ("app", "chalicelib", "bench")
SNIPPET = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
APP_SNIPPET = """
import json, sys, time
t0 = time.perf_counter()
import app
t1 = time.perf_counter()
for statement in json.loads(sys.argv[1]):
    exec(statement)
t2 = time.perf_counter()

# Untimed: moto and its data, through a session of their own (botocore caches per session).
import boto3
from moto import mock_aws
from chalicelib.kernel.bootstrap import Container, use_container
from chalicelib.tables import create_tables
from chalicelib.kernel.settings import Settings
from chalicelib.identity import store as accounts

settings = Settings(**json.loads(sys.argv[2]))
mock_aws().start()
create_tables(settings.TABLE_PREFIX, "us-east-1", wait=False)
setup = boto3.Session(region_name="us-east-1")
setup.client("secretsmanager").create_secret(Name=settings.SECRET_ID, SecretString="x" * 32)

# Timed: what a cold container's first requests build, through the app's own code.
t3 = time.perf_counter()
container = Container(settings=settings)
use_container(container)
container.key("jwt")  # the secret, through the Secrets Manager client
accounts.get_customer("cus_none")  # a read, through the DynamoDB client
container.ses  # the SES v2 client
t4 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t4 - t3]))
"""
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)\s*$")


def child_env() -> dict[str, str]:
    drop = ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "AWS_ENDPOINT_URL", "AWS_PROFILE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        AWS_DEFAULT_REGION="us-east-1",  # the baseline builds clients at import
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",  # from the environment, as in Lambda: no metadata lookups
        AWS_SECRET_ACCESS_KEY="testing",
    )
    return env


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True
    )


def import_seconds(module: str) -> float:
    return float(_python("-c", SNIPPET.format(module=module)).stdout.strip())


def app_sample(deferred: list[str]) -> tuple[float, float, float]:
    """Seconds to import app, then its deferred imports, then its first secret, read and SES client."""
    from bench.scenarios import BENCH_SETTINGS

    out = _python("-c", APP_SNIPPET, json.dumps(deferred), json.dumps(BENCH_SETTINGS)).stdout
    first, second, third = json.loads(out.strip().splitlines()[-1])
    return float(first), float(second), float(third)


def deferred_imports(package: Path = ROOT / "chalicelib") -> list[str]:
    """The import statements ``chalicelib`` runs inside functions (on first use), third-party only."""
    found: set[str] = set()
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
                    module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                    if module and not _first_party(module):
                        found.add(ast.unparse(node))
    return sorted(found)


def imported_module(statement: str) -> str:
    node = ast.parse(statement).body[0]
    assert isinstance(node, ast.Import | ast.ImportFrom)
    if isinstance(node, ast.ImportFrom):
        return str(node.module)
    return node.names[0].name


@dataclass
class ImportCost:
    name: str  # a first-party module (its own time) or a package it imports (in total)
    ms: float
    kind: str  # "self" or "imports"
    importers: list[str] = field(default_factory=list)
    biggest_inside: str = ""  # the costliest other package this one pulls in


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


@dataclass
class _Node:
    name: str
    self_us: int
    cumulative_us: int
    children: list[_Node] = field(default_factory=list)


def _tree(stderr: str) -> list[_Node]:
    """Top-level nodes of an ``-X importtime`` report (children print before parents)."""
    pending: dict[int, list[_Node]] = defaultdict(list)
    for line in stderr.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        self_us, cumulative_us, indent, name = match.groups()
        depth = len(indent) // 2
        node = _Node(name, int(self_us), int(cumulative_us), pending.pop(depth + 1, []))
        pending[depth].append(node)
    return pending[0]


def _first_party(name: str) -> bool:
    return name.split(".")[0] in FIRST_PARTY


def _package(name: str) -> str:
    return name.split(".")[0]


def _costs(root: _Node) -> dict[tuple[str, str], tuple[float, set[str], dict[str, float]]]:
    """(name, kind) -> (ms, importers, ms of other packages nested inside) for one run."""
    costs: dict[tuple[str, str], tuple[float, set[str], dict[str, float]]] = {}

    def nested(node: _Node, into: dict[str, float], outer: str) -> None:
        for child in node.children:
            if _package(child.name) != outer:
                into[_package(child.name)] = into.get(_package(child.name), 0) + child.cumulative_us / 1000
            else:
                nested(child, into, outer)

    def walk(node: _Node) -> None:
        if _first_party(node.name):
            costs[(node.name, "self")] = (node.self_us / 1000, set(), {})
            for child in node.children:
                walk_child(node, child)

    def walk_child(parent: _Node, child: _Node) -> None:
        if _first_party(child.name):
            walk(child)
            return
        key = (_package(child.name), "imports")
        ms, importers, inside = costs.get(key, (0.0, set(), {}))
        nested(child, inside, _package(child.name))
        costs[key] = (ms + child.cumulative_us / 1000, importers | {parent.name}, inside)

    walk(root)
    return costs


def importtime(module: str, runs: int) -> tuple[list[ImportCost], float]:
    """The top costs of importing ``module`` (median over ``runs``), and its total in ms."""
    samples: list[dict[tuple[str, str], tuple[float, set[str], dict[str, float]]]] = []
    totals: list[float] = []
    for _ in range(runs):
        roots = [
            n for n in _tree(_python("-X", "importtime", "-c", f"import {module}").stderr) if n.name == module
        ]
        if not roots:
            raise RuntimeError(f"-X importtime printed no line for {module}")
        samples.append(_costs(roots[0]))
        totals.append(roots[0].cumulative_us / 1000)
    keys = {k for sample in samples for k in sample}
    costs = []
    for name, kind in keys:
        ms = statistics.median(s.get((name, kind), (0.0, set(), {}))[0] for s in samples)
        importers = sorted({i for s in samples for i in s.get((name, kind), (0, set(), {}))[1]})
        shares: dict[str, list[float]] = defaultdict(list)  # nested package -> share per run
        for s in samples:
            own_ms, _, nested = s.get((name, kind), (0.0, set(), {}))
            for package, nested_ms in nested.items():
                shares[package].append(nested_ms / own_ms if own_ms else 0.0)
        share = {p: statistics.median(v + [0.0] * (len(samples) - len(v))) for p, v in shares.items()}
        biggest = max(share.items(), key=lambda kv: kv[1], default=None)
        label = f"{biggest[0]} ({biggest[1]:.0%} of it)" if biggest and biggest[1] >= 0.05 else ""
        costs.append(ImportCost(name, ms, kind, importers, label))
    costs.sort(key=lambda c: -c.ms)
    return costs, statistics.median(totals)


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
