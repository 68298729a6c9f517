"""Sign-in by emailed code: asking for a code (a known and an unknown address) and verifying.

``SIGNIN_METHODS=both``. Set-up runs ``MAIL_DISPATCH=inline`` (the codes are read from
moto's SES); the measured requests run ``stream``, as deployed: asking writes the task and
answers, the code is written and emailed after the answer. Each verify run gets an account
of its own with a fresh code (an address gets one code a minute and 5 tries a window).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bench.harness.operations import (
    OPERATION,
    READ_CALLS,
    READS_BY_OPERATION,
    STANDARD,
    WRITE_CALLS,
    WRITES_BY_OPERATION,
    CallTarget,
    notes,
    on_budgets,
    operations_table,
    target_column,
    writes_besides_budget,
)
from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import Answer, BenchError, World, expect

KNOWN = "bench-code-known@example.com"
UNKNOWN = "bench-code-nobody@example.com"


def calls_besides_budget(result: Result) -> int:
    return sum(1 for c in result.dynamodb() if not on_budgets(c))


TARGETS = (
    CallTarget(
        "Code request: 1 DynamoDB write besides the per-source budget's, known and unknown address alike",
        ("code_request_known", "code_request_unknown"),
        "= 1 write (+ 1 budget)",
        lambda n: n == 1,
        count=writes_besides_budget,
        deterministic=True,
    ),
    CallTarget(
        "Code verify: ≤ 2 DynamoDB calls besides the per-source budget's",
        ("code_verify_ok", "code_verify_wrong", "code_verify_unknown"),
        "≤ 2 (+ 1 budget)",
        lambda n: n <= 2,
        count=calls_besides_budget,
    ),
)
SPLIT = (OPERATION, WRITE_CALLS, WRITES_BY_OPERATION, READ_CALLS, READS_BY_OPERATION)


def code_in_mail(w: World, address: str) -> str:
    """The code in the newest email moto's SES got for ``address``."""
    from moto.ses.models import ses_backends

    from bench.harness.world import ACCOUNT_ID, REGION
    from devtools.mailbox import parse_raw

    for sent in reversed(ses_backends[ACCOUNT_ID][REGION].sent_messages):
        raw = getattr(sent, "raw_data", None)
        if raw is not None and address in list(sent.destinations):
            found = re.search(r"\b(\d{6})\b", parse_raw(sent.id, list(sent.destinations), raw).text)
            if found:
                return found.group(1)
    raise BenchError(f"no code emailed to {address}")


def measure(w: World) -> list[Result]:
    inline = w.new_container("inline", SIGNIN_METHODS="both")
    stream = w.new_container("stream", SIGNIN_METHODS="both")
    total = w.total
    w.say(f"set-up (MAIL_DISPATCH=inline): {2 * total + 1} accounts")
    signing_in = [f"bench-code-{i}@example.com" for i in range(total)]
    guessing = [f"bench-code-guess-{i}@example.com" for i in range(total)]
    w.verified_accounts([KNOWN, *signing_in, *guessing])

    def with_code(address: str) -> str:
        """Ask for a code untimed (inline: sent at once) and read it from the email."""
        w.use(inline)
        expect(202)(w.send("POST", "/sessions/code", {"email": address}))
        code = code_in_mail(w, address)
        w.use(stream)
        return code

    def verify(addresses: list[str], right: bool) -> Callable[[int], Callable[[], Answer]]:
        def call(i: int) -> Callable[[], Answer]:
            code = with_code(addresses[i])
            guess = code if right else f"{(int(code) + 1) % 10**6:06d}"
            return w.prepared("POST", "/sessions/code/verify", {"email": addresses[i], "code": guess})

        return call

    w.use(stream)
    w.say(f"measuring: {w.warmup} warm-up runs, then {w.runs} measured runs per operation")
    results = [
        w.measure(
            "code_request_known",
            "POST /sessions/code (known address)",
            lambda i: w.prepared("POST", "/sessions/code", {"email": KNOWN}),
            expect(202),
            note=(
                "the source's budget, then the task's one write; the code is written and sent "
                "after the answer"
            ),
        ),
        w.measure(
            "code_request_unknown",
            "POST /sessions/code (unknown address)",
            lambda i: w.prepared("POST", "/sessions/code", {"email": UNKNOWN}),
            expect(202),
            note="the same calls as for a known address",
        ),
        w.measure(
            "code_verify_ok",
            "POST /sessions/code/verify (right code)",
            verify(signing_in, right=True),
            expect(200),
            note=(
                "the try reserved (UpdateItem), then the code consumed with the session (TransactWriteItems)"
            ),
        ),
        w.measure(
            "code_verify_wrong",
            "POST /sessions/code/verify (wrong code)",
            verify(guessing, right=False),
            expect(401, "invalid_code"),
        ),
        w.measure(
            "code_verify_unknown",
            "POST /sessions/code/verify (no code asked for the address)",
            lambda i: w.prepared("POST", "/sessions/code/verify", {"email": UNKNOWN + "x", "code": "123456"}),
            expect(401, "invalid_code"),
            note="the same one conditional write, which fails",
        ),
    ]
    w.use(w.stream)
    return results


def sections(results: list[Result]) -> list[Section]:
    return [
        Section(
            "Sign-in by emailed code",
            [
                operations_table(results, [*STANDARD, target_column(TARGETS)]),
                Bullets(notes(results)),
                "The same operations, writes apart from reads.",
                operations_table(results, SPLIT),
            ],
            verdicts=[t.verdict(results) for t in TARGETS],
        )
    ]
