"""``make run`` as a new user meets it: answers like the deployed stage's, and a server that
starts again at once, dies with ``make run`` and is found by ``make mail`` on its own."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ROOT, STAFF_KEY, free_port
from tests.e2e.helpers import LocalService, local_session

pytestmark = pytest.mark.e2e

A_STAFF_SECRET = "sk_live_not-the-key-0123456789abcdef"
START_TIMEOUT = 90


def error_of(answer: requests.Response) -> dict[str, str]:
    assert answer.headers["Content-Type"].startswith("application/json")
    error: dict[str, str] = answer.json()["error"]
    return error


def test_an_unknown_route_is_a_404_in_the_envelope(local_service: LocalService) -> None:
    http = local_session()
    plain = http.get(f"{local_service.api_url}/no/such/route", timeout=5)
    with_credential = http.get(
        f"{local_service.api_url}/no/such/route",
        headers={"Authorization": f"Bearer {A_STAFF_SECRET}"},
        timeout=5,
    )
    for answer in (plain, with_credential):
        assert answer.status_code == 404
        assert error_of(answer)["code"] == "not_found"
        assert answer.headers["Cache-Control"] == "no-store"
    assert A_STAFF_SECRET not in with_credential.text  # chalice local echoed the header


def test_refused_staff_credentials_answer_in_the_envelope_and_echo_nothing(
    local_service: LocalService,
) -> None:
    http = local_session()
    url = f"{local_service.api_url}/admin/customers/c_123"
    wrong = http.get(url, headers={"Authorization": f"Bearer {A_STAFF_SECRET}"}, timeout=5)
    missing = http.get(url, timeout=5)
    assert (wrong.status_code, error_of(wrong)["code"]) == (403, "forbidden")
    assert (missing.status_code, error_of(missing)["code"]) == (401, "not_authenticated")
    assert A_STAFF_SECRET not in wrong.text and A_STAFF_SECRET not in str(wrong.headers)


def test_make_mail_finds_the_running_service_without_being_given_its_port(
    local_service: LocalService,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AWS_PORT"}
    env["LOCAL_RUN_RECORD"] = local_service.run_record
    listed = subprocess.run(
        [sys.executable, "-m", "devtools.mail", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert listed.returncode == 0, listed.stderr
    expected = local_session().get(f"{local_service.aws_url}/_local/mail", timeout=5).json()
    assert [m["message_id"] for m in json.loads(listed.stdout)][: len(expected)] == [
        m["message_id"] for m in expected
    ][: len(json.loads(listed.stdout))]


def _run(port: int, aws_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PORT": str(port),
        "AWS_PORT": str(aws_port),
        "LOCAL_STAFF_KEY": STAFF_KEY,
        "LOCAL_RUN_RECORD": str(log.parent / "local.json"),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "devtools.run_local"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _answers(url: str) -> bool:
    try:
        return local_session().get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _ready(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"run_local exited ({process.returncode}):\n{log.read_text('utf-8')}")
        if _answers(f"http://127.0.0.1:{port}/website"):
            return
        time.sleep(0.2)
    pytest.fail(f"run_local not ready in {START_TIMEOUT} s:\n{log.read_text('utf-8')}")


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _refuses(url: str) -> bool:
    try:
        local_session().get(url, timeout=1)
    except requests.ConnectionError:
        return True
    except requests.RequestException:
        return False
    return False


def test_make_run_starts_again_at_once_on_the_ports_it_just_left(tmp_path: Path) -> None:
    port, aws_port = free_port(), free_port()
    log = tmp_path / "run_local.log"
    first = _run(port, aws_port, log)
    try:
        _ready(first, port, log)
        kept = local_session()  # connections still open when it stops: TIME_WAIT on its ports
        for _ in range(3):
            kept.get(f"http://127.0.0.1:{port}/website", timeout=5)
        _end(first)
        kept.close()
        again = _run(port, aws_port, log)
        try:
            _ready(again, port, log)
        finally:
            _end(again)
    finally:
        _end(first)


def test_a_killed_make_run_takes_its_api_server_with_it(tmp_path: Path) -> None:
    port, aws_port = free_port(), free_port()
    log = tmp_path / "run_local.log"
    process = _run(port, aws_port, log)
    try:
        _ready(process, port, log)
        process.kill()  # SIGKILL: no clean-up of its own runs
        process.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _refuses(f"http://127.0.0.1:{port}/website"):
            time.sleep(0.2)
        assert _refuses(f"http://127.0.0.1:{port}/website"), "chalice local outlived make run"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever its group still holds
