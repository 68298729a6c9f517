"""Mail: the outbox's stream sender and its sweeper.

With ``MAIL_DISPATCH=stream`` a request only writes its email into the outbox, in its own
transaction; the outbox table's stream then hands each new message to the sender Lambda
(``chalicelib.jobs.send_from_stream``). The set-up makes the messages to send: sign-ups of
new addresses, whose tasks the sender works first (untimed; the tasks are measured under
No enumeration), so that their verify emails wait in the outbox. The sweeper retries what
the sender could not send; the clock never moves, so it finds nothing due.
"""

from __future__ import annotations

from bench.harness.operations import (
    DYNAMODB_CALLS,
    IN_ORDER,
    OPERATION,
    OTHER_AWS_CALLS,
    P50,
    P95,
    notes,
    operations_table,
)
from bench.harness.outbox import Stream, deliver, stream_event
from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import Answer, BenchError, World, settle

COLUMNS = (OPERATION, DYNAMODB_CALLS, IN_ORDER, OTHER_AWS_CALLS, P50, P95)


def measure(w: World) -> list[Result]:
    from chalicelib import jobs
    from chalicelib.mail.outbox import SHARDS

    w.say(f"set-up (MAIL_DISPATCH=stream): {w.total} sign-ups whose verify emails wait in the outbox")
    w.use(w.stream)
    stream = Stream()
    for i in range(w.total):
        w.signup(f"bench-mail-{i}@example.com", "Sam")
    tasks = stream.inserts()  # the sign-up tasks: each makes the account, queues its email

    def task_done(outcome: Answer) -> None:
        if outcome != {"done": 1}:
            raise BenchError(f"a sign-up task ended {outcome}")

    task = w.measure(
        "signup_task",
        "sign-up task (stream, 1 record)",
        lambda i: lambda: deliver(tasks[i]),
        task_done,
        note="the deferred work of one POST /signup: the account, its email claim, its verify email",
    )
    emails = stream.inserts()
    if len(emails) != w.total:
        raise BenchError(f"expected {w.total} new verify emails in the outbox, found {len(emails)}")

    def sent_one(outcome: Answer) -> None:
        if outcome != {"sent": 1}:
            raise BenchError(f"outbox sender answered {outcome}")

    def nothing_due(outcome: Answer) -> None:
        if outcome != {}:
            raise BenchError(f"the sweeper found work: {outcome}")

    settle()
    return [
        task,
        w.measure(
            "outbox_stream",
            "outbox send (stream, 1 record)",
            lambda i: lambda: jobs.send_from_stream(stream_event(emails[i])),
            sent_one,
            note="chalicelib.jobs.send_from_stream, for one sign-up's verify email: claim, SES, mark sent",
        ),
        w.measure(
            "sweeper_idle",
            "outbox sweeper (nothing due)",
            lambda i: jobs.sweep_outbox,
            nothing_due,
            note=f"one Query per due shard ({SHARDS})",
        ),
    ]


def sections(results: list[Result]) -> list[Section]:
    return [
        Section(
            "Mail: the outbox",
            [
                "What sends the emails that requests leave in the outbox with `MAIL_DISPATCH=stream` "
                "(the rows marked stream in the other sections): the stream's sender, once per new "
                "message (a deferred task, such as the account a sign-up makes, or an email), and "
                "the scheduled sweeper that retries what the sender could not send.",
                operations_table(results, COLUMNS),
                Bullets(notes(results)),
            ],
        )
    ]
