"""Fresh interpreters for the cold import: the child environment, one timed import, one app sample.

Each sample is a new ``python -c`` process timing its own ``import`` (the interpreter's
start-up is left out, as it is the same for both). ``PYTHONDONTWRITEBYTECODE`` is
removed from the children's environment, so the ``.pyc`` caches can be warm, as they are
in a deployed Lambda package.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.harness.world import BENCH_SETTINGS, ROOT

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


def python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True
    )


def import_seconds(module: str) -> float:
    return float(python("-c", SNIPPET.format(module=module)).stdout.strip())


def app_sample(deferred: list[str]) -> tuple[float, float, float]:
    """Seconds to import app, then its deferred imports, then its first secret, read and SES client."""
    out = python("-c", APP_SNIPPET, json.dumps(deferred), json.dumps(BENCH_SETTINGS)).stdout
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
                    if module and not first_party(module):
                        found.add(ast.unparse(node))
    return sorted(found)


def imported_module(statement: str) -> str:
    node = ast.parse(statement).body[0]
    assert isinstance(node, ast.Import | ast.ImportFrom)
    if isinstance(node, ast.ImportFrom):
        return str(node.module)
    return node.names[0].name


def first_party(name: str) -> bool:
    return name.split(".")[0] in FIRST_PARTY
