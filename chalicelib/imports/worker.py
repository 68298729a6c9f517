"""The import worker: counts the file, then works its passes, then finishes the import.

Every minute the scheduled worker (and, for half a second, the request that queued it)
leases each unfinished import in turn and works it for its time budget. Phases:

- ``count``: the header is matched and the rows counted (the 500,000-row limit is
  checked before anything is written; the count gives the percentage and the estimate);
- ``check`` (dry run), or ``validate`` then ``commit`` (``on_error=stop``: nothing is
  written unless every row is valid), or ``commit`` (``on_error=skip``): see ``passes``;
- finish: the error file (rows that failed, in the input's format, formula-safe), the
  invitation job of the created customers (``invite=now``), ``done`` or ``failed``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chalicelib import invitations
from chalicelib.imports import files, passes, store
from chalicelib.imports.models import ImportItem
from chalicelib.imports.passes import Group, Parsed, parsed_rows
from chalicelib.imports.rows import Columns
from chalicelib.imports.store import LeaseLost
from chalicelib.kernel.observability import logger, metric
from chalicelib.kernel.workers import each_item

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

LEASE_MARGIN = 60  # seconds a lease outlives the run's budget


def work(c: Container, import_id: str, budget: float) -> int:
    """Work ``import_id`` for up to ``budget`` seconds; returns the rows worked."""
    started = time.monotonic()
    lease = int(c.clock.now() + budget + LEASE_MARGIN)
    item = store.lease(import_id, int(c.clock.now()), lease)
    if item is None:
        return 0
    worked = 0
    try:
        while item.status in store.RUNNING:  # at least one step a run, then while time is left
            if item.status == "queued" or item.phase == "count":
                _count(c, item, lease)
            else:
                done, finished = _pass(c, item, lease, budget - (time.monotonic() - started))
                worked += done
                if finished:
                    _next_phase(c, item, lease)
            if time.monotonic() - started >= budget:
                break
        if item.status in store.RUNNING:
            store.change(import_id, lease, [ImportItem.lease_until.remove()])
    except LeaseLost:
        logger.info("import lease lost", extra={"import_id": import_id})
    except files.BadFile as e:
        _finish(c, item, lease, "failed", e.code, e.message)
    return worked


def _set(c: Container, item: ImportItem, lease: int, **values: Any) -> None:
    """Change the import's attributes (ours while the lease holds) here and in the table."""
    actions = []
    for name, value in values.items():
        attribute = getattr(ImportItem, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
        setattr(item, name, value)
    store.change(item.import_id, lease, actions)


def _count(c: Container, item: ImportItem, lease: int) -> None:
    with files.rows(c, files.file_key(item.import_id), str(item.file_format)) as (header, data):
        columns = Columns.match(header)
        if columns.plaintext():
            files.delete(c, files.file_key(item.import_id))  # never kept, never read further
            raise files.BadFile(
                "plaintext_passwords",
                "plaintext passwords are never imported: the file was deleted; "
                "remove the column, or give the previous platform's hashes as password_hash",
            )
        if problem := columns.problem():
            raise files.BadFile("missing_column", problem)
        total = 0
        for _ in data:
            total += 1
            if total > files.MAX_ROWS:
                raise files.BadFile("too_many_rows", f"at most {files.MAX_ROWS:,} rows")
    if total == 0:
        raise files.BadFile("empty_file", "the file has a header but no rows")
    described = json.dumps({"matched": columns.known(), "ignored": columns.ignored})
    phase = "check" if item.dry_run else ("validate" if item.on_error == "stop" else "commit")
    now = int(c.clock.now())
    _set(c, item, lease, status="running", phase=phase, total=total, columns=described, next_row=1,
         pass_started_at=now, pass_first_row=1)  # fmt: skip


def _pass(c: Container, item: ImportItem, lease: int, budget: float) -> tuple[int, bool]:
    """Work the current phase's rows from ``next_row``; (rows worked, phase finished)."""
    started, done = time.monotonic(), 0
    start = int(item.next_row or 1)
    _set(c, item, lease, pass_started_at=int(c.clock.now()), pass_first_row=start)
    group, size = Group(c, item, lease, str(item.phase)), passes.group_rows(str(item.phase))
    with files.rows(c, files.file_key(item.import_id), str(item.file_format)) as (header, data):
        batch: list[Parsed] = []
        for parsed in parsed_rows(c, Columns.match(header), data, start):
            batch.append(parsed)
            full = len(batch) >= size or _errors_after(item, batch) > int(item.max_errors or 0)
            if not full:
                continue
            if not group.run(batch):
                raise LeaseLost()
            done += len(batch)
            batch = []
            if int(item.errors or 0) > int(item.max_errors or 0):
                return done, True
            if time.monotonic() - started >= budget:
                return done, False
        if batch:
            if not group.run(batch):
                raise LeaseLost()
            done += len(batch)
    return done, True


def _errors_after(item: ImportItem, batch: list[Parsed]) -> int:
    return int(item.errors or 0) + sum(1 for p in batch if p.error is not None)


def _next_phase(c: Container, item: ImportItem, lease: int) -> None:
    too_many = int(item.errors or 0) > int(item.max_errors or 0)
    if too_many:
        _finish(c, item, lease, "failed", "too_many_errors", f"more than {item.max_errors} rows have errors")
    elif item.phase == "validate" and int(item.errors or 0) > 0:
        _finish(c, item, lease, "failed", "rows_invalid", "rows have errors: nothing was imported")
    elif item.phase == "validate":
        now = int(c.clock.now())
        _set(c, item, lease, phase="commit", next_row=1, pass_started_at=now, pass_first_row=1)
    else:
        _finish(c, item, lease, "done")


def _finish(
    c: Container,
    item: ImportItem,
    lease: int,
    status: str,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    error_file = None
    if int(item.errors or 0) > 0 and item.total and reason != "plaintext_passwords":
        error_file = files.error_key(item.import_id, str(item.file_format))
        try:
            _write_error_file(c, item, error_file)
        except files.BadFile:  # the file breaks before its end: no error file
            error_file = None
    invited_at = None
    if not item.dry_run and item.invite == "now" and int(item.invite_rows or 0) > 0:
        invitations.open_job(c, str(item.invite_job_id), int(item.invite_rows or 0), str(item.created_by))
        invited_at = int(c.clock.now())
    ended = {"finished_at": int(c.clock.now()), "open_in": None, "lease_until": None, "phase": None}
    _set(c, item, lease, status=status, reason=reason, detail=detail or None, error_file=error_file,
         invited_at=invited_at, **ended)  # fmt: skip
    metric("ImportsFinished")
    logger.info("import finished", extra={"import_id": item.import_id, "status": status, "reason": reason})


def _write_error_file(c: Container, item: ImportItem, key: str) -> None:
    failed: dict[int, list[Any]] = {}
    for results in store.all_results(item.import_id):
        for row, status, field, code, message, _ in json.loads(results.results or "[]"):
            if status == "error":
                failed[row] = [field, code, message]
    with files.rows(c, files.file_key(item.import_id), str(item.file_format)) as (header, data):

        def rows() -> Iterator[list[Any]]:
            for number, cells in enumerate(data, start=1):
                if number in failed:
                    yield [*cells, *failed[number]]

        files.write_error_file(c, key, str(item.file_format), header, rows())


def advance_open(c: Container, budget: float) -> int:
    """The scheduled worker: carry on with every unfinished import of this namespace. An
    import that fails for its own reasons is logged and skipped (retried once its lease
    runs out); a busy database stops the run."""
    started, done, outcomes = time.monotonic(), 0, Counter[str]()
    for import_id in store.open_imports(c.settings.account_namespace):
        remaining = budget - (time.monotonic() - started)
        if remaining <= 0:
            break
        with each_item("import_worker", import_id, outcomes):
            done += work(c, import_id, remaining)
    return done
