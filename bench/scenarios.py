"""Each API operation, in-process on moto, the way the integration tier runs the app.

One moto world, one ``chalice.test.Client``, and two containers installed through
``use_container`` (the door the tests use): ``MAIL_DISPATCH=inline`` for set-up (its
emails land in moto's SES, where the links are read) and ``stream``, the production
mode, for most measurements. The clock is a ``ManualClock`` that never moves, so tokens
never expire mid-run and nothing in the outbox falls due behind the bench's back.

Per run, only the request itself is timed; the inputs it needs (a fresh token, a
session to end, a pending invitation) are prepared beforehand, untimed. Argon2 work is timed separately
through a hasher with the service's exact parameters, so the figures show what the
request costs besides the deliberate password hashing.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher

from bench.harness.awscalls import RECORDER, Call

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
PASSWORD = "correct horse battery staple"
OTHER_PASSWORD = "purple monkey dishwasher 42"
BENCH_SETTINGS: dict[str, Any] = {
    "WEBSITE_ID": "bench-shop",
    "STOREFRONT_URL": "https://shop.example",
    "PUBLIC_API_URL": "https://accounts.shop.example",
    "MAIL_FROM": "no-reply@bench-shop.example",
    "TABLE_PREFIX": "accounts-bench",
    "SECRET_ID": "customer-accounts/bench/master",
}

Answer = Any  # chalice.test.HTTPResponse, or a job's return value
Say = Callable[[str], None]


BULK_ROWS = 1000  # one POST /admin/invitations at the service's maximum
WORKER_RATE = 1000.0  # MAIL_SEND_RATE for the invitation worker's figures (the setting's maximum)
WORKER_BUDGET = 120.0  # seconds the worker may take to finish one bulk job


class BenchError(AssertionError):
    """An operation did not answer as it should: its figures would be meaningless."""


class TimedHasher(PasswordHasher):
    """The service's argon2id hasher (same parameters), counting and timing its work."""

    def __init__(self, real: PasswordHasher) -> None:
        super().__init__(
            time_cost=real.time_cost,
            memory_cost=real.memory_cost,
            parallelism=real.parallelism,
            hash_len=real.hash_len,
            salt_len=real.salt_len,
            type=real.type,
        )
        self.ops: Counter[str] = Counter()
        self.seconds = 0.0

    def reset(self) -> None:
        self.ops = Counter()
        self.seconds = 0.0

    @contextmanager
    def _timed(self, op: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.ops[op] += 1
            self.seconds += time.perf_counter() - started

    def hash(self, *args: Any, **kwargs: Any) -> str:
        with self._timed("hash"):
            return super().hash(*args, **kwargs)

    def verify(self, *args: Any, **kwargs: Any) -> Any:
        with self._timed("verify"):
            return super().verify(*args, **kwargs)


@dataclass
class Result:
    key: str
    name: str
    calls: tuple[Call, ...]  # the calls of one measured run
    variants: int  # distinct call lists seen across runs (1 = deterministic)
    latencies: list[float]  # seconds, per measured run
    argon2_seconds: list[float]  # of which spent in argon2, per measured run
    argon2_ops: Counter[str] = field(default_factory=Counter)
    note: str = ""
    aws_seconds: list[float] = field(default_factory=list)  # inside AWS calls (botocore + moto), per run
    # items DynamoDB read per call (see ``Call.read``), per measured run that made ``calls``
    read_runs: list[tuple[int, ...]] = field(default_factory=list)

    def items_read(self) -> list[tuple[int, int]]:
        """Per DynamoDB call of ``calls``: the fewest and most items it read across runs."""
        runs = self.read_runs or [tuple(c.read for c in self.dynamodb())]
        return [(min(column), max(column)) for column in zip(*runs, strict=True)]

    def dynamodb(self) -> list[Call]:
        return [c for c in self.calls if c.service == "dynamodb"]

    def others(self) -> list[Call]:
        return [c for c in self.calls if c.service != "dynamodb"]

    def writes(self) -> list[Call]:
        """DynamoDB calls that write (PutItem, UpdateItem, DeleteItem, Batch/TransactWriteItems)."""
        return [c for c in self.dynamodb() if c.writes]

    def reads(self) -> list[Call]:
        return [c for c in self.dynamodb() if not c.writes]

    def p(self, q: int, *, net_of_argon2: bool = False, net_of_aws: bool = False) -> float:
        """The ``q``-th percentile in milliseconds (inclusive method)."""
        values = self.latencies
        if net_of_argon2:
            values = [t - a for t, a in zip(self.latencies, self.argon2_seconds, strict=True)]
        if net_of_aws:
            values = [t - a for t, a in zip(values, self.aws_seconds, strict=True)]
        if len(values) == 1:
            return values[0] * 1000
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


@dataclass
class BulkRun:
    """One 1,000-row ``POST /admin/invitations`` and the worker run that finished its job."""

    seconds: float  # wall time of the request, in-process
    in_calls: float  # of which inside AWS calls (botocore and moto)
    status: str  # the job's status in the 202 answer
    in_request: int  # rows the request itself finished within its budget
    calls: tuple[Call, ...]  # every AWS call of the request
    worker_rows: int
    worker_seconds: float
    worker_in_calls: float
    worker_calls: tuple[Call, ...]


@dataclass
class Bulk:
    rows: int
    budget: float  # chalicelib.invitation_jobs.REQUEST_BUDGET_SECONDS
    rate: float  # MAIL_SEND_RATE during the worker runs
    body_bytes: int  # the request body of one run
    runs: list[BulkRun]

    def median_seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    def scans(self) -> int:
        return sum(1 for r in self.runs for c in r.calls if c.service == "dynamodb" and c.operation == "Scan")


@dataclass
class Measured:
    """Everything ``run_all`` measured: per-operation results, the bulk invitation runs,
    and the cleanup at scale (``bench.cleanupscale``)."""

    results: list[Result]
    bulk: Bulk | None = None
    cleanup: Any = None  # bench.cleanupscale.CleanupScale
    portal: Any = None  # bench.portalflows.Portal


def expect(status: int, code: str | None = None) -> Callable[[Answer], None]:
    def check(answer: Answer) -> None:
        body = answer.json_body if answer.body else None
        got = body.get("error", {}).get("code") if isinstance(body, dict) else None
        if answer.status_code != status or (code is not None and got != code):
            raise BenchError(f"expected {status} {code or ''}, got {answer.status_code}: {answer.body!r}")

    return check


def stream_event(message_id: str) -> dict[str, Any]:
    """What the outbox table's KEYS_ONLY stream hands the sender Lambda for one insert."""
    return {"Records": [{"eventName": "INSERT", "dynamodb": {"Keys": {"message_id": {"S": message_id}}}}]}


class World:
    """moto, the tables, the secret, the SES identity, the app and its test client."""

    def __init__(self, runs: int, warmup: int, say: Say) -> None:
        self.runs, self.warmup, self.say = runs, warmup, say
        self.results: list[Result] = []
        self.bulk: Bulk | None = None
        self.cleanup: Any = None
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            os.environ.pop(name, None)
        os.environ.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
        )
        import boto3
        from chalice.test import Client
        from moto import mock_aws

        from app import app
        from bench.harness import moto_transactions as mototx
        from chalicelib.kernel.clock import ManualClock
        from chalicelib.tables import create_tables

        mototx.install()  # moto copies whole tables per transaction; see bench.mototx
        self.mock = mock_aws()
        self.mock.start()
        create_tables(BENCH_SETTINGS["TABLE_PREFIX"], REGION)
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=BENCH_SETTINGS["SECRET_ID"], SecretString="bench-master-secret-0123456789abcdef"
        )
        boto3.client("sesv2", region_name=REGION).create_email_identity(
            EmailIdentity=BENCH_SETTINGS["MAIL_FROM"]
        )
        self.clock = ManualClock(start=time.time())
        self.inline = self.new_container("inline")
        self.stream = self.new_container("stream")
        self.container = self.inline
        self.use(self.inline)
        self.client = Client(app, stage_name="local", project_dir=str(_root()))

    def close(self) -> None:
        from bench.harness import moto_transactions as mototx
        from chalicelib.kernel.bootstrap import use_container

        use_container(None)
        self.mock.stop()
        mototx.uninstall()
        gc.unfreeze()

    # -- containers ---------------------------------------------------------------

    def new_container(self, dispatch: str) -> Any:
        from chalicelib.kernel.bootstrap import Container
        from chalicelib.kernel.security import password_hasher
        from chalicelib.kernel.settings import Settings

        settings = Settings(**{**BENCH_SETTINGS, "MAIL_DISPATCH": dispatch})
        container = Container(settings=settings, clock=self.clock)
        real = password_hasher(settings.ARGON2_MEMORY_KIB, settings.ARGON2_TIME_COST)
        container.hasher = TimedHasher(real)  # replaces the cached_property's value
        return container

    def use(self, container: Any) -> None:
        from chalicelib.kernel.bootstrap import use_container

        self.container = container
        use_container(container)

    # -- requests -------------------------------------------------------------------

    def prepared(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> Callable[[], Answer]:
        """A request ready to send: headers and body are built outside the timed part."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        raw = b"" if body is None else json.dumps(body).encode()
        http = self.client.http
        return lambda: http.request(method, path, headers=headers, body=raw)

    def send(self, method: str, path: str, body: Any = None, token: str | None = None) -> Answer:
        return self.prepared(method, path, body, token)()

    def signup(self, email: str, name: str = "Ada") -> None:
        expect(202)(self.send("POST", "/signup", {"email": email, "password": PASSWORD, "name": name}))

    def sign_in(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        answer = self.send("POST", "/sessions", {"email": email, "password": password})
        expect(200)(answer)
        pair: dict[str, Any] = answer.json_body
        return pair

    def verify(self, email: str) -> None:
        token = self.token_in_mail(email, "/verify")
        expect(200)(self.send("POST", "/signup/verify", {"token": token}))

    def verified_account(self, email: str) -> dict[str, Any]:
        """Sign up and verify (inline mode, the link read from moto's SES); sign in."""
        self.signup(email)
        self.verify(email)
        return self.sign_in(email)

    def token_in_mail(self, address: str, page: str) -> str:
        """The token of the ``page`` link in the newest email moto's SES got for ``address``."""
        from moto.ses.models import ses_backends

        from devtools.mailbox import parse_raw

        for sent in reversed(ses_backends[ACCOUNT_ID][REGION].sent_messages):
            raw = getattr(sent, "raw_data", None)
            if raw is not None and address in list(sent.destinations):
                return parse_raw(sent.id, list(sent.destinations), raw).link(page).split("token=", 1)[1]
        raise BenchError(f"no email to {address}")

    # -- measuring ------------------------------------------------------------------

    def measure(
        self,
        key: str,
        name: str,
        make_call: Callable[[int], Callable[[], Answer]],
        check: Callable[[Answer], None],
        *,
        runs: int | None = None,
        warmup: int | None = None,
        note: str = "",
    ) -> Result:
        """Time ``warmup + runs`` calls; ``make_call(i)`` prepares run ``i`` untimed."""
        runs = self.runs if runs is None else runs
        warmup = self.warmup if warmup is None else warmup
        latencies: list[float] = []
        in_argon2: list[float] = []
        seen: list[tuple[Call, ...]] = []
        in_aws: list[float] = []
        ops: Counter[str] = Counter()
        for i in range(warmup + runs):
            call = make_call(i)
            hasher = self.container.hasher
            hasher.reset()
            with RECORDER.window() as calls:
                before = RECORDER.call_seconds
                started = time.perf_counter()
                answer = call()
                elapsed = time.perf_counter() - started
                aws = RECORDER.call_seconds - before
            try:
                check(answer)
            except BenchError as e:
                raise BenchError(f"{name} (run {i}): {e}") from e
            if i >= warmup:
                latencies.append(elapsed)
                in_argon2.append(hasher.seconds)
                in_aws.append(aws)
                seen.append(tuple(calls))
                ops = Counter(hasher.ops)
        common = Counter(seen).most_common(1)[0][0]
        result = Result(key, name, common, len(set(seen)), latencies, in_argon2, ops, note, in_aws)
        result.read_runs = [
            tuple(c.read for c in run if c.service == "dynamodb") for run in seen if run == common
        ]
        self.results.append(result)
        ddb = len(result.dynamodb())
        self.say(
            f"  {name:<48} {ddb} DynamoDB call(s)  p50 {result.p(50):7.1f} ms  p95 {result.p(95):7.1f} ms"
        )
        return result


def _root() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def run_all(
    runs: int, warmup: int, say: Say, bulk_runs: int = 3, cleanup_live: int | None = None
) -> Measured:
    """Set up, then measure every operation. Returns the results in table order.

    ``cleanup_live``: live customers in the cleanup-at-scale table (0 skips that part).
    """
    from bench import cleanupscale, guestflows, portalflows

    world = World(runs, warmup, say)
    portal = None
    try:
        staff_secret = _scenarios(world)
        guestflows.measure(world, staff_secret)
        portal = portalflows.measure(world, staff_secret)
        _invitations(world, staff_secret, bulk_runs)
        live = cleanupscale.LIVE_CUSTOMERS if cleanup_live is None else cleanup_live
        if live:
            world.cleanup = cleanupscale.measure(world, live)
    finally:
        world.close()
    return Measured(world.results, world.bulk, world.cleanup, portal)


def _scenarios(w: World) -> str:
    """The account operations; returns the staff key's secret for the next part."""
    from chalicelib import jobs
    from chalicelib.identity import staff_keys as staff
    from chalicelib.mail.models import OutboxMessage
    from chalicelib.mail.outbox import SHARDS

    total = w.runs + w.warmup
    say = w.say

    say(f"set-up (MAIL_DISPATCH=inline): accounts, a staff key, {total} sessions and reset links")
    w.use(w.inline)
    _, staff_secret = staff.create(w.inline, "bench")
    ada = w.verified_account("bench-ada@example.com")
    w.verified_account("bench-bob@example.com")
    cy = w.verified_account("bench-cy@example.com")
    w.verified_account("bench-di@example.com")
    w.signup("bench-pending@example.com")
    sessions_to_end = [w.sign_in("bench-ada@example.com") for _ in range(total)]
    reset_tokens = []
    for _ in range(total):
        w.send("POST", "/password/forgot", {"email": "bench-di@example.com"})
        reset_tokens.append(w.token_in_mail("bench-di@example.com", "/password/reset"))

    gc.collect()
    gc.freeze()  # set-up's objects (moto's tables above all) leave the collector's scans
    say(f"measuring: {w.warmup} warm-up runs, then {w.runs} measured runs per operation")
    new_inline = [f"bench-inline-{i}@example.com" for i in range(total)]
    w.measure(
        "signup_inline",
        "POST /signup (new email, inline)",
        lambda i: w.prepared(
            "POST", "/signup", {"email": new_inline[i], "password": PASSWORD, "name": "Ida"}
        ),
        expect(202),
        note="the email is sent by the request: +1 SES call, +1 UpdateItem (mark sent)",
    )
    verify_tokens = [w.token_in_mail(email, "/verify") for email in new_inline]

    w.use(w.stream)
    w.measure("website", "GET /website", lambda i: w.prepared("GET", "/website"), expect(200))

    new_stream = [f"bench-stream-{i}@example.com" for i in range(total)]
    w.measure(
        "signup_stream",
        "POST /signup (new email, stream)",
        lambda i: w.prepared(
            "POST", "/signup", {"email": new_stream[i], "password": PASSWORD, "name": "Sam"}
        ),
        expect(202),
        note="the email leaves through the outbox stream (next row)",
    )
    pending = [m.message_id for s in range(SHARDS) for m in OutboxMessage.due_index.query(f"due#{s}")]
    if len(pending) != total:
        raise BenchError(f"expected {total} pending outbox messages, found {len(pending)}")

    def sent_one(outcome: Answer) -> None:
        if outcome != {"sent": 1}:
            raise BenchError(f"outbox sender answered {outcome}")

    w.measure(
        "outbox_stream",
        "outbox send (stream, 1 record)",
        lambda i: lambda: jobs.send_from_stream(stream_event(pending[i])),
        sent_one,
        note="chalicelib.jobs.send_from_stream: claim, SES, mark sent",
    )

    w.measure(
        "signup_existing",
        "POST /signup (existing verified email)",
        lambda i: w.prepared(
            "POST", "/signup", {"email": "bench-ada@example.com", "password": PASSWORD, "name": "Ada"}
        ),
        expect(202),
        note="the owner gets an 'account exists' email",
    )
    w.measure(
        "signup_pending",
        "POST /signup (existing unverified email)",
        lambda i: w.prepared(
            "POST", "/signup", {"email": "bench-pending@example.com", "password": PASSWORD, "name": "Pat"}
        ),
        expect(202),
        note="refreshes the pending sign-up, new verify link",
    )
    w.measure(
        "verify",
        "POST /signup/verify",
        lambda i: w.prepared("POST", "/signup/verify", {"token": verify_tokens[i]}),
        expect(200),
    )
    w.measure(
        "signin_ok",
        "POST /sessions (success)",
        lambda i: w.prepared("POST", "/sessions", {"email": "bench-ada@example.com", "password": PASSWORD}),
        expect(200),
    )

    def wrong_password(i: int) -> Callable[[], Answer]:
        if i:  # untimed: a good sign-in clears the failure, so the lock-out never starts
            w.sign_in("bench-bob@example.com")
        return w.prepared(
            "POST", "/sessions", {"email": "bench-bob@example.com", "password": "wrong password 1"}
        )

    w.measure(
        "signin_wrong",
        "POST /sessions (wrong password)",
        wrong_password,
        expect(401, "invalid_credentials"),
    )
    w.measure(
        "signin_unknown",
        "POST /sessions (unknown email)",
        lambda i: w.prepared(
            "POST", "/sessions", {"email": "bench-nobody@example.com", "password": PASSWORD}
        ),
        expect(401, "invalid_credentials"),
    )

    chain = {"refresh": w.sign_in("bench-ada@example.com")["refresh_token"]}

    def refreshed(answer: Answer) -> None:
        expect(200)(answer)
        chain["refresh"] = answer.json_body["refresh_token"]

    w.measure(
        "refresh",
        "POST /sessions/refresh",
        lambda i: w.prepared("POST", "/sessions/refresh", {"refresh_token": chain["refresh"]}),
        refreshed,
    )
    w.measure("me", "GET /me", lambda i: w.prepared("GET", "/me", token=ada["access_token"]), expect(200))
    w.measure(
        "admin_customer",
        "GET /admin/customers/{id} (staff key)",
        lambda i: w.prepared("GET", f"/admin/customers/{ada['customer_id']}", token=staff_secret),
        expect(200),
        note="includes the authorizer's lookup of the staff key",
    )
    w.measure(
        "signout",
        "DELETE /sessions/current",
        lambda i: w.prepared("DELETE", "/sessions/current", token=sessions_to_end[i]["access_token"]),
        expect(204),
    )
    w.measure(
        "forgot",
        "POST /password/forgot",
        lambda i: w.prepared("POST", "/password/forgot", {"email": "bench-di@example.com"}),
        expect(202),
    )
    w.measure(
        "reset",
        "POST /password/reset",
        lambda i: w.prepared(
            "POST", "/password/reset", {"token": reset_tokens[i], "password": OTHER_PASSWORD}
        ),
        expect(200),
    )

    me = {"access": cy["access_token"], "password": PASSWORD}

    def change(i: int) -> Callable[[], Answer]:
        new = OTHER_PASSWORD if me["password"] == PASSWORD else PASSWORD
        body = {"current_password": me["password"], "new_password": new}
        return w.prepared("POST", "/me/password", body, token=me["access"])

    def changed(answer: Answer) -> None:
        expect(200)(answer)
        me["access"] = answer.json_body["access_token"]
        me["password"] = OTHER_PASSWORD if me["password"] == PASSWORD else PASSWORD

    w.measure("change_password", "POST /me/password", change, changed)

    def nothing_due(outcome: Answer) -> None:
        if outcome != {}:
            raise BenchError(f"the sweeper found work: {outcome}")

    w.measure(
        "sweeper_idle",
        "outbox sweeper (nothing due)",
        lambda i: jobs.sweep_outbox,
        nothing_due,
        note=f"one Query per due shard ({SHARDS})",
    )

    def cold_container(i: int) -> Callable[[], Answer]:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
        w.use(w.new_container("stream"))
        return w.prepared("GET", "/me", token=ada["access_token"])

    cold_runs = max(5, w.runs // 4)
    w.measure(
        "me_cold",
        "GET /me (first request of a new container)",
        cold_container,
        expect(200),
        runs=cold_runs,
        warmup=1,
        note=(
            f"{cold_runs} runs, each on a new container with Powertools' cache cleared: the secret "
            "is fetched and the Secrets Manager and DynamoDB clients are built (not the import; "
            "see Cold import)"
        ),
    )
    w.use(w.stream)
    return staff_secret


def _finish_jobs(container: Any) -> int:
    """Run the invitation worker until no open job is left; returns the rows it worked."""
    from chalicelib.invitations import jobs as invitation_jobs

    total = 0
    for _ in range(10):
        done = invitation_jobs.advance_open_jobs(container, budget=WORKER_BUDGET)
        if not done:
            return total
        total += done
    raise BenchError("the invitation worker never ran out of open jobs")


def _job(w: World, staff_secret: str, job_id: str) -> dict[str, Any]:
    answer = w.send("GET", f"/admin/invitations/jobs/{job_id}", token=staff_secret)
    expect(200)(answer)
    view: dict[str, Any] = answer.json_body
    return view


def _invitations(w: World, staff_secret: str, bulk_runs: int) -> None:
    """Accepting an invitation, one 1,000-row bulk grant, the worker, the staff read views."""
    from chalicelib.invitations import jobs as invitation_jobs

    say = w.say
    total = w.runs + w.warmup
    fast = {"MAIL_SEND_RATE": WORKER_RATE}
    for container in (w.inline, w.stream):  # only the worker paces itself by it
        container.settings = container.settings.model_copy(update=fast)

    say(f"set-up (MAIL_DISPATCH=inline): {total} invitations to accept, links read from moto's SES")
    w.use(w.inline)
    invitees = [f"bench-invitee-{i}@example.com" for i in range(total)]
    answer = w.send(
        "POST",
        "/admin/invitations",
        {"customers": [{"email": email, "name": "Ivy"} for email in invitees]},
        token=staff_secret,
    )
    expect(202)(answer)
    _finish_jobs(w.inline)  # what the request's budget left over
    view = _job(w, staff_secret, answer.json_body["job_id"])
    if view["status"] != "done" or view["counts"]["invited"] != total:
        raise BenchError(f"the set-up invitations did not all go out: {view['status']}, {view['counts']}")
    invite_tokens = [w.token_in_mail(email, "/invitations?token=") for email in invitees]

    w.use(w.stream)
    gc.collect()
    gc.freeze()
    w.measure(
        "invite_accept",
        "POST /invitations/accept",
        lambda i: w.prepared(
            "POST", "/invitations/accept", {"token": invite_tokens[i], "password": PASSWORD}
        ),
        expect(200),
        note="a fresh invitation per run: password set, account activated and signed in",
    )

    rows = min(BULK_ROWS, invitation_jobs.MAX_ROWS)
    budget = float(invitation_jobs.REQUEST_BUDGET_SECONDS)
    say(
        f"bulk: {bulk_runs} x POST /admin/invitations with {rows} new addresses (stream), "
        f"each job then finished by the worker at MAIL_SEND_RATE={WORKER_RATE:g}"
    )
    runs: list[BulkRun] = []
    job_id, body_bytes = "", 0
    for run in range(bulk_runs):
        customers = [{"email": f"bench-bulk{run}-{i}@example.com", "name": f"Bulk {i}"} for i in range(rows)]
        call = w.prepared("POST", "/admin/invitations", {"customers": customers}, token=staff_secret)
        body_bytes = len(json.dumps({"customers": customers}))
        gc.collect()
        gc.freeze()
        with RECORDER.window() as calls:
            before, started = RECORDER.call_seconds, time.perf_counter()
            answer = call()
            seconds, in_calls = time.perf_counter() - started, RECORDER.call_seconds - before
        expect(202)(answer)
        job = answer.json_body
        if job["total"] != rows or job["counts"]["invalid"]:
            raise BenchError(f"bulk run {run}: the job holds {job['total']} rows, counts {job['counts']}")
        job_id = job["job_id"]
        gc.collect()
        gc.freeze()
        with RECORDER.window() as worker_calls:
            before, started = RECORDER.call_seconds, time.perf_counter()
            worked = invitation_jobs.advance_open_jobs(w.stream, budget=WORKER_BUDGET)
            worker_seconds = time.perf_counter() - started
            worker_in_calls = RECORDER.call_seconds - before
        view = _job(w, staff_secret, job_id)
        if view["status"] != "done" or view["counts"]["invited"] != rows or worked != rows - job["processed"]:
            raise BenchError(
                f"bulk run {run}: {job['processed']} rows in the request, {worked} by the worker, "
                f"then {view['status']} with {view['counts']}"
            )
        runs.append(
            BulkRun(
                seconds,
                in_calls,
                job["status"],
                job["processed"],
                tuple(calls),
                worked,
                worker_seconds,
                worker_in_calls,
                tuple(worker_calls),
            )
        )
        say(
            f"  run {run + 1}: answered in {seconds:.2f} s with {job['processed']} rows done; "
            f"the worker did {worked} in {worker_seconds:.1f} s ({worked / worker_seconds:.0f} rows/s)"
        )
    w.bulk = Bulk(rows, budget, WORKER_RATE, body_bytes, runs)

    gc.collect()
    gc.freeze()

    def full_page(answer: Answer) -> None:
        expect(200)(answer)
        if len(answer.json_body["rows"]) != 100 or not answer.json_body["next_cursor"]:
            raise BenchError(f"expected a first page of 100 rows, got {len(answer.json_body['rows'])}")

    w.measure(
        "invite_job",
        "GET /admin/invitations/jobs/{id} (100 rows)",
        lambda i: w.prepared("GET", f"/admin/invitations/jobs/{job_id}", token=staff_secret),
        full_page,
        note=f"the first page of a finished {rows:,}-row job; includes the authorizer's staff-key lookup",
    )
    pending = bulk_runs * rows  # the set-up's invitations were all accepted

    def listed(answer: Answer) -> None:
        expect(200)(answer)
        if not answer.json_body["invitations"]:
            raise BenchError("no pending invitation listed")

    w.measure(
        "invite_list",
        "GET /admin/invitations (pending, first page)",
        lambda i: w.prepared("GET", "/admin/invitations", token=staff_secret),
        listed,
        note=(
            f"first page of {pending:,} pending invitations; moto answers an index query by reading "
            "the whole table, so its latency here grows with the table (DynamoDB's does not)"
        ),
    )


def time_argon2(runs: int = 10) -> dict[str, float]:
    """p50 of one argon2id hash and one verify with the service's parameters, in ms."""
    from chalicelib.kernel.security import password_hasher
    from chalicelib.kernel.settings import Settings

    defaults = Settings.model_fields
    hasher = password_hasher(defaults["ARGON2_MEMORY_KIB"].default, defaults["ARGON2_TIME_COST"].default)
    hasher.hash(PASSWORD)  # warm
    hashes, verifies = [], []
    for _ in range(runs):
        started = time.perf_counter()
        stored = hasher.hash(PASSWORD)
        hashes.append(time.perf_counter() - started)
        started = time.perf_counter()
        hasher.verify(stored, PASSWORD)
        verifies.append(time.perf_counter() - started)
    return {
        "hash_ms": statistics.median(hashes) * 1000,
        "verify_ms": statistics.median(verifies) * 1000,
        "memory_kib": hasher.memory_cost,
        "time_cost": hasher.time_cost,
        "parallelism": hasher.parallelism,
    }
