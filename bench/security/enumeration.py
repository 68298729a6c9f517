"""No enumeration: both paths of each public route, side by side (SPEC §4, issue 9).

For each route whose work could depend on whether an address has an account, each path
(a free address, a taken one, ...) is measured on the stage's settings (``MAIL_DISPATCH=
stream``: what depends on the address happens in a task after the answer, as on AWS): the
request's calls in order, its argon2 work, its status and body (ids and link tokens masked),
and its latency. A route is ``equal`` when every path made the same calls, the same argon2
work and the same answer on every run. One call is left out of the comparison and counted
apart: the reference counter's block write (``UpdateItem`` on ``customer-search``), which a
container makes once per block of up to 16 new customers, whatever their addresses (every
path of these routes creates a customer: a guest, or an account awaiting its email). The
task each request left in the outbox is then worked by the stream's sender, one per run,
and measured apart, for information: it runs after the answer, where the caller cannot see
it.

The paths and their inputs are in ``bench.security.paths``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bench.harness.awscalls import Call, sequence
from bench.harness.outbox import Stream, deliver
from bench.harness.sections import Table, Verdict
from bench.harness.timing import Result
from bench.harness.world import Answer, BenchError, World, settle
from bench.security.paths import Spec, routes, set_up

_TOKEN = re.compile(r"token=[A-Za-z0-9_\-.~%]+")


def masked(value: Any) -> Any:
    """The answer with what differs on every call anyway (ids, link tokens) masked."""
    if isinstance(value, dict):
        return {k: "<id>" if k == "customer_id" else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, str):
        return _TOKEN.sub("token=<token>", value)
    return value


def answer_of(answer: Answer) -> str:
    """Status, content type and masked body: what the caller sees."""
    try:
        body = json.dumps(masked(json.loads(answer.body)), sort_keys=True, ensure_ascii=False)
    except ValueError:
        body = repr(answer.body[:80])
    kind = answer.headers.get("Content-Type", "")
    extra = f" Retry-After {answer.headers['Retry-After']}" if "Retry-After" in answer.headers else ""
    return f"{answer.status_code} {kind}{extra} {body}"


def is_reference_block(call: Call) -> bool:
    """The reference counter's ``UpdateItem``: search keys are written in transactions only."""
    return call.operation == "UpdateItem" and call.table.endswith("customer-search")


def compared(calls: tuple[Call, ...]) -> tuple[tuple[str, str, int], ...]:
    return tuple((c.service, c.operation, c.items) for c in calls if not is_reference_block(c))


@dataclass
class PathRun:
    label: str
    request: Result
    answers: set[str]  # every run's answer_of (one when the path answers alike)
    task: Result | None = None  # the deferred task's calls (the stream's sender), per run

    def operations(self) -> tuple[tuple[str, str, int], ...]:
        """The request's calls in order, each as service, operation and item count: whether a
        condition held (✗) is the same round trip, and its outcome never reaches the caller."""
        return compared(self.request.calls)

    def deterministic(self) -> bool:
        runs = self.request.runs or [self.request.calls]
        return len({compared(run) for run in runs}) == 1 and len(self.answers) == 1

    def counter_writes(self) -> int:
        """Runs that took a block of references (the call ``compared`` leaves out)."""
        return sum(any(is_reference_block(c) for c in run) for run in self.request.runs)

    def signature(self) -> tuple[Any, ...]:
        return (self.operations(), tuple(sorted(self.request.argon2_ops.items())), frozenset(self.answers))


@dataclass
class Route:
    route: str
    question: str  # what the paths differ in
    paths: list[PathRun]
    note: str = ""

    def deterministic(self) -> bool:
        return all(p.deterministic() for p in self.paths)

    def equal(self) -> bool:
        return self.deterministic() and len({p.signature() for p in self.paths}) == 1

    def differences(self) -> list[str]:
        first, found = self.paths[0], []
        for other in self.paths[1:]:
            if other.operations() != first.operations():
                found.append("calls")
            if other.request.argon2_ops != first.request.argon2_ops:
                found.append("argon2 work")
            if other.answers != first.answers:
                found.append("answer")
        if not self.deterministic():
            found.append("runs of one path differ")
        return sorted(set(found))


def measure(w: World) -> list[Route]:
    made = set_up(w)
    w.use(w.stream)
    settle()
    measured = []
    for route, question, specs, note in routes(w, made):
        w.say(f"  {route}: {question}")
        paths = []
        for spec in specs:
            paths.append(_measure_path(w, route, spec))
        measured.append(Route(route, question, paths, note))
    return measured


def _measure_path(w: World, route: str, spec: Spec) -> PathRun:
    stream = Stream()
    answers: set[str] = set()
    tasks: list[str] = []

    def check(answer: Answer) -> None:
        if answer.status_code != spec.status:
            raise BenchError(f"expected {spec.status}, got {answer.status_code}: {answer.body!r}")
        answers.add(answer_of(answer))
        if spec.task:
            new = stream.inserts()
            if len(new) != 1:
                raise BenchError(f"expected one task in the outbox, found {len(new)}")
            tasks.extend(new)

    request = w.measure(f"enum {route} {spec.label}", f"{route} ({spec.label})", spec.request, check)
    run = PathRun(spec.label, request, answers)
    if spec.task:

        def done(outcome: Answer) -> None:
            if outcome != {"done": 1}:
                raise BenchError(f"the task ended {outcome}")

        run.task = w.measure(
            f"task {route} {spec.label}",
            f"  its task ({spec.label})",
            lambda i: lambda: deliver(tasks[i]),
            done,
        )
    return run


def _argon2(r: Result) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(r.argon2_ops.items())) or "—"


def _calls(r: Result) -> str:
    text = sequence(r.dynamodb(), "dynamodb") or "—"
    others = sequence(r.others())
    text += f" + {others}" if others else ""
    return text if r.variants == 1 else f"{text} (varies: {r.variants} patterns)"


def _path_calls(p: PathRun) -> str:
    """The compared calls of the most common run, and the runs that took a block of references."""
    kept = tuple(c for c in p.request.calls if not is_reference_block(c))
    text = sequence([c for c in kept if c.service == "dynamodb"], "dynamodb") or "—"
    others = sequence([c for c in kept if c.service != "dynamodb"])
    text += f" + {others}" if others else ""
    if not p.deterministic():
        text += " (varies)"
    blocks = p.counter_writes()
    if blocks:
        text += f"; + the reference block's UpdateItem in {blocks} of {len(p.request.runs)} runs"
    return text


def table(measured: list[Route]) -> Table:
    rows = []
    for route in measured:
        verdict = "**equal**" if route.equal() else f"**UNEQUAL** ({', '.join(route.differences())})"
        for n, p in enumerate(route.paths):
            rows.append(
                [
                    route.route if n == 0 else "",
                    p.label,
                    str(len([c for c in p.request.dynamodb() if not is_reference_block(c)])),
                    _path_calls(p),
                    _argon2(p.request),
                    " / ".join(f"`{a}`" for a in sorted(p.answers)),
                    f"{p.request.p(50):.1f}",
                    verdict if n == 0 else "",
                ]
            )
    header = ["Route", "Path", "DynamoDB calls", "In order ([n] items, ✗ failed)", "argon2id"]
    header += ["Answer (status, type, body; ids and tokens masked)", "p50 ms", "Verdict"]
    return Table(header, rows, "llrlrlrl")


def tasks_table(measured: list[Route]) -> Table:
    rows = []
    for route in measured:
        for p in route.paths:
            if p.task is None:
                continue
            rows.append(
                [
                    route.route,
                    p.label,
                    str(len(p.task.dynamodb())),
                    _calls(p.task),
                    f"{p.task.p(50):.1f}",
                ]
            )
    header = [
        "Route",
        "Path",
        "DynamoDB calls",
        "In order (the stream's sender: claim, work, mark done)",
        "p50 ms",
    ]
    return Table(header, rows, "llrlr")


def verdicts(measured: list[Route]) -> list[Verdict]:
    found = []
    for route in measured:
        summary = "; ".join(f"{p.label}: {_path_calls(p)}, {_argon2(p.request)}" for p in route.paths)
        state = "equal" if route.equal() else f"unequal ({', '.join(route.differences())})"
        found.append(
            Verdict(
                f"No enumeration, {route.route}: {route.question}",
                f"{state}: {summary}",
                "equal calls, argon2 work, answer",
                route.equal(),
            )
        )
    return found
