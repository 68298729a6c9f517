"""Abuse budgets: emails one address can be sent in an hour per route, and what the
per-source budget costs a request (SPEC §4, issue 9).

Each route is called ``REQUESTS`` times in a row about one address, on the stage's
settings (``MAIL_DISPATCH=stream``; the outbox stream's work done by hand right after, as
on AWS), and the emails moto's SES received for that address are counted. The clock
does not move, so all of it falls in one hour (and one day).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bench.harness.operations import on_budgets
from bench.harness.outbox import Stream
from bench.harness.sections import Table, Verdict
from bench.harness.timing import Result
from bench.harness.world import ACCOUNT_ID, PASSWORD, REGION, Answer, BenchError, World, expect

REQUESTS = 20


@dataclass
class Mailed:
    route: str
    email: str  # the kind of email counted
    sent: int  # emails that address received
    statuses: dict[int, int]  # answers, by status
    budget: int  # EMAIL_BUDGET_PER_HOUR
    also: str = ""  # other emails of the same requests, for information


@dataclass
class Budgets:
    mailed: list[Mailed]
    refused: Result  # a request past its source budget
    per_request: list[tuple[str, Result]] = field(default_factory=list)  # budgeted requests seen elsewhere


def received(address: str) -> int:
    """Emails moto's SES accepted for ``address`` so far."""
    from moto.ses.models import ses_backends

    return sum(1 for m in ses_backends[ACCOUNT_ID][REGION].sent_messages if address in list(m.destinations))


def _burst(w: World, route: str, email: str, to: str, call: Callable[[int], Answer]) -> Mailed:
    """``REQUESTS`` calls, the stream's work after each, and what ``to`` received meanwhile."""
    before, statuses = received(to), {}
    for i in range(REQUESTS):
        stream = Stream()
        answer = call(i)
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        stream.drain()
    sent = received(to) - before
    w.say(f"  {route}: {sent} of {REQUESTS} {email} emails reached one address")
    return Mailed(route, email, sent, statuses, w.container.settings.EMAIL_BUDGET_PER_HOUR)


def measure_mail(w: World) -> list[Mailed]:
    from bench.checkout import checkout_body, token_of

    w.say(f"abuse budgets: {REQUESTS} requests about one address per route (stream, the outbox worked)")
    victims = {k: f"abuse-{k}@example.com" for k in ("forgot", "signup", "guests", "register", "change")}
    w.verified_accounts([victims["forgot"], victims["signup"], victims["guests"]])
    w.use(w.stream)
    found = [
        _burst(
            w,
            "POST /password/forgot",
            "reset",
            victims["forgot"],
            lambda i: w.send("POST", "/password/forgot", {"email": victims["forgot"]}),
        ),
        _burst(
            w,
            "POST /signup (address taken)",
            "'you already have an account'",
            victims["signup"],
            lambda i: w.send(
                "POST", "/signup", {"email": victims["signup"], "password": PASSWORD, "name": "Eve"}
            ),
        ),
        _burst(
            w,
            "POST /guests (address taken: merge offer)",
            "merge offer",
            victims["guests"],
            lambda i: w.send(
                "POST", "/guests", checkout_body(victims["guests"], f"SO-X{i}"), storefront=True
            ),
        ),
    ]
    # Register later: guests with the address before it has an account, then the account.
    tokens = []
    for i in range(REQUESTS):
        answer = w.send("POST", "/guests", checkout_body(victims["register"], f"SO-Y{i}"), storefront=True)
        expect(201)(answer)
        tokens.append(token_of(answer.json_body["register_later_url"]))
    w.verified_accounts([victims["register"]])
    w.use(w.stream)
    found.append(
        _burst(
            w,
            "POST /register (address taken: merge offer)",
            "merge offer",
            victims["register"],
            lambda i: w.send(
                "POST", "/register", {"token": tokens[i], "password": "guest turned customer 77"}
            ),
        )
    )
    # An email change: a signed-in customer asks for a new address, with the password.
    w.use(w.inline)
    own = "abuse-changer@example.com"
    access = w.verified_account(own)["access_token"]
    w.use(w.stream)
    before_own = received(own)
    body = {"new_email": victims["change"], "password": PASSWORD}
    change = _burst(
        w,
        "POST /me/email (confirm link to the new address)",
        "confirmation",
        victims["change"],
        lambda i: w.send("POST", "/me/email", body, access),
    )
    change.also = (
        f"the notice to the account's own address: {received(own) - before_own} of {REQUESTS} "
        "(past the new address's budget the request writes nothing, link and notice alike)"
    )
    found.append(change)
    return found


def measure_refused(w: World) -> Result:
    """A request past its source's budget: what it costs before the 429."""
    tight = w.new_container("stream", SOURCE_BUDGET_PER_MINUTE=1, SOURCE_BUDGET_PER_HOUR=1)
    w.use(tight)  # the world's source has long spent 1 a minute: every request is refused
    try:

        def refused(answer: Answer) -> None:
            expect(429, "too_many_requests")(answer)
            if "Retry-After" not in answer.headers:
                raise BenchError("a 429 without Retry-After")

        return w.measure(
            "source_refused",
            "POST /sessions past the source's budget (429)",
            lambda i: w.prepared(
                "POST", "/sessions", {"email": "abuse-nobody@example.com", "password": "x" * 12}
            ),
            refused,
            note="SOURCE_BUDGET_PER_MINUTE=1 on a container of its own; the world's source is past it",
        )
    finally:
        w.use(w.stream)


def mail_table(mailed: list[Mailed]) -> Table:
    rows = [
        [
            m.route,
            m.email,
            f"{m.sent} of {REQUESTS}",
            str(m.budget),
            ", ".join(f"{n} x {status}" for status, n in sorted(m.statuses.items())),
            m.also,
        ]
        for m in mailed
    ]
    header = ["Route", "Email to the address", "Received (SES)", "Hourly budget", "Answers", "Also"]
    return Table(header, rows, "llrrll")


def _budget_calls(r: Result) -> str:
    calls = [c for c in r.dynamodb() if on_budgets(c)]
    return " → ".join(c.label for c in calls) or "—"


def source_table(b: Budgets) -> Table:
    rows = []
    for label, r in [*b.per_request, ("POST /sessions past the budget: 429", b.refused)]:
        ours = [c for c in r.dynamodb() if on_budgets(c)]
        rows.append([label, str(len(ours)), _budget_calls(r), str(len(r.dynamodb()))])
    header = ["Request", "Calls on the budgets table", "Which", "DynamoDB calls in all"]
    return Table(header, rows, "lrlr")


def verdicts(b: Budgets) -> list[Verdict]:
    found = [
        Verdict(
            f"Emails to one address in an hour, {REQUESTS} x {m.route}",
            f"{m.sent} {m.email}",
            f"= {m.budget} (EMAIL_BUDGET_PER_HOUR), answers unchanged",
            m.sent == m.budget and len(m.statuses) == 1,
        )
        for m in b.mailed
    ]
    extra = {label: sum(1 for c in r.dynamodb() if on_budgets(c)) for label, r in b.per_request}
    refused = b.refused.dynamodb()
    found.append(
        Verdict(
            "Per-source budget: extra DynamoDB calls per budgeted request",
            ", ".join(f"{n}" for n in extra.values())
            + f"; refused: {len(refused)} ({_budget_calls(b.refused)})",
            "+1 UpdateItem each; a refused request ≤ 2 calls",
            bool(extra) and set(extra.values()) == {1} and len(refused) <= 2,
        )
    )
    return found
