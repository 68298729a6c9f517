"""Invitations: accepting one, a 1,000-row bulk grant and its worker, the staff's read views.

Set-up sends one invitation per run with ``MAIL_DISPATCH=inline`` (the links are read
from moto's SES); the measured requests run with ``stream``. ``MAIL_SEND_RATE`` is raised
to ``bulk.WORKER_RATE`` on both containers: only the invitation worker paces itself by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.harness.operations import STANDARD, CallTarget, notes, operations_table, target_column
from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import PASSWORD, Answer, BenchError, World, expect, settle
from bench.invitations import bulk as bulk_grant

TARGETS = (
    # ≤ 2 before issue 9; the per-source budget's UpdateItem came with it
    CallTarget(
        "Accept an invitation: DynamoDB calls (with the per-source budget's UpdateItem)",
        ("invite_accept",),
        "≤ 3",
        lambda n: n <= 3,
    ),
)


@dataclass
class Invitations:
    results: list[Result]
    bulk: bulk_grant.Bulk


def measure(w: World, bulk_runs: int) -> Invitations:
    for container in (w.inline, w.stream):
        container.settings = container.settings.model_copy(update={"MAIL_SEND_RATE": bulk_grant.WORKER_RATE})
    accept = _accept(w)
    bulk = bulk_grant.measure(w, bulk_runs)
    return Invitations([accept, *_staff_views(w, bulk)], bulk)


def _accept(w: World) -> Result:
    w.say(f"set-up (MAIL_DISPATCH=inline): {w.total} invitations to accept, links read from moto's SES")
    w.use(w.inline)
    invitees = [f"bench-invitee-{i}@example.com" for i in range(w.total)]
    answer = w.send(
        "POST",
        "/admin/invitations",
        {"customers": [{"email": email, "name": "Ivy"} for email in invitees]},
        token=w.staff_secret,
    )
    expect(202)(answer)
    bulk_grant.finish_jobs(w.inline)  # what the request's budget left over
    view = bulk_grant.job_view(w, answer.json_body["job_id"])
    if view["status"] != "done" or view["counts"]["invited"] != w.total:
        raise BenchError(f"the set-up invitations did not all go out: {view['status']}, {view['counts']}")
    tokens = [w.token_in_mail(email, "/invitations?token=") for email in invitees]

    w.use(w.stream)
    settle()
    return w.measure(
        "invite_accept",
        "POST /invitations/accept",
        lambda i: w.prepared("POST", "/invitations/accept", {"token": tokens[i], "password": PASSWORD}),
        expect(200),
        note="a fresh invitation per run: password set, account activated and signed in",
    )


def _staff_views(w: World, bulk: bulk_grant.Bulk) -> list[Result]:
    def full_page(answer: Answer) -> None:
        expect(200)(answer)
        if len(answer.json_body["rows"]) != 100 or not answer.json_body["next_cursor"]:
            raise BenchError(f"expected a first page of 100 rows, got {len(answer.json_body['rows'])}")

    def listed(answer: Answer) -> None:
        expect(200)(answer)
        if not answer.json_body["invitations"]:
            raise BenchError("no pending invitation listed")

    pending = len(bulk.runs) * bulk.rows  # the set-up's invitations were all accepted
    settle()
    return [
        w.measure(
            "invite_job",
            "GET /admin/invitations/jobs/{id} (100 rows)",
            lambda i: w.prepared("GET", f"/admin/invitations/jobs/{bulk.job_id}", token=w.staff_secret),
            full_page,
            note=(
                f"the first page of a finished {bulk.rows:,}-row job; includes the authorizer's "
                "staff-key lookup"
            ),
        ),
        w.measure(
            "invite_list",
            "GET /admin/invitations (pending, first page)",
            lambda i: w.prepared("GET", "/admin/invitations", token=w.staff_secret),
            listed,
            note=(
                f"first page of {pending:,} pending invitations; moto answers an index query by reading "
                "the whole table, so its latency here grows with the table (DynamoDB's does not)"
            ),
        ),
    ]


def sections(m: Invitations) -> list[Section]:
    request, worker = bulk_grant.paragraphs(m.bulk)
    return [
        Section(
            "Invitations: accept, bulk grants, the staff's views",
            [
                operations_table(m.results, [*STANDARD, target_column(TARGETS)]),
                Bullets(notes(m.results)),
            ],
            subsections=[
                Section(
                    "Bulk invitations",
                    [request, bulk_grant.request_table(m.bulk), worker, bulk_grant.worker_table(m.bulk)],
                )
            ],
            verdicts=[*(t.verdict(m.results) for t in TARGETS), bulk_grant.verdict(m.bulk)],
        )
    ]
