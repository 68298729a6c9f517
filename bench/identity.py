"""Identity: sign-up and verification, sign-in, sessions, passwords, a staff key; argon2id.

Set-up runs with ``MAIL_DISPATCH=inline`` (the links are read from moto's SES); the
measured requests with ``stream``, the production mode, but for the first row. Argon2 is
timed on its own too, with the service's parameters: it is the floor of every request
that hashes or verifies a password.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.harness.operations import STANDARD, CallTarget, notes, operations_table, target_column
from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import OTHER_PASSWORD, PASSWORD, Answer, World, expect, settle

TARGETS = (
    # Issue 9 added the per-source budget (1 UpdateItem) to every route that hashes a password
    # or sends email, and moved the work that depends on the address after the answer (a task).
    CallTarget(
        "Sign-up, forgot password (stream): DynamoDB calls (source budget + the task's write)",
        ("signup_stream", "signup_existing", "signup_pending", "forgot"),
        "= 2",
        lambda n: n == 2,
    ),
    CallTarget(
        "Sign-in failures: DynamoDB calls (source budget + the attempt reserved before argon2)",
        ("signin_wrong", "signin_unknown"),
        "= 2",
        lambda n: n == 2,
    ),
    CallTarget(
        "Sign-in success: DynamoDB calls (source budget, attempt, session transaction)",
        ("signin_ok",),
        "= 3",
        lambda n: n == 3,
    ),
    CallTarget(
        "GET /me: DynamoDB calls (session and customer in one read)", ("me",), "= 1", lambda n: n == 1
    ),
    CallTarget("Refresh: DynamoDB calls", ("refresh",), "≤ 2", lambda n: n <= 2),
)
ADA, BOB, CY, DI = (f"bench-{name}@example.com" for name in ("ada", "bob", "cy", "di"))


@dataclass(frozen=True)
class Argon2:
    """One argon2id hash and one verify with the service's parameters: p50 of ``runs``, in ms."""

    hash_ms: float
    verify_ms: float
    memory_kib: int
    time_cost: int
    parallelism: int
    runs: int


@dataclass
class Identity:
    results: list[Result]
    argon2: Argon2

    def result(self, key: str) -> Result:
        return next(r for r in self.results if r.key == key)


def time_argon2(runs: int = 10) -> Argon2:
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
    return Argon2(
        statistics.median(hashes) * 1000,
        statistics.median(verifies) * 1000,
        hasher.memory_cost,
        hasher.time_cost,
        hasher.parallelism,
        runs,
    )


def measure(w: World) -> Identity:
    w.say("argon2id: timing one hash and one verify")
    argon2 = time_argon2()
    w.say(f"  hash {argon2.hash_ms:.1f} ms, verify {argon2.verify_ms:.1f} ms")
    return Identity(_operations(w), argon2)


def _operations(w: World) -> list[Result]:
    say, total = w.say, w.total
    say(f"set-up (MAIL_DISPATCH=inline): accounts, {total} sessions and reset links")
    w.use(w.inline)
    ada = w.verified_account(ADA)
    w.verified_account(BOB)
    cy = w.verified_account(CY)
    w.verified_account(DI)
    w.signup("bench-pending@example.com")
    sessions_to_end = [w.sign_in(ADA) for _ in range(total)]
    # A reset ends every other reset link of the account, and an address gets 3 reset emails an
    # hour: one account per run, each with its first reset link.
    resetting = [f"bench-reset-{i}@example.com" for i in range(total)]
    w.verified_accounts(resetting)
    reset_tokens = []
    for email in resetting:
        expect(202)(w.send("POST", "/password/forgot", {"email": email}))
        reset_tokens.append(w.token_in_mail(email, "/password/reset"))

    settle()
    say(f"measuring: {w.warmup} warm-up runs, then {w.runs} measured runs per operation")
    new_inline = [f"bench-inline-{i}@example.com" for i in range(total)]
    results = [
        w.measure(
            "signup_inline",
            "POST /signup (new email, inline)",
            lambda i: w.prepared(
                "POST", "/signup", {"email": new_inline[i], "password": PASSWORD, "name": "Ida"}
            ),
            expect(202),
            note=(
                "inline, the request works its task at once: the account's transaction, the task's "
                "mark-sent (✗: that transaction already marked it done), the verify email (SES) and "
                "its mark-sent"
            ),
        )
    ]
    verify_tokens = [w.token_in_mail(email, "/verify") for email in new_inline]

    w.use(w.stream)
    results.append(w.measure("website", "GET /website", lambda i: w.prepared("GET", "/website"), expect(200)))

    def signup(key: str, label: str, email: Callable[[int], str], name: str, note: str) -> Result:
        def call(i: int) -> Callable[[], Answer]:
            return w.prepared("POST", "/signup", {"email": email(i), "password": PASSWORD, "name": name})

        return w.measure(key, label, call, expect(202), note=note)

    results += [
        signup(
            "signup_stream",
            "POST /signup (new email, stream)",
            lambda i: f"bench-stream-{i}@example.com",
            "Sam",
            "the request hashes the password and writes the sign-up task; the task makes the "
            "account after the answer (see No enumeration)",
        ),
        signup(
            "signup_existing",
            "POST /signup (existing verified email)",
            lambda i: ADA,
            "Ada",
            "the same request as for a new address; after the answer the task emails the owner",
        ),
        signup(
            "signup_pending",
            "POST /signup (existing unverified email)",
            lambda i: "bench-pending@example.com",
            "Pat",
            "the same request; after the answer the task refreshes the pending sign-up (new verify link)",
        ),
        w.measure(
            "verify",
            "POST /signup/verify",
            lambda i: w.prepared("POST", "/signup/verify", {"token": verify_tokens[i]}),
            expect(200),
        ),
        w.measure(
            "signin_ok",
            "POST /sessions (success)",
            lambda i: w.prepared("POST", "/sessions", {"email": ADA, "password": PASSWORD}),
            expect(200),
        ),
    ]

    def wrong_password(i: int) -> Callable[[], Answer]:
        if i:  # untimed: a good sign-in clears the failure, so the lock-out never starts
            w.sign_in(BOB)
        return w.prepared("POST", "/sessions", {"email": BOB, "password": "wrong password 1"})

    chain: dict[str, str] = {}

    def refresh(i: int) -> Callable[[], Answer]:
        if not chain:  # untimed: the chain starts from a fresh sign-in
            chain["refresh"] = w.sign_in(ADA)["refresh_token"]
        return w.prepared("POST", "/sessions/refresh", {"refresh_token": chain["refresh"]})

    def refreshed(answer: Answer) -> None:
        expect(200)(answer)
        chain["refresh"] = answer.json_body["refresh_token"]

    results += [
        w.measure(
            "signin_wrong",
            "POST /sessions (wrong password)",
            wrong_password,
            expect(401, "invalid_credentials"),
        ),
        w.measure(
            "signin_unknown",
            "POST /sessions (unknown email)",
            lambda i: w.prepared(
                "POST", "/sessions", {"email": "bench-nobody@example.com", "password": PASSWORD}
            ),
            expect(401, "invalid_credentials"),
        ),
        w.measure("refresh", "POST /sessions/refresh", refresh, refreshed),
        w.measure(
            "me", "GET /me", lambda i: w.prepared("GET", "/me", token=ada["access_token"]), expect(200)
        ),
        w.measure(
            "admin_customer",
            "GET /admin/customers/{id} (staff key)",
            lambda i: w.prepared("GET", f"/admin/customers/{ada['customer_id']}", token=w.staff_secret),
            expect(200),
            note="includes the authorizer's lookup of the staff key",
        ),
        w.measure(
            "signout",
            "DELETE /sessions/current",
            lambda i: w.prepared("DELETE", "/sessions/current", token=sessions_to_end[i]["access_token"]),
            expect(204),
        ),
        w.measure(
            "forgot",
            "POST /password/forgot",
            lambda i: w.prepared("POST", "/password/forgot", {"email": DI}),
            expect(202),
            note="a known address; the task sends the link after the answer (see No enumeration)",
        ),
        w.measure(
            "reset",
            "POST /password/reset",
            lambda i: w.prepared(
                "POST", "/password/reset", {"token": reset_tokens[i], "password": OTHER_PASSWORD}
            ),
            expect(200),
            note="an account per run (a reset ends the account's other reset links)",
        ),
        _change_password(w, cy["access_token"]),
        _first_request_of_a_container(w, ada["access_token"]),
    ]
    w.use(w.stream)
    return results


def _change_password(w: World, access: str) -> Result:
    me = {"access": access, "password": PASSWORD}

    def change(i: int) -> Callable[[], Answer]:
        new = OTHER_PASSWORD if me["password"] == PASSWORD else PASSWORD
        body = {"current_password": me["password"], "new_password": new}
        return w.prepared("POST", "/me/password", body, token=me["access"])

    def changed(answer: Answer) -> None:
        expect(200)(answer)
        me["access"] = answer.json_body["access_token"]
        me["password"] = OTHER_PASSWORD if me["password"] == PASSWORD else PASSWORD

    return w.measure("change_password", "POST /me/password", change, changed)


def _first_request_of_a_container(w: World, access: str) -> Result:
    def cold_container(i: int) -> Callable[[], Answer]:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
        w.use(w.new_container("stream"))
        return w.prepared("GET", "/me", token=access)

    runs = max(5, w.runs // 4)
    return w.measure(
        "me_cold",
        "GET /me (first request of a new container)",
        cold_container,
        expect(200),
        runs=runs,
        warmup=1,
        note=(
            f"{runs} runs, each on a new container with Powertools' cache cleared: the secret "
            "is fetched and the Secrets Manager and DynamoDB clients are built (not the import; "
            "see Cold import)"
        ),
    )


def sections(m: Identity) -> list[Section]:
    a = m.argon2
    argon2 = Section(
        "Argon2id",
        [
            f"One argon2id hash takes **{a.hash_ms:.1f} ms** and one verify **{a.verify_ms:.1f} ms** "
            f"(p50 of {a.runs}; m = {a.memory_kib} KiB, t = {a.time_cost}, p = {a.parallelism}). It is "
            "the floor of sign-up, sign-in, reset and change-password by design (SPEC §4); the "
            "`p50 ms w/o argon2` column subtracts the time each run spent inside argon2."
        ],
    )
    return [
        Section(
            "Identity: sign-up, sign-in, sessions, passwords",
            [
                operations_table(m.results, [*STANDARD, target_column(TARGETS)]),
                Bullets(notes(m.results)),
            ],
            subsections=[argon2],
            verdicts=[t.verdict(m.results) for t in TARGETS],
        )
    ]
