"""The app in-process on moto, the way the integration tier runs it, and how one operation is measured.

One moto world, each DynamoDB request atomic in it as in DynamoDB (``devtools.atomic_dynamodb``,
as the integration tier installs it), one ``chalice.test.Client``, and two containers installed
through ``use_container`` (the door the tests use): ``MAIL_DISPATCH=inline`` for set-up (its
emails land in moto's SES, where the links are read) and ``stream``, the production mode, for
most measurements. The clock is a ``ManualClock`` that never moves, so tokens never expire
mid-run and nothing in the outbox falls due behind the bench's back. The world also holds a
staff key, which the admin routes of every feature need, and a storefront key, which
``POST /guests`` and the hand-off exchange need. Every call comes from the test client's one
source IP, so the per-source budgets are raised (``BENCH_SETTINGS``); nothing else is.

Per run, only the request itself is timed; the inputs it needs (a fresh token, a session
to end, a pending invitation) are prepared beforehand, untimed.
"""

from __future__ import annotations

import gc
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness.awscalls import Call
from bench.harness.timing import Result, TimedHasher, timed

ROOT = Path(__file__).resolve().parent.parent.parent
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
    # Every request comes from the test client's 127.0.0.1 and the clock never moves, so the
    # whole bench is one minute of one source: the stage's 30 a minute would refuse it. The
    # budget is still spent (its UpdateItem is in every budgeted row), never exceeded.
    "SOURCE_BUDGET_PER_MINUTE": 10_000,
    "SOURCE_BUDGET_PER_HOUR": 100_000,
}
#: what the report's Method and caveats say of BENCH_SETTINGS
SETTINGS_CAVEAT = (
    "Every request comes from the test client's one source IP (127.0.0.1) and the clock never "
    "moves, so the bench raises the per-source budgets (`SOURCE_BUDGET_PER_MINUTE=10000`, "
    "`SOURCE_BUDGET_PER_HOUR=100000`; the stage's are 30 and 600): each budgeted request still "
    "spends its budget (the `UpdateItem` on the budgets table in its row), none is refused. "
    "The per-recipient email budgets keep the stage's values (3 an hour, 10 a day); operations "
    "that email an address run after run use a fresh address or account per run, as a real "
    "customer's first emails of the hour (Abuse budgets measures what lies past them)."
)

Answer = Any  # chalice.test.HTTPResponse, or a job's return value
Say = Callable[[str], None]


class BenchError(AssertionError):
    """An operation did not answer as it should: its figures would be meaningless."""


def expect(status: int, code: str | None = None) -> Callable[[Answer], None]:
    def check(answer: Answer) -> None:
        body = answer.json_body if answer.body else None
        got = body.get("error", {}).get("code") if isinstance(body, dict) else None
        if answer.status_code != status or (code is not None and got != code):
            raise BenchError(f"expected {status} {code or ''}, got {answer.status_code}: {answer.body!r}")

    return check


def settle() -> None:
    """Collect, then take what is left (moto's tables above all) out of the collector's scans.

    A Lambda's small heap would not have moto's tables in it; without this, the collector's
    passes over them would land in whichever operation happened to trigger one.
    """
    gc.collect()
    gc.freeze()


class World:
    """moto, the tables, the secret, the SES identity, the app, its test client and a staff key."""

    def __init__(self, runs: int, warmup: int, say: Say) -> None:
        self.runs, self.warmup, self.say = runs, warmup, say
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
        from bench.harness import moto_transactions
        from chalicelib.identity import staff_keys, storefront_keys
        from chalicelib.kernel.clock import ManualClock
        from chalicelib.tables import create_tables
        from devtools import atomic_dynamodb

        atomic_dynamodb.install()  # one DynamoDB request at a time, as the integration tier does
        moto_transactions.install()  # moto copies whole tables per transaction; see there
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
        self.client = Client(app, stage_name="local", project_dir=str(ROOT))
        _, self.staff_secret = staff_keys.create(self.inline, "bench")
        _, self.storefront_secret = storefront_keys.create(self.inline, "bench-storefront")

    @property
    def total(self) -> int:
        """Runs per operation, warm-up included: how many fresh inputs a set-up prepares."""
        return self.runs + self.warmup

    def close(self) -> None:
        from bench.harness import moto_transactions
        from chalicelib.kernel.bootstrap import use_container

        use_container(None)
        self.mock.stop()
        moto_transactions.uninstall()
        gc.unfreeze()

    # -- containers ---------------------------------------------------------------

    def new_container(self, dispatch: str, clock: Any = None, **overrides: Any) -> Any:
        """A container on the bench's tables: ``dispatch``, the world's clock unless another."""
        from chalicelib.kernel.bootstrap import Container
        from chalicelib.kernel.security import password_hasher
        from chalicelib.kernel.settings import Settings

        settings = Settings(**{**BENCH_SETTINGS, "MAIL_DISPATCH": dispatch, **overrides})
        container = Container(settings=settings, clock=clock or self.clock)
        real = password_hasher(settings.ARGON2_MEMORY_KIB, settings.ARGON2_TIME_COST)
        container.hasher = TimedHasher(real)  # replaces the cached_property's value
        return container

    def use(self, container: Any) -> None:
        from chalicelib.kernel.bootstrap import use_container

        self.container = container
        use_container(container)

    # -- requests -------------------------------------------------------------------

    def prepared(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        *,
        storefront: bool | str = False,
    ) -> Callable[[], Answer]:
        """A request ready to send: headers and body are built outside the timed part.
        ``storefront``: from the storefront's server, its key in ``X-Storefront-Key`` (the
        world's, or the secret given: a key in other tables)."""
        from chalicelib.identity.storefront_keys import HEADER

        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if storefront:
            headers[HEADER] = storefront if isinstance(storefront, str) else self.storefront_secret
        raw = b"" if body is None else json.dumps(body).encode()
        http = self.client.http
        return lambda: http.request(method, path, headers=headers, body=raw)

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        *,
        storefront: bool | str = False,
    ) -> Answer:
        return self.prepared(method, path, body, token, storefront=storefront)()

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

    def verified_accounts(self, emails: list[str]) -> None:
        """Sign up and verify each address (inline, untimed), without signing in."""
        previous = self.container
        self.use(self.inline)
        try:
            for email in emails:
                self.signup(email)
                self.verify(email)
        finally:
            self.use(previous)

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
            with timed() as run:
                answer = call()
            try:
                check(answer)
            except BenchError as e:
                raise BenchError(f"{name} (run {i}): {e}") from e
            if i >= warmup:
                latencies.append(run.seconds)
                in_argon2.append(hasher.seconds)
                in_aws.append(run.in_calls)
                seen.append(tuple(run.calls))
                ops = Counter(hasher.ops)
        common = Counter(seen).most_common(1)[0][0]
        result = Result(key, name, common, len(set(seen)), latencies, in_argon2, ops, note, in_aws)
        result.runs = seen
        result.read_runs = [
            tuple(c.read for c in run if c.service == "dynamodb") for run in seen if run == common
        ]
        ddb = len(result.dynamodb())
        self.say(
            f"  {name:<48} {ddb} DynamoDB call(s)  p50 {result.p(50):7.1f} ms  p95 {result.p(95):7.1f} ms"
        )
        return result
