"""Tables of measured operations, and targets on their DynamoDB calls, as data.

A ``Column`` says what one column of an operations table shows for a ``Result``; each
feature picks the columns its table needs. A ``CallTarget`` is a rule on some operations'
calls ("sign-in makes ≤ 2 DynamoDB calls"): it fills the Target column of their rows and
gives one ``Verdict`` for the page's Targets table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bench.harness.awscalls import Call, sequence
from bench.harness.sections import Table, Verdict
from bench.harness.timing import Result


def by_operation(calls: Iterable[Call]) -> str:
    """``40 BatchWriteItem, 12 TransactWriteItems ([1] 1, [8] 11), ...`` in order of first use."""
    counts: Counter[str] = Counter()
    sizes: dict[str, Counter[int]] = {}
    for call in calls:
        name = call.operation if call.service == "dynamodb" else f"{call.service}:{call.operation}"
        counts[name] += 1
        if call.items:
            sizes.setdefault(name, Counter())[call.items] += 1
    parts = []
    for name, n in counts.items():
        detail = ""
        if name in sizes:
            detail = " (" + ", ".join(f"[{k}] {v}" for k, v in sorted(sizes[name].items())) + ")"
        parts.append(f"{n} {name}{detail}")
    return ", ".join(parts) or "—"


def in_order(result: Result) -> str:
    return sequence(result.dynamodb(), "dynamodb") or "—"


def _calls_cell(result: Result) -> str:
    ddb = len(result.dynamodb())
    return f"{ddb}" if result.variants == 1 else f"{ddb} (varies: {result.variants} patterns)"


def _argon2(result: Result) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(result.argon2_ops.items())) or "—"


def _items_read(result: Result) -> str:
    """Items DynamoDB read, per call: ``1, 0, 25 to 67, 0`` (a range when runs differ)."""
    cells = [str(low) if low == high else f"{low} to {high}" for low, high in result.items_read()]
    return ", ".join(cells) or "—"


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[Result], str]
    align: str = "l"  # "r" for numbers


OPERATION = Column("Operation", lambda r: r.name)
DYNAMODB_CALLS = Column("DynamoDB calls", _calls_cell, "r")
IN_ORDER = Column("In order ([n] items, ✗ failed)", in_order)
OTHER_AWS_CALLS = Column("Other AWS calls", lambda r: sequence(r.others()) or "—")
ARGON2 = Column("argon2id", _argon2, "r")
ITEMS_READ = Column("Items read, per call", _items_read, "r")
WRITE_CALLS = Column("Write calls", lambda r: str(len(r.writes())), "r")
WRITES_BY_OPERATION = Column("Writes by operation ([n] items: count)", lambda r: by_operation(r.writes()))
READ_CALLS = Column("Read calls", lambda r: str(len(r.reads())), "r")
READS_BY_OPERATION = Column("Reads by operation", lambda r: by_operation(r.reads()))
P50 = Column("p50 ms", lambda r: f"{r.p(50):.1f}", "r")
P95 = Column("p95 ms", lambda r: f"{r.p(95):.1f}", "r")
P50_WITHOUT_ARGON2 = Column(
    "p50 ms w/o argon2", lambda r: f"{r.p(50, net_of_argon2=True):.1f}" if r.argon2_ops else "", "r"
)
P50_OUTSIDE_AWS = Column("p50 ms outside AWS calls", lambda r: f"{r.p(50, net_of_aws=True):.1f}", "r")

#: the columns of a feature's main table of operations
STANDARD = (OPERATION, DYNAMODB_CALLS, IN_ORDER, OTHER_AWS_CALLS, ARGON2, P50, P95, P50_WITHOUT_ARGON2)


def operations_table(results: Sequence[Result], columns: Sequence[Column]) -> Table:
    return Table(
        [c.header for c in columns],
        [[c.cell(r) for c in columns] for r in results],
        "".join(c.align for c in columns),
    )


def notes(results: Sequence[Result]) -> list[str]:
    """What each operation's row stands for, where it needs saying."""
    return [f"{r.name}: {r.note}" for r in results if r.note]


def dynamodb_calls(result: Result) -> int:
    return len(result.dynamodb())


def on_budgets(call: Call) -> bool:
    """A call on the budgets table: the per-source budget's ``UpdateItem`` (and, past the
    budget, the ``GetItem`` that times the ``Retry-After``)."""
    return call.service == "dynamodb" and call.table.endswith("-budgets")


def writes_besides_budget(result: Result) -> int:
    """Write calls of one run, the per-source budget's apart."""
    return sum(1 for c in result.writes() if not on_budgets(c))


def _counts(target: CallTarget, found: list[Result]) -> str:
    return ", ".join(str(target.count(r)) for r in found)


@dataclass(frozen=True)
class CallTarget:
    """A rule on what each of some operations (by ``Result.key``) does with DynamoDB."""

    name: str
    keys: tuple[str, ...]
    rule: str  # "= 1", "≤ 2"
    test: Callable[[int], bool]
    count: Callable[[Result], int] = dynamodb_calls  # what the rule counts in one run
    # the Measured cell of the Targets table, from the results found; the counts by default
    describe: Callable[[CallTarget, list[Result]], str] = _counts
    deterministic: bool = False  # every run must also make the same calls

    def passes(self, result: Result) -> bool:
        return self.test(self.count(result)) and (result.variants == 1 or not self.deterministic)

    def verdict(self, results: Sequence[Result]) -> Verdict:
        by_key = {r.key: r for r in results}
        found = [by_key[k] for k in self.keys if k in by_key]
        measured = self.describe(self, found)
        if len(found) < len(self.keys):
            measured += f" ({len(self.keys) - len(found)} not measured)"
        ok = len(found) == len(self.keys) and all(map(self.passes, found))
        return Verdict(self.name, measured, self.rule, ok)


def target_column(targets: Sequence[CallTarget], otherwise: Callable[[Result], str] = lambda r: "") -> Column:
    """``= 1: PASS`` on the rows a target applies to; ``otherwise(result)`` on the others."""
    target_of = {k: t for t in targets for k in t.keys}

    def cell(result: Result) -> str:
        target = target_of.get(result.key)
        if target is None:
            return otherwise(result)
        return f"{target.rule}: {'PASS' if target.passes(result) else 'FAIL'}"

    return Column("Target", cell)
