"""``make run``: the whole service on this machine, with moto standing in for AWS.

1. moto's server (with ``GET /_local/mail``) on ``127.0.0.1:${AWS_PORT:-5000}``, in a
   thread of this process; one already running there (``python -m devtools.moto_server``)
   is reused, data and all;
2. the local stage's tables, secret, sender identity, a staff key and a storefront key
   (``devtools.local_setup``);
3. ``chalice local --stage local`` on ``127.0.0.1:${PORT:-8000}`` in a subprocess, through
   ``devtools.chalice_local`` so that concurrent connections are all accepted;
4. the outbox table's stream (emails and deferred tasks) and the customers table's stream
   handed to the same handlers as on AWS (``devtools.local_streams``);
5. the outbox sweeper, the invitation and erasure workers every few seconds, and the cleanup
   every few minutes, as the schedules do on AWS;
6. the local storefront (``devtools.storefront``) on ``/storefront`` of the API's port, where
   the hosted pages redirect: a new user clicks through every email flow in a browser.

Environment: ``LOCAL_STAGE`` (default ``local``; ``local-brand-a`` and ``local-brand-b``
are two websites of one pool: start the second with another ``PORT`` and the same
``AWS_PORT``), ``PORT``, ``AWS_PORT``, ``LOCAL_STAFF_KEY`` (the staff key's secret, else
a new one is printed), ``LOCAL_STOREFRONT_KEY`` (the same for the storefront key),
``LOCAL_STOREFRONT_URL`` (where pages redirect and emails point for the shop, e.g. a
storefront you serve locally; default: the stage's, on ``PORT``),
``LOCAL_SOURCE_BUDGET_PER_MINUTE`` and ``LOCAL_SOURCE_BUDGET_PER_HOUR`` (every local caller
is 127.0.0.1: the e2e tier raises them; default: the stage's).

Ctrl-C (or SIGTERM) stops everything. ``chalice local`` writes the stage's environment
over its own, so when ``PORT`` is not the one in ``.chalice/config.json`` the emailed
links would point at the wrong port: it runs from a throw-away project directory whose
config has the local URLs on the real port (``app.py`` and ``chalicelib`` are symlinks).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

from devtools import local_run
from devtools.local_setup import (
    REGION,
    STAGE,
    SetupResult,
    local_environ,
    set_up,
    stage_settings,
    use_local_aws,
)
from devtools.local_streams import StreamReader
from devtools.moto_server import HOST, MAIL_PATH, LocalAwsServer

ROOT = Path(__file__).resolve().parent.parent
CLEANUP_ROUNDS = 60  # about every 5 minutes
SWEEP_SECONDS = 5
START_TIMEOUT = 60


class StartupError(Exception):
    """The local service could not start; the message says why and what to do."""


class PortTaken(StartupError):
    """A port we need is taken (exit code ``PORT_TAKEN``, so a caller may pick others)."""


PORT_TAKEN = 3


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def port_is_free(port: int) -> bool:
    """Can a server listen on ``port``? As servers bind (``SO_REUSEADDR``): the connections
    of a server that just stopped, in ``TIME_WAIT`` for a minute, do not make it taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


#: Local servers only: never through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str, timeout: float = 2) -> tuple[int, bytes] | None:
    """Status and body of a GET, or None when nothing answers."""
    try:
        with _OPENER.open(url, timeout=timeout) as answer:
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (OSError, ValueError):
        return None


def is_local_moto(aws_port: int) -> bool:
    """Does our moto server (the one with the mailbox) answer on ``aws_port``?"""
    answer = _get(f"http://{HOST}:{aws_port}{MAIL_PATH}")
    if answer is None or answer[0] != 200:
        return False
    try:
        return isinstance(json.loads(answer[1]), list)
    except ValueError:
        return False


def start_moto(aws_port: int) -> LocalAwsServer | None:
    """A new moto server, or None when ours is already running on ``aws_port``."""
    if is_local_moto(aws_port):
        say(f"moto already running on {HOST}:{aws_port}: reusing it (its tables and emails stay)")
        return None
    if not port_is_free(aws_port):
        raise PortTaken(f"port {aws_port} is taken by something else; run with AWS_PORT=<free port>")
    say(f"starting moto (embedded AWS) on {HOST}:{aws_port}")
    return LocalAwsServer(aws_port).start()


def chalice_project(stage_env: dict[str, str], directory: Path) -> Path:
    """A project directory for ``chalice local`` whose local stage has ``stage_env``."""
    from chalicelib.kernel.stage_config import load_config

    config = load_config()
    stage = config["stages"][STAGE]
    stage["environment_variables"] = {**stage.get("environment_variables", {}), **stage_env}
    (directory / ".chalice").mkdir(parents=True, exist_ok=True)
    (directory / ".chalice" / "config.json").write_text(json.dumps(config, indent=2), "utf-8")
    for name in ("app.py", "chalicelib"):
        (directory / name).symlink_to(ROOT / name)
    return directory


def chalice_command() -> list[str]:
    """``chalice`` with a listen backlog for concurrent clients (``devtools.chalice_local``)."""
    if importlib.util.find_spec("chalice") is None:
        raise StartupError("chalice is not installed; run `make install`")
    return [sys.executable, "-m", "devtools.chalice_local"]


def start_chalice(project: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    say(f"starting chalice local on {HOST}:{port}")
    command = [*chalice_command(), "--project-dir", str(project), "local", "--stage", STAGE]
    command += ["--host", HOST, "--port", str(port), "--no-autoreload"]
    # Its own session: Ctrl-C reaches only this process, which then stops chalice quietly.
    # From the repository, where ``devtools`` is importable; the app comes from ``project``.
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def wait_for_api(api_url: str, chalice: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if chalice.poll() is not None:
            raise StartupError(f"chalice local exited with code {chalice.returncode} (see above)")
        answer = _get(f"{api_url}/website", timeout=1)
        if answer is not None and answer[0] == 200:
            return
        time.sleep(0.2)
    raise StartupError(f"chalice local did not answer on {api_url} within {START_TIMEOUT} s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


SIGNUP_EXAMPLE = {"email": "ada@example.com", "password": "correct horse battery staple", "name": "Ada"}
GUEST_EXAMPLE = {"email": "gus@example.com", "name": "Gus"}


def banner(api_url: str, aws_url: str, storefront_url: str, setup: SetupResult) -> str:
    key_note = "from $LOCAL_STAFF_KEY" if setup.staff_key_from_env else "new; set LOCAL_STAFF_KEY to keep one"
    staff_call = f"curl -H 'Authorization: Bearer {setup.staff_key}' {api_url}/admin/customers/<id>"
    checkout_call = (
        f"curl -H 'X-Storefront-Key: {setup.storefront_key}' -H 'Content-Type: application/json' "
        f"-d '{json.dumps(GUEST_EXAMPLE)}' {api_url}/guests"
    )
    shop_note = (
        "from $LOCAL_STOREFRONT_KEY"
        if setup.storefront_key_from_env
        else "new; set LOCAL_STOREFRONT_KEY to keep one"
    )
    return f"""
  Customer accounts service, stage {STAGE}
  API          {api_url}
  AWS (moto)   {aws_url}
  storefront   {storefront_url}/   (the local shop: sign up, sign in, checkout, emails;
               set LOCAL_STOREFRONT_URL to use yours)
  staff key    {setup.staff_key}   ({key_note})
               {staff_call}
  storefront key (X-Storefront-Key: the storefront's server only, never a browser)
               {setup.storefront_key}   ({shop_note})
               {checkout_call}
  emails       make mail   (or {aws_url}{MAIL_PATH})
  events       make events (lifecycle events on the local EventBridge bus)

  Sign up:
    curl -i -X POST {api_url}/signup -H 'Content-Type: application/json' \\
      -d '{json.dumps(SIGNUP_EXAMPLE)}'

  Failed emails are retried every {SWEEP_SECONDS} s. Code changes need a restart.
  Ctrl-C stops everything.
"""


def sweep_forever(stage_env: dict[str, str], chalice: subprocess.Popen[bytes]) -> None:
    """Every few seconds, as the schedules do on AWS: retry due emails, advance bulk invitations
    and customer imports."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.cleanup.service import run as cleanup
    from chalicelib.events import sweep as sweep_webhooks
    from chalicelib.imports.worker import advance_open as advance_imports
    from chalicelib.invitations.jobs import advance_open_jobs
    from chalicelib.kernel.bootstrap import Container
    from chalicelib.kernel.errors import DomainError
    from chalicelib.kernel.observability import flush_metrics
    from chalicelib.kernel.settings import load_settings
    from chalicelib.mail.outbox import sweep
    from chalicelib.privacy import advance_open as advance_erasures

    container = Container(settings=load_settings(stage_env))
    readers = start_stream_readers(container, stage_env)
    rounds = 0
    while chalice.poll() is None:
        time.sleep(SWEEP_SECONDS)
        rounds += 1
        try:
            outcomes = sweep(container)
            hooks = sweep_webhooks(container)
            if hooks:
                say(f"webhook sweep: {hooks}")
            rows = advance_open_jobs(container, budget=SWEEP_SECONDS)
            if erasures := advance_erasures(container, budget=SWEEP_SECONDS):
                say(f"erasure worker: {erasures} erasures")
            imported = advance_imports(container, budget=SWEEP_SECONDS)
            if rounds % CLEANUP_ROUNDS == 0:  # the hourly cleanup, every few minutes here
                removed = cleanup(container, budget=SWEEP_SECONDS)["removed"]
                if removed:
                    say(f"cleanup: {removed}")
        except (DomainError, BotoCoreError, ClientError) as e:  # moto hiccup: try again next round
            say(f"outbox sweep failed: {e}")
            continue
        if rows:
            say(f"invitation worker: {rows} rows")
        if imported:
            say(f"import worker: {imported} rows")
        if outcomes:
            say(f"outbox sweep: {outcomes}")
            flush_metrics()
        for reader in readers:
            while reader.errors:
                say(f"{reader.name} failed, the sweeper retries: {reader.errors.pop(0)}")
    for reader in readers:
        reader.stop()
    raise StartupError(f"chalice local stopped (exit code {chalice.returncode})")


def start_stream_readers(container: Any, stage_env: dict[str, str]) -> list[StreamReader]:
    """The outbox stream to its sender, the customers stream to ``customer_removed``."""
    import app  # noqa: F401  (as each Lambda loads app.py: every feature, so every task's handler)
    from chalicelib import jobs
    from chalicelib.events import LifecycleEvent
    from chalicelib.identity import Customer
    from chalicelib.kernel.bootstrap import use_container
    from chalicelib.mail import OutboxMessage

    use_container(container)  # the handlers' get_container(): this stage's, as in its Lambdas
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    readers = [
        StreamReader(Customer.Meta.table_name, jobs.remove_children, REGION, endpoint),
        StreamReader(LifecycleEvent.Meta.table_name, jobs.publish_events, REGION, endpoint),
    ]
    if stage_env.get("MAIL_DISPATCH") == "stream":
        readers.append(StreamReader(OutboxMessage.Meta.table_name, jobs.send_from_stream, REGION, endpoint))
    for reader in readers:
        reader.start()
    return readers


def _interrupt(signum: int, frame: FrameType | None) -> Any:
    raise KeyboardInterrupt


def run(
    port: int,
    aws_port: int,
    staff_secret: str | None,
    storefront_url: str | None = None,
    storefront_secret: str | None = None,
) -> None:
    if port == aws_port:
        raise StartupError("PORT and AWS_PORT must differ")
    from chalicelib.kernel.stage_config import stage_names

    if not STAGE.startswith("local") or STAGE not in stage_names():
        local = [n for n in stage_names() if n.startswith("local")]
        raise StartupError(f"LOCAL_STAGE={STAGE!r} is not a local stage; one of: {', '.join(local)}")
    if not port_is_free(port):
        raise PortTaken(f"port {port} is in use (another `make run`?); run with PORT=<free port>")
    moto = start_moto(aws_port)
    chalice: subprocess.Popen[bytes] | None = None
    directory = tempfile.TemporaryDirectory(prefix="chalice-local-")
    try:
        use_local_aws(aws_port)
        aws_url, api_url = f"http://{HOST}:{aws_port}", f"http://{HOST}:{port}"
        stage_env = stage_settings(port, storefront_url)
        say("creating tables, secret, sender identity, staff and storefront keys")
        setup = set_up(stage_env, aws_url, staff_secret, storefront_secret)
        project = chalice_project(stage_env, Path(directory.name))
        storefront_env = {  # the local storefront's server side (devtools.storefront)
            "LOCAL_API_URL": api_url,
            "LOCAL_AWS_URL": aws_url,
            "LOCAL_STOREFRONT_KEY": setup.storefront_key,
        }
        chalice = start_chalice(
            project, port, {**local_environ(dict(os.environ), aws_port), **storefront_env}
        )
        wait_for_api(api_url, chalice)
        local_run.record(port, aws_port)
        print(banner(api_url, aws_url, stage_env["STOREFRONT_URL"], setup), flush=True)
        sweep_forever(stage_env, chalice)
    finally:
        for name in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not orphan chalice
            signal.signal(name, signal.SIG_IGN)
        local_run.forget()
        if chalice is not None:
            stop_process(chalice)
        directory.cleanup()
        if moto is not None:
            moto.stop()


def main() -> int:
    from chalicelib.kernel.errors import DomainError

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    port = int(os.environ.get("PORT") or 8000)
    aws_port = int(os.environ.get("AWS_PORT") or 5000)
    try:
        run(
            port,
            aws_port,
            staff_secret=os.environ.get("LOCAL_STAFF_KEY") or None,
            storefront_url=os.environ.get("LOCAL_STOREFRONT_URL") or None,
            storefront_secret=os.environ.get("LOCAL_STOREFRONT_KEY") or None,
        )
    except KeyboardInterrupt:
        say("stopped")
        return 0
    except PortTaken as e:
        say(f"error: {e}")
        return PORT_TAKEN
    except StartupError as e:
        say(f"error: {e}")
        return 1
    except DomainError as e:  # e.g. a LOCAL_STAFF_KEY or LOCAL_STOREFRONT_KEY too short
        say(f"error: {e.message}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
