"""The imports table: an import (seq 0) leased by one worker at a time, and the results
of each worked group of rows, written with the rows' own changes and the import's
progress in one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.imports.models import ImportItem
from chalicelib.kernel.cursors import Seal, decode, listed_page
from chalicelib.kernel.dynamo import error_code, take_lease, translated
from chalicelib.kernel.models import IdempotencyRecord
from chalicelib.kernel.transactions import Cancelled, Step, run

RESULT_KEYS = frozenset({"import_id", "seq"})
RUNNING = ("queued", "running")


class LeaseLost(Exception):
    """Another worker holds the import now (or it finished): stop, it goes on there."""


class Replayed(Exception):
    """An import with this Idempotency-Key was created already."""


@translated
def create(item: ImportItem, idempotency: IdempotencyRecord | None, now: int) -> None:
    """The import, and the Idempotency-Key's record with it (``Replayed`` if it exists)."""
    steps: list[tuple[str, Step]] = [
        ("import", lambda tx: tx.save(item, condition=ImportItem.import_id.does_not_exist()))
    ]
    if idempotency is not None:
        free = IdempotencyRecord.idempotency_key.does_not_exist() | (IdempotencyRecord.expires_at < now)
        steps.append(("idempotency", lambda tx: tx.save(idempotency, condition=free)))
    try:
        run(steps)
    except Cancelled as e:
        if "idempotency" in e.failed:
            raise Replayed() from e
        raise


@translated
def get(import_id: str) -> ImportItem | None:
    try:
        return ImportItem.get(import_id, 0, consistent_read=True)
    except ImportItem.DoesNotExist:
        return None


@translated
def lease(import_id: str, now: int, until: int) -> ImportItem | None:
    """Take a queued or running import until ``until`` unless another worker holds it."""
    item = ImportItem(import_id, 0)
    if not take_lease(item, ImportItem.lease_until, now, until, ImportItem.status.is_in(*RUNNING)):
        return None
    item.refresh(consistent_read=True)
    return item


def _held(lease_until: int) -> Condition:
    held: Condition = ImportItem.lease_until == lease_until
    return held


@translated
def change(import_id: str, lease_until: int, actions: list[Action], extra: Condition | None = None) -> None:
    """Move the import on (phase, status, counts) while we hold it; else ``LeaseLost``."""
    condition = _held(lease_until) if extra is None else _held(lease_until) & extra
    try:
        ImportItem(import_id, 0).update(actions=actions, condition=condition)
    except UpdateError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            raise LeaseLost() from e
        raise


@translated
def queue_uploaded(import_id: str, size: int, now: int, namespace: str) -> bool:
    """An upload-URL import whose file arrived: queued (once)."""
    actions: list[Action] = [
        ImportItem.status.set("queued"),
        ImportItem.open_in.set(namespace),
        ImportItem.size_bytes.set(size),
        ImportItem.started_at.set(now),
    ]
    try:
        ImportItem(import_id, 0).update(actions=actions, condition=ImportItem.status == "awaiting_upload")
    except UpdateError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            return False
        raise
    return True


@translated
def mark_invited(import_id: str, now: int) -> None:
    ImportItem(import_id, 0).update(actions=[ImportItem.invited_at.set(now)])


def progress_step(
    import_id: str, lease_until: int, first_row: int, actions: list[Action]
) -> tuple[str, Step]:
    """Advance the import past a group of rows, if we hold it and it stands at ``first_row``."""
    condition = _held(lease_until) & (ImportItem.next_row == first_row)
    return ("import", lambda tx: tx.update(ImportItem(import_id, 0), actions=actions, condition=condition))


def results_step(
    import_id: str, first_row: int, results: list[list[Any]], now: int, expires: int
) -> tuple[str, Step]:
    item = ImportItem(
        import_id,
        first_row,
        results=json.dumps(results, separators=(",", ":")),
        created_at=now,
        expires_at=expires,
    )
    return ("results", lambda tx: tx.save(item, condition=ImportItem.seq.does_not_exist()))


@translated
def commit(steps: Sequence[tuple[str, Step]]) -> set[str]:
    """Run a group's transaction: an empty set, or the labels whose condition failed."""
    try:
        run(steps)
    except Cancelled as e:
        return e.failed
    return set()


@translated
def results_page(
    import_id: str, cursor: str | None, limit: int, sealed: Seal
) -> tuple[list[ImportItem], str | None]:
    start = decode(cursor, RESULT_KEYS, sealed)
    query = ImportItem.query(import_id, ImportItem.seq > 0, limit=limit, last_evaluated_key=start)
    return listed_page(query, cursor, limit, sealed)


def all_results(import_id: str) -> Iterator[ImportItem]:
    """Every results item of an import, in row order (the error file)."""
    yield from ImportItem.query(import_id, ImportItem.seq > 0, consistent_read=True)


@translated
def open_imports(namespace: str, limit: int = 20) -> list[str]:
    return [item.import_id for item in ImportItem.open_index.query(namespace, limit=limit)]
