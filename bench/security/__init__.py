"""Security (issue 9): no enumeration on the public routes, revocation and the lockout, abuse budgets.

Measured on the stage's settings (``MAIL_DISPATCH=stream``), in the world every feature
shares, after the features; the portal's reads and ``GET /me`` come from their sections.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import World
from bench.security import abuse, enumeration, revocation


@dataclass
class Security:
    routes: list[enumeration.Route]
    revoked: revocation.Revoked
    budgets: abuse.Budgets


def measure(w: World) -> Security:
    w.say("no enumeration: both paths of each public route (stream)")
    routes = enumeration.measure(w)
    revoked = revocation.measure(w)
    mailed = abuse.measure_mail(w)
    refused = abuse.measure_refused(w)
    per_request = [(f"{r.route} ({r.paths[0].label})", r.paths[0].request) for r in routes]
    return Security(routes, revoked, abuse.Budgets(mailed, refused, per_request))


def sections(s: Security, reads: list[Result], me: Result | None) -> list[Section]:
    notes = [f"{r.route}: {r.note}" for r in s.routes if r.note]
    enumeration_section = Section(
        "No enumeration: both paths of each public route",
        [
            "SPEC §4: on every public route the request does the same DynamoDB calls and the same "
            "password-hashing work, and answers the same, whether or not the address has an account. "
            "Each route whose work could depend on that, with `MAIL_DISPATCH=stream` (production: "
            "what depends on the address runs in a task after the answer, through the outbox stream), "
            "one row per path: the request's calls in order, its argon2 work, its answer (status, "
            "content type, body with ids and link tokens masked; one cell per distinct answer seen) "
            "and its p50. The verdict is `equal` when every path made the same calls (operation and "
            "item count, in order), the same argon2 work and the same answer on every run. A ✗ (a "
            "write whose condition failed) is shown but not compared: it is the same round trip, and "
            "DynamoDB's answer to it never reaches the caller. Latency is shown, not judged (the "
            "machine is shared and noisy). Each run probes an address or account of its own, set up "
            "untimed. `POST /guests` answers only a storefront's server (its key in "
            "`X-Storefront-Key`): an unequal row there is visible to a storefront, and to a shopper "
            "only through the storefront's own answer and timing.",
            enumeration.table(s.routes),
            Bullets(notes),
        ],
        subsections=[
            Section(
                "After the answer: each path's task (informational)",
                [
                    "What the outbox stream's sender (`jobs.send_from_stream`) does with the task "
                    "each request above left, one task per run: claim it, do the work that depends "
                    "on the address, mark it done. The caller has its answer by then. Emails the "
                    "task queues are sent by the next stream record (the Mail section's row).",
                    enumeration.tasks_table(s.routes),
                ],
            )
        ],
        verdicts=enumeration.verdicts(s.routes),
    )
    revocation_section = Section(
        "Revocation and the sign-in lockout",
        [
            "Every customer route reads the session with the customer (one `TransactGetItems`) "
            "before anything else, so sign-out, a reset, a password or status change and "
            "anonymization stop an older access token at the next request. The cost: a portal read "
            "is 2 DynamoDB calls (the session check, then the data), `GET /me` 1 (the check reads "
            "the customer it returns). A revoked token costs the check alone:",
            revocation.cost_table(reads, me, s.revoked.results),
            f"The lockout: {revocation.ATTEMPTS} wrong passwords for one account from "
            f"{revocation.ATTEMPTS} threads released together by a `threading.Barrier`, against the "
            "in-process app (each DynamoDB request atomic, as in DynamoDB) with a hasher counting "
            "the passwords argon2 checked; then again once the lock has passed (the lockout "
            f"container's own clock moved by the Retry-After); then {revocation.ATTEMPTS} in a row "
            "for another account. An attempt is reserved by a conditional write before argon2 runs.",
            revocation.lockout_table(s.revoked.bursts),
        ],
        verdicts=revocation.verdicts(s.revoked, reads, me),
    )
    b = s.budgets
    budget_section = Section(
        "Abuse budgets",
        [
            f"Emails one address can be sent in an hour, per route: {abuse.REQUESTS} requests about "
            "one address, with `MAIL_DISPATCH=stream` and the outbox stream's work done after each "
            "request, counting what moto's SES received for that address. Past the per-recipient "
            "budget (`EMAIL_BUDGET_PER_HOUR`, 3; 10 a day) the email is dropped and the answer is "
            "unchanged.",
            abuse.mail_table(b.mailed),
            "The per-source budget (per source IP and route group; 30 a minute, 600 an hour on a "
            "stage, raised for the bench: see Method and caveats) costs each budgeted request one "
            "conditional `UpdateItem` on the budgets table, first thing; a request past it is "
            "answered 429 with `Retry-After` after that update fails and one `GetItem` times the wait:",
            abuse.source_table(b),
        ],
        verdicts=abuse.verdicts(b),
    )
    return [enumeration_section, revocation_section, budget_section]
