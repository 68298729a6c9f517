"""One pass over an import's rows: the same code for the dry run and the real run.

Rows are read in file order and validated on their own, then worked in groups: the
group's email claims are read in one ``BatchGetItem``, each row is planned (created,
updated, skipped or error), and one ``TransactWriteItems`` writes the rows' changes (only
when committing), their results and the import's progress (``next_row``), conditional on
the worker's lease and on ``next_row`` standing where the group starts. A crash leaves
the rows either wholly done with their results or not at all; the next worker re-reads
the file from the top (validating, which rebuilds the duplicate check) and goes on at
``next_row``.

Modes: ``check`` (dry run: plans with reads, records every row, writes no customer),
``validate`` (the ``stop`` policy's first pass: no reads, records errors only), ``commit``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as default
from typing import TYPE_CHECKING, Any

from chalicelib import identity, invitations, portal, privacy
from chalicelib.identity import Customer, Login
from chalicelib.imports import rows, store
from chalicelib.imports.models import ImportItem
from chalicelib.imports.rows import Candidate, Columns, RowError
from chalicelib.kernel.errors import ServiceUnavailable
from chalicelib.kernel.models import is_live
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

#: rows read together (one BatchGetItem of claims, one of tombstones: at most 100 keys each)
#: and written in transactions of up to MAX_ITEMS items (a created row is ~15 items with its
#: search keys, address and event: bigger groups fill the transactions better)
GROUP_ROWS = 96
CHECK_GROUP_ROWS = 100  # a dry run or a validation writes no row: bigger groups, fewer calls
MAX_ITEMS = 98  # per transaction (DynamoDB takes 100): the results item and the progress
UPDATABLE = ("active", "inactive", "blocked", "invited", "pending")
COUNTERS = {"created": "created", "updated": "updated", "skipped": "skipped", "error": "errors"}
RESULTS_RETENTION = 30 * 86400


@dataclass
class Parsed:
    row: int
    cells: list[Any]
    candidate: Candidate | None = None
    error: RowError | None = None


@dataclass
class Outcome:
    row: int
    status: str  # created | updated | skipped | error (| ok: valid, in a validate pass)
    field: str | None = None
    code: str | None = None
    message: str | None = None
    customer_id: str | None = None
    steps: list[tuple[str, Step]] = default(default_factory=list)
    invite: bool = False

    def result(self) -> list[Any]:
        return [self.row, self.status, self.field, self.code, self.message, self.customer_id]


def group_rows(mode: str) -> int:
    """Rows per group: a commit's transactions hold each row's items; the others hold none."""
    return GROUP_ROWS if mode == "commit" else CHECK_GROUP_ROWS


def parsed_rows(c: Container, columns: Columns, data: Iterator[list[Any]], start: int) -> Iterator[Parsed]:
    """Rows from ``start`` on, validated; earlier rows only feed the duplicate check (a
    64-bit digest per address: 500,000 rows hold a few tens of MB)."""
    seen: dict[int, int] = {}
    default = c.settings.DEFAULT_LOCALE
    for number, cells in enumerate(data, start=1):
        values = columns.values(cells)
        try:
            email = rows.email_of(values)
            digest = int.from_bytes(hashlib.blake2b(email.encode(), digest_size=8).digest(), "big")
            first = seen.setdefault(digest, number)
            if number < start:
                continue
            if first != number:
                raise RowError("email", "duplicate_in_file", f"the same address is on row {first}")
            yield Parsed(number, cells, candidate=rows.validate(values, email, default))
        except RowError as e:
            if number >= start:
                yield Parsed(number, cells, error=e)


ERASED = RowError("email", "erased", "this address's owner had their data erased: not imported")


class Group:
    """Work rows of one pass in groups; ``run`` returns False when the lease was lost."""

    def __init__(self, c: Container, item: ImportItem, lease: int, mode: str) -> None:
        self.c, self.item, self.lease, self.mode = c, item, lease, mode
        self.actor = str(item.created_by)
        self.invite_rows = int(item.invite_rows or 0)
        self.references: list[str] = []  # the group's new customers' (one counter write)

    def run(self, batch: list[Parsed]) -> bool:
        for _ in range(3):
            outcomes = self._plan(batch)
            failed = self._commit(outcomes, batch[0].row, batch[-1].row + 1)
            if failed is None:
                return True
            if {"import", "results"} & failed:
                return False
        raise ServiceUnavailable("The rows' customers keep changing; the worker will retry.")

    def _plan(self, batch: list[Parsed]) -> list[Outcome]:
        """The group's reads: the email claims (``BatchGetItem``), the customers to update,
        and the GDPR tombstones of the addresses no account holds (``BatchGetItem``: an
        erased person's address must not come back through an import; an account made
        since by its owner is updated as any other)."""
        valid = [p.candidate for p in batch if p.candidate is not None]
        found: dict[str, Login] = {}
        owners: dict[str, Customer] = {}
        if self.mode != "validate" and valid:
            keys = [identity.login_key(self.c, row.email) for row in valid]
            now = self.c.clock.now()
            found = {k: v for k, v in identity.enrolment.logins(keys).items() if is_live(v, now)}
            updates = [
                found[k].customer_id for k, row in zip(keys, valid, strict=True) if k in found and row.update
            ]
            owners = identity.enrolment.customers(updates) if updates else {}
        unclaimed = [row.email for row in valid if identity.login_key(self.c, row.email) not in found]
        # validation records errors only; an erased address is a skip, found when working
        erased = privacy.erased_among(self.c, unclaimed) if self.mode != "validate" else set()
        new = sum(1 for email in unclaimed if email not in erased)
        self.references = identity.enrolment.references(self.c, new) if self.mode == "commit" and new else []
        self.references.reverse()  # popped in order
        return [self._outcome(p, found, owners, erased) for p in batch]

    def _outcome(
        self, p: Parsed, found: dict[str, Login], owners: dict[str, Customer], erased: set[str]
    ) -> Outcome:
        if p.error is not None:
            return Outcome(p.row, "error", p.error.field, p.error.code, p.error.message)
        row = p.candidate
        assert row is not None
        login = found.get(identity.login_key(self.c, row.email))
        if login is None and row.email in erased:
            return Outcome(p.row, "skipped", ERASED.field, ERASED.code, ERASED.message)
        if self.mode == "validate":
            return Outcome(p.row, "ok")
        if login is None:
            return self._create(p.row, row)
        if not row.update:
            message = "an account uses this address; action=update updates it"
            return Outcome(p.row, "skipped", "email", "exists", message, login.customer_id)
        owner = owners.get(login.customer_id)
        if owner is None or owner.status not in UPDATABLE:
            status = owner.status if owner else "gone"
            return Outcome(p.row, "error", "email", "not_updatable", f"the account is {status}")
        changes = {"name": row.name, "locale": row.locale, "phone": row.phone, "newsletter": row.newsletter}
        changes = {k: v for k, v in changes.items() if v is not None}
        steps = identity.enrolment.profile_steps(self.c, owner, changes, actor=self.actor)
        return Outcome(p.row, "updated", customer_id=owner.customer_id, steps=steps)

    def _create(self, number: int, row: Candidate) -> Outcome:
        invited = not row.password_hash and self.item.invite != "none"
        if self.mode != "commit":  # a dry run or the check before a commit: nothing is built
            return Outcome(number, "created", invite=invited)  # (a reference is a counter's write)
        customer = identity.enrolment.new_customer(
            self.c,
            email=row.email,
            name=row.name,
            locale=row.locale or self.c.settings.DEFAULT_LOCALE,
            status="invited" if invited else "active",
            phone=row.phone,
            newsletter=bool(row.newsletter),
            reference=self.references.pop() if self.references else None,
        )
        detail = {"import_id": self.item.import_id, "row": number}
        steps = identity.enrolment.creation_steps(
            self.c, customer, password_hash=row.password_hash, actor=self.actor, **detail
        )
        if row.address is not None:
            steps += portal.first_address_steps(self.c, customer.customer_id, row.address)
        return Outcome(number, "created", customer_id=customer.customer_id, steps=steps, invite=invited)

    def _commit(self, outcomes: list[Outcome], first: int, after: int) -> set[str] | None:
        """Write the group in transactions of at most ``MAX_ITEMS`` row items; None when done."""
        start = 0
        while start < len(outcomes):
            end, items = start, 0
            while end < len(outcomes) and (end == start or items + self._size(outcomes[end]) <= MAX_ITEMS):
                items += self._size(outcomes[end])
                end += 1
            stop = outcomes[end].row if end < len(outcomes) else after
            failed = self._write(outcomes[start:end], outcomes[start].row if start else first, stop)
            if failed:
                return failed
            start = end
        return None

    def _size(self, o: Outcome) -> int:
        return len(o.steps) + int(o.invite) if self.mode == "commit" else 0

    def _write(self, outcomes: list[Outcome], first: int, after: int) -> set[str]:
        from chalicelib.imports.models import ImportItem as Item

        recorded = [
            o for o in outcomes if o.status != "ok" and (self.mode != "validate" or o.status == "error")
        ]
        counts = Counter(o.status for o in outcomes if o.status in COUNTERS)
        actions = [Item.next_row.set(after)] + [getattr(Item, COUNTERS[s]).add(n) for s, n in counts.items()]
        steps: list[tuple[str, Step]] = []
        invite_rows = self.invite_rows
        if self.mode == "commit":
            for o in outcomes:
                steps += [(f"{o.row}:{label}", step) for label, step in o.steps]
                if o.invite and o.customer_id:
                    invite_rows += 1
                    label, step = invitations.row_step(
                        self.c, str(self.item.invite_job_id), invite_rows, o.customer_id
                    )
                    steps.append((f"{o.row}:{label}", step))
            if invite_rows != self.invite_rows:
                actions.append(Item.invite_rows.set(invite_rows))
        now = int(self.c.clock.now())
        if recorded:
            results = [o.result() for o in recorded]
            steps.append(
                store.results_step(self.item.import_id, first, results, now, now + RESULTS_RETENTION)
            )
        steps.append(store.progress_step(self.item.import_id, self.lease, first, actions))
        failed = store.commit(steps)
        if not failed:
            self.invite_rows = self.item.invite_rows = invite_rows
            for status, n in counts.items():
                name = COUNTERS[status]
                setattr(self.item, name, int(getattr(self.item, name) or 0) + n)
            self.item.next_row = after
        return failed
