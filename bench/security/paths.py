"""The paths of each public route that the no-enumeration rows compare, and their inputs.

A path is a request whose address is free, or taken by an active account, or by an
unverified sign-up, ...; run ``i`` of every path gets an address or account of its own,
made here untimed, so no run meets another's email budget or failed sign-ins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.harness.world import PASSWORD, Answer, BenchError, World

WRONG = "not the password 42"
NEW_PASSWORD = "guest turned customer 77"


@dataclass
class Spec:
    """One path: a label, the request of run ``i``, the answer to expect, and whether a task follows."""

    label: str
    request: Callable[[int], Callable[[], Answer]]
    status: int
    task: bool = True


@dataclass
class Inputs:
    """Per-run addresses and tokens, made untimed before measuring."""

    accounts: list[str] = field(default_factory=list)  # active accounts, one per run
    pending: list[str] = field(default_factory=list)  # unverified sign-ups, one per run
    register_free: list[str] = field(default_factory=list)  # register-later tokens, free addresses
    register_taken: list[str] = field(default_factory=list)  # ... of guests with an account's address


def set_up(w: World) -> Inputs:
    from bench.checkout import checkout_body, token_of

    n, made = w.total, Inputs()
    w.say(f"no enumeration, set-up: {n} accounts, {n} unverified sign-ups, {2 * n} register-later guests")
    made.accounts = [f"enum-account-{i}@example.com" for i in range(n)]
    owners = [f"enum-owner-{i}@example.com" for i in range(n)]
    w.verified_accounts(made.accounts + owners)
    made.pending = [f"enum-pending-{i}@example.com" for i in range(n)]
    w.use(w.inline)
    for email in made.pending:
        w.signup(email, "Pat")
    w.use(w.stream)
    for tag, tokens, emails in (
        ("RF", made.register_free, [f"enum-later-{i}@example.com" for i in range(n)]),
        ("RT", made.register_taken, owners),  # the checkout offers each owner a merge (1 of 3 an hour)
    ):
        for i, email in enumerate(emails):
            answer = w.send("POST", "/guests", checkout_body(email, f"SO-{tag}{i}"), storefront=True)
            if answer.status_code != 201:
                raise BenchError(f"checkout for the register-later set-up answered {answer.status_code}")
            tokens.append(token_of(answer.json_body["register_later_url"]))
    return made


def routes(w: World, made: Inputs) -> list[tuple[str, str, list[Spec], str]]:
    from bench.checkout import checkout_body

    def post(path: str, body: Callable[[int], Any], storefront: bool = False) -> Callable[[int], Any]:
        return lambda i: w.prepared("POST", path, body(i), storefront=storefront)

    def signup(email: Callable[[int], str]) -> Callable[[int], Any]:
        return post("/signup", lambda i: {"email": email(i), "password": PASSWORD, "name": "Eve"})

    def guest(email: Callable[[int], str], tag: str, **extra: Any) -> Callable[[int], Any]:
        return post("/guests", lambda i: checkout_body(email(i), f"SO-{tag}{i}", **extra), storefront=True)

    account = {"create_account": {"password": PASSWORD}}
    free = "enum-free-{}-{}@example.com".format
    return [
        (
            "POST /signup",
            "free address / active account / unverified sign-up",
            [
                Spec("free address", signup(lambda i: free("signup", i)), 202),
                Spec("taken: active account", signup(lambda i: made.accounts[i]), 202),
                Spec("taken: unverified sign-up", signup(lambda i: made.pending[i]), 202),
            ],
            "",
        ),
        (
            "POST /password/forgot",
            "known / unknown address",
            [
                Spec(
                    "known: active account",
                    post("/password/forgot", lambda i: {"email": made.accounts[i]}),
                    202,
                ),
                Spec(
                    "unknown address", post("/password/forgot", lambda i: {"email": free("forgot", i)}), 202
                ),
            ],
            "",
        ),
        (
            "POST /sessions",
            "wrong password on an account / unknown address",
            [
                Spec(
                    "wrong password, active account",
                    post("/sessions", lambda i: {"email": made.accounts[i], "password": WRONG}),
                    401,
                    task=False,
                ),
                Spec(
                    "unknown address",
                    post("/sessions", lambda i: {"email": free("signin", i), "password": WRONG}),
                    401,
                    task=False,
                ),
            ],
            "a first failure. The failure that uses up the free attempts (the 5th in a row) also "
            "writes the lock, and the next attempts answer 429: the per-account lockout SPEC §4 "
            "asks for, which an unknown address never reaches (not measured here)",
        ),
        (
            "POST /register",
            "guest's address free / taken by an active account",
            [
                Spec(
                    "address free",
                    post("/register", lambda i: {"token": made.register_free[i], "password": NEW_PASSWORD}),
                    202,
                ),
                Spec(
                    "address taken: active account",
                    post("/register", lambda i: {"token": made.register_taken[i], "password": NEW_PASSWORD}),
                    202,
                ),
            ],
            "",
        ),
        (
            "POST /guests",
            "checkout with an order, storefront key: free / taken address",
            [
                Spec("free address", guest(lambda i: free("guest", i), "EF"), 201, task=False),
                Spec("taken: active account", guest(lambda i: made.accounts[i], "ET"), 201, task=False),
            ],
            "no task: a taken address's merge offer is queued in the request's own transaction",
        ),
        (
            "POST /guests (create_account)",
            "checkout creating an account, storefront key: free / taken address",
            [
                Spec("free address", guest(lambda i: free("buyer", i), "AF", **account), 201, task=False),
                Spec(
                    "taken: active account",
                    guest(lambda i: made.accounts[i], "AT", **account),
                    201,
                    task=False,
                ),
            ],
            "no task: the verify email (free) or the merge offer (taken) is queued in the request's "
            "own transaction",
        ),
    ]
