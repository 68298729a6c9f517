"""Revocation at once, and the sign-in lockout under concurrent attempts (SPEC §4, issue 9).

Revocation: every customer route checks the session (session and customer, one
``TransactGetItems``), so an access token whose session ended, or that is older than the
account's last password change, reads nothing from the next request on; measured here by
reading with such tokens. The portal's reads (2 calls) and ``GET /me`` (1) are measured in
their sections and summed up here.

Lockout: ``ATTEMPTS`` threads released together by a ``threading.Barrier`` send a wrong
password for one account to the in-process app (each DynamoDB request atomic, as in
DynamoDB), with a hasher that counts the passwords it checks; then the same number in a
row for another account. The lockout container has a clock of its own, moved past the
lock for a second burst, so the world's clock never moves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.harness.awscalls import sequence
from bench.harness.sections import Table, Verdict
from bench.harness.timing import Result
from bench.harness.world import OTHER_PASSWORD, PASSWORD, BenchError, World, expect
from devtools.probes import CountingHasher, at_once

ATTEMPTS = 25
WRONG = "a wrong password!"


@dataclass
class Burst:
    label: str
    checks: int  # passwords argon2 checked
    statuses: Counter[int]
    failed_signins: int  # on the login afterwards
    right_status: int  # what the right password got right after
    retry_after: int | None

    @property
    def right_password(self) -> str:
        wait = f", Retry-After {self.retry_after}" if self.retry_after is not None else ""
        return f"{self.right_status}{wait}"


@dataclass
class Revoked:
    results: list[Result]  # reads with a revoked token
    bursts: list[Burst]


def _burst(w: World, label: str, email: str, send: Callable[[Callable[[int], Any]], list[Any]]) -> Burst:
    from chalicelib.identity.models import Login

    hasher = w.container.hasher
    assert isinstance(hasher, CountingHasher)
    hasher.verified = 0
    answers = send(lambda i: w.send("POST", "/sessions", {"email": email, "password": WRONG}))
    errors = [a for a in answers if isinstance(a, Exception)]
    if errors:
        raise BenchError(f"lockout burst: {errors[0]!r}")
    checks = hasher.verified
    statuses = Counter(a.status_code for a in answers)
    right = w.send("POST", "/sessions", {"email": email, "password": PASSWORD})
    wait = int(right.headers["Retry-After"]) if "Retry-After" in right.headers else None
    login = Login.get(f"{w.container.settings.account_namespace}#{email}")
    burst = Burst(label, checks, statuses, int(login.failed_signins or 0), right.status_code, wait)
    w.say(f"  {label}: {checks} passwords checked, answers {dict(sorted(statuses.items()))}")
    return burst


def measure_lockout(w: World) -> list[Burst]:
    from chalicelib.kernel.clock import ManualClock

    w.say(f"sign-in lockout: {ATTEMPTS} wrong passwords at once (threads behind a barrier), then in a row")
    concurrent, sequential = "lock-concurrent@example.com", "lock-sequential@example.com"
    w.verified_accounts([concurrent, sequential])
    clock = ManualClock(start=w.clock.now())
    locking = w.new_container("stream", clock=clock)
    locking.hasher = CountingHasher(locking.hasher)
    w.use(locking)
    try:
        bursts = [_burst(w, f"{ATTEMPTS} at once", concurrent, lambda work: at_once(work, ATTEMPTS))]
        clock.advance(bursts[0].retry_after or 0)  # the lock has passed
        bursts.append(
            _burst(w, f"{ATTEMPTS} at once, after the lock", concurrent, lambda work: at_once(work, ATTEMPTS))
        )
        bursts.append(
            _burst(w, f"{ATTEMPTS} in a row", sequential, lambda work: [work(i) for i in range(ATTEMPTS)])
        )
    finally:
        w.use(w.stream)
    return bursts


def measure_revoked(w: World) -> list[Result]:
    """Reads with a token whose session ended, and with one older than a password change."""
    w.say("revocation: reads with a signed-out token and with a token older than a password change")
    w.use(w.inline)
    ended = w.verified_account("revoked-signout@example.com")["access_token"]
    changed = w.verified_account("revoked-change@example.com")["access_token"]
    w.use(w.stream)
    expect(204)(w.send("DELETE", "/sessions/current", token=ended))
    again = w.send("GET", "/me", token=changed)
    expect(200)(again)
    body = {"current_password": PASSWORD, "new_password": OTHER_PASSWORD}
    expect(200)(w.send("POST", "/me/password", body, changed))
    refused = expect(401)
    return [
        w.measure(
            "revoked_signout",
            "GET /me/addresses, token of a signed-out session",
            lambda i: w.prepared("GET", "/me/addresses", token=ended),
            refused,
        ),
        w.measure(
            "revoked_me",
            "GET /me, token of a signed-out session",
            lambda i: w.prepared("GET", "/me", token=ended),
            refused,
        ),
        w.measure(
            "revoked_change",
            "GET /me/documents, token older than a password change",
            lambda i: w.prepared("GET", "/me/documents", token=changed),
            refused,
        ),
    ]


def measure(w: World) -> Revoked:
    return Revoked(measure_revoked(w), measure_lockout(w))


def cost_table(reads: list[Result], me: Result | None, revoked: list[Result]) -> Table:
    rows = []
    if me is not None:
        rows.append(
            [f"{me.name} (Identity)", str(len(me.dynamodb())), sequence(me.dynamodb(), "dynamodb"), "200"]
        )
    patterns = Counter(sequence(r.dynamodb(), "dynamodb") for r in reads)
    for pattern, n in sorted(patterns.items()):
        calls = pattern.count("→") + 1
        rows.append([f"Portal reads (Portal, {n} routes)", str(calls), pattern, "200"])
    for r in revoked:
        rows.append([r.name, str(len(r.dynamodb())), sequence(r.dynamodb(), "dynamodb"), "401"])
    return Table(["Request", "DynamoDB calls", "In order ([n] items)", "Answer"], rows, "lrll")


def lockout_table(bursts: list[Burst]) -> Table:
    rows = [
        [
            b.label,
            str(b.checks),
            ", ".join(f"{n} x {status}" for status, n in sorted(b.statuses.items())),
            str(b.failed_signins),
            b.right_password,
        ]
        for b in bursts
    ]
    header = ["Wrong passwords", "Passwords checked (argon2)", "Answers", "failed_signins after"]
    header += ["The right password right after"]
    return Table(header, rows, "lrlrl")


def verdicts(revoked: Revoked, reads: list[Result], me: Result | None) -> list[Verdict]:
    concurrent = revoked.bursts[0]
    sequential = revoked.bursts[-1]
    refused = all(len(r.dynamodb()) == 1 for r in revoked.results)
    return [
        Verdict(
            f"Sign-in lockout: passwords checked before the lock, {ATTEMPTS} concurrent wrong passwords",
            f"{concurrent.checks} ({ATTEMPTS} in a row: {sequential.checks}; after the lock, at once: "
            f"{revoked.bursts[1].checks})",
            "= 5, as in a row",
            concurrent.checks == sequential.checks == 5,
        ),
        Verdict(
            "Revocation: a revoked access token reads nothing (sign-out, password change)",
            ", ".join(f"{r.name}: 401 in {len(r.dynamodb())} call" for r in revoked.results),
            "401, 1 call",
            refused,
        ),
    ]
