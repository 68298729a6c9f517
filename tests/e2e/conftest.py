"""Slow tiers: the real local service (``python -m devtools.run_local``) over HTTP.

One service per session, on free ports (never 8000/5000, which a developer's ``make run``
may hold), with known staff and storefront keys; a second one, its storefront on another origin, only
for the tests that ask for it. Their output goes to a log file, shown when one fails to start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.run_local import PORT_TAKEN
from tests.e2e.browser import browser, page  # noqa: F401  (the browser tier's fixtures)
from tests.e2e.helpers import Api, LocalService, Mailbox, local_session

ROOT = Path(__file__).resolve().parents[2]
STAFF_KEY = "e2e-staff-key-0123456789abcdef"
STOREFRONT_KEY = "e2e-storefront-key-0123456789abcdef"
START_TIMEOUT = 90
ATTEMPTS = 3  # a picked port can be taken before the service binds it


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return local_session().get(url, timeout=1).status_code == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # run_local stops chalice and moto itself
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _start(
    log: Path, storefront_host: str | None, stage: str | None = None, aws_port: int | None = None
) -> tuple[subprocess.Popen[bytes], LocalService] | None:
    """Start the service on fresh ports; None if a port was taken meanwhile. ``stage`` is a
    local stage (``LOCAL_STAGE``); ``aws_port`` a moto server already running to share."""
    port = free_port()
    aws_port = aws_port or free_port()
    while aws_port == port:
        port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "AWS_PORT": str(aws_port),
        "LOCAL_STAFF_KEY": STAFF_KEY,
        "LOCAL_STOREFRONT_KEY": STOREFRONT_KEY,
        # every test calls from 127.0.0.1: one source for the whole session
        "LOCAL_SOURCE_BUDGET_PER_MINUTE": "10000",
        "LOCAL_SOURCE_BUDGET_PER_HOUR": "100000",
        "PYTHONUNBUFFERED": "1",
        "LOCAL_RUN_RECORD": str(log.parent / "local.json"),  # not the developer's `make run`'s
    }
    if stage:
        env["LOCAL_STAGE"] = stage
    if storefront_host:
        env["LOCAL_STOREFRONT_URL"] = f"http://{storefront_host}:{port}/website"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "devtools.run_local"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    api_url, aws_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{aws_port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if process.returncode == PORT_TAKEN:
                return None
            pytest.fail(f"devtools.run_local exited ({process.returncode}):\n{log.read_text('utf-8')}")
        if _answers(f"{api_url}/website") and _answers(f"{aws_url}/_local/mail"):
            website = local_session().get(f"{api_url}/website", timeout=5).json()
            service = LocalService(
                api_url,
                aws_url,
                website["storefront_url"],
                STAFF_KEY,
                STOREFRONT_KEY,
                env["LOCAL_RUN_RECORD"],
            )
            return process, service
        time.sleep(0.2)
    _stop(process)
    pytest.fail(f"devtools.run_local not ready in {START_TIMEOUT} s:\n{log.read_text('utf-8')}")


def _serve(
    log: Path, storefront_host: str | None = None, stage: str | None = None, aws_port: int | None = None
) -> Iterator[LocalService]:
    for _ in range(ATTEMPTS):
        started = _start(log, storefront_host, stage, aws_port)
        if started is not None:
            break
    else:
        pytest.fail(f"no free ports after {ATTEMPTS} attempts:\n{log.read_text('utf-8')}")
    process, service = started
    try:
        yield service
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def local_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    """``make run`` as a developer gets it: the ``local`` stage, API and moto on free ports."""
    yield from _serve(tmp_path_factory.mktemp("run_local") / "run_local.log")


@pytest.fixture(scope="session")
def cross_origin_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    """The same, its storefront on another origin (``localhost``), as on AWS: pages on
    ``accounts.shop.example`` redirect to ``www.shop.example``."""
    yield from _serve(tmp_path_factory.mktemp("run_local") / "run_local.log", storefront_host="localhost")


@pytest.fixture(scope="module")
def own_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    """A service for one test module alone, for tests that flood it (the fuzzer): the other
    tests neither see its thousands of records and emails nor add to them."""
    yield from _serve(tmp_path_factory.mktemp("run_local") / "run_local.log")


@pytest.fixture(scope="session")
def mailbox(local_service: LocalService) -> Mailbox:
    return Mailbox(local_service.aws_url)


@pytest.fixture
def api(local_service: LocalService, mailbox: Mailbox) -> Api:
    return Api(local_service, mailbox)
