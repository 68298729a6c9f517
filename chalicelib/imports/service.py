"""Customer imports for staff: send a file (or upload it through a presigned S3 URL), read
the progress and per-row results, send the invitations an import held back.

``POST /admin/imports`` answers 202 with the import's id at once; the worker (and the
request, for half a second) does the rest. See ``worker`` and ``passes``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import TYPE_CHECKING, Any

from chalicelib import invitations
from chalicelib.imports import files, store, worker
from chalicelib.imports.models import ImportItem
from chalicelib.kernel.clock import iso
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import InvalidState, NotFound, PayloadTooLarge, ValidationFailed
from chalicelib.kernel.idempotency import idempotency_record, replay
from chalicelib.kernel.observability import logger

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

UPLOAD_URL_SECONDS = 900
REQUEST_BUDGET = 0.5  # seconds worked inside the staff request (a small file is done by then)
RETENTION = 30 * 86400
MAX_ERRORS = 10_000
RESULTS_PER_PAGE = 20  # results items (each up to 16 rows)
FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": False}


def options(query: dict[str, Any]) -> dict[str, Any]:
    """``dry_run``, ``on_error``, ``max_errors``, ``invite`` from the query string."""
    fields: dict[str, str] = {}
    dry_run = str(query.get("dry_run", "")).lower()
    on_error = str(query.get("on_error", "stop")).lower()
    invite = str(query.get("invite", "later")).lower()
    raw_max = str(query.get("max_errors", "10"))
    if dry_run not in FLAGS:
        fields["dry_run"] = "true or false"
    if on_error not in ("stop", "skip"):
        fields["on_error"] = "stop or skip"
    if invite not in ("now", "later", "none"):
        fields["invite"] = "now, later or none"
    if not raw_max.isdigit() or int(raw_max) > MAX_ERRORS:
        fields["max_errors"] = f"a whole number from 0 to {MAX_ERRORS}"
    if fields:
        raise ValidationFailed("Invalid import options: " + ", ".join(fields), fields=fields)
    return {"dry_run": FLAGS[dry_run], "on_error": on_error, "max_errors": int(raw_max), "invite": invite}


def _new(c: Container, opts: dict[str, Any], file_format: str, actor: str, status: str) -> ImportItem:
    now, namespace = int(c.clock.now()), c.settings.account_namespace
    suffix = secrets.token_hex(12)
    item = ImportItem(
        f"imp_{suffix}", 0, namespace=namespace, created_by=actor, status=status, file_format=file_format,
        created=0, updated=0, skipped=0, errors=0, invite_rows=0, next_row=1, created_at=now,
        expires_at=now + RETENTION, **opts,
    )  # fmt: skip
    if not opts["dry_run"] and opts["invite"] != "none":
        item.invite_job_id = f"job_imp{suffix}"
    if status == "queued":
        item.open_in, item.started_at = namespace, now
    return item


def from_body(
    c: Container, opts: dict[str, Any], media_type: str, body: bytes, actor: str, key: str | None = None
) -> dict[str, Any]:
    """An import of the file sent as the request body (up to 5 MB). A retry with the same
    ``Idempotency-Key`` (and the same file and options) answers the first import."""
    if len(body) > files.MAX_BODY:
        raise PayloadTooLarge('Files above 5 MB go through an upload URL: send {"upload": true}.')
    if not body.strip():
        raise ValidationFailed("The file is empty.", fields={"body": "empty"})
    item = _new(c, opts, files.FORMATS[media_type], actor, "queued")
    item.size_bytes = len(body)
    fingerprint = {**opts, "sha256": hashlib.sha256(body).hexdigest(), "format": item.file_format}
    files.put(c, files.file_key(item.import_id), body, str(item.file_format))
    replayed = _create(c, item, key, fingerprint)
    if replayed is not None:
        return replayed  # the retry's copy of the file is left to S3's expiry
    _work_a_little(c, item.import_id)
    return {"import_id": item.import_id, "status": _status(store.get(item.import_id) or item)}


def _create(
    c: Container, item: ImportItem, key: str | None, fingerprint: dict[str, Any]
) -> dict[str, Any] | None:
    """Write the import; the first import's answer if ``key`` was used for one already."""
    answer = {"import_id": item.import_id, "status": item.status}
    record = idempotency_record(c, "imports", key, fingerprint, answer, 202)
    try:
        store.create(item, record, int(c.clock.now()))
    except store.Replayed:
        assert record is not None
        first = replay(c, record)
        return {"import_id": first["import_id"], "status": _status(_get(c, str(first["import_id"])))}
    return None


def _work_a_little(c: Container, import_id: str) -> None:
    """Work the import inside the request while it has time (a small file is done by the
    answer). It is queued already: whatever goes wrong here (a busy database, a bug this
    file triggers) is the scheduled worker's to retry, not a reason to fail the request,
    whose retry would queue the file twice."""
    try:
        worker.work(c, import_id, REQUEST_BUDGET)
    except Exception:
        logger.exception("import not worked in the request; the worker will", extra={"import_id": import_id})


def upload_url(
    c: Container, opts: dict[str, Any], file_format: str, actor: str, key: str | None = None
) -> dict[str, Any]:
    """An import waiting for its file: PUT it to ``upload_url``, then call ``start``."""
    if file_format not in files.CONTENT_TYPES:
        raise ValidationFailed("format is csv or xlsx.", fields={"format": "csv or xlsx"})
    item = _new(c, opts, file_format, actor, "awaiting_upload")
    replayed = _create(c, item, key, {**opts, "upload": file_format})
    if replayed is not None:
        item = _get(c, str(replayed["import_id"]))
    url = files.upload_url(c, files.file_key(item.import_id), file_format, UPLOAD_URL_SECONDS)
    return {
        "import_id": item.import_id,
        "status": "awaiting_upload",
        "upload": {
            "url": url,
            "method": "PUT",
            "headers": {"Content-Type": files.CONTENT_TYPES[file_format]},
            "expires_in": UPLOAD_URL_SECONDS,
            "max_bytes": files.MAX_UPLOAD,
        },
        "start": f"/admin/imports/{item.import_id}/start",
    }


def start(c: Container, import_id: str) -> dict[str, Any]:
    """The uploaded file arrived: queue the import (a second call changes nothing)."""
    item = _get(c, import_id)
    if item.status == "awaiting_upload":
        size = files.size_of(c, files.file_key(import_id))
        if size is None:
            raise InvalidState("Upload the file to the upload URL first.")
        if size > files.MAX_UPLOAD:
            raise PayloadTooLarge(f"The file is larger than {files.MAX_UPLOAD // (1024 * 1024)} MB.")
        store.queue_uploaded(import_id, size, int(c.clock.now()), c.settings.account_namespace)
        _work_a_little(c, import_id)
    return {"import_id": import_id, "status": _status(_get(c, import_id))}


def send_invitations(c: Container, import_id: str, actor: str) -> dict[str, Any]:
    """Invite the customers an ``invite=later`` import created (once; at the SES rate)."""
    item = _get(c, import_id)
    if item.dry_run or item.invite != "later" or item.status not in ("done", "failed"):
        raise InvalidState("Only a finished import with invite=later has invitations to send.")
    rows = int(item.invite_rows or 0)
    if rows == 0:
        raise InvalidState("This import created no customer to invite.")
    opened = invitations.open_job(c, str(item.invite_job_id), rows, actor)
    if opened:
        store.mark_invited(import_id, int(c.clock.now()))
    return {
        "import_id": import_id,
        "invitation_job_id": item.invite_job_id,
        "invitations": rows,
        "queued": opened,
    }


def _get(c: Container, import_id: str) -> ImportItem:
    item = store.get(import_id) if import_id.startswith("imp_") and len(import_id) <= 40 else None
    if item is None or item.namespace != c.settings.account_namespace:
        raise NotFound("No such import.")
    return item


def _status(item: ImportItem) -> str:
    return str(item.status)


def view(c: Container, import_id: str, cursor: str | None = None) -> dict[str, Any]:
    item = _get(c, import_id)
    page, next_cursor = store.results_page(
        import_id, cursor, RESULTS_PER_PAGE, seal(c, "import_results", import_id)
    )
    results = [
        {"row": r[0], "status": r[1], "field": r[2], "code": r[3], "message": r[4], "customer_id": r[5]}
        for chunk in page
        for r in json.loads(chunk.results or "[]")
    ]
    counts = {name: int(getattr(item, name) or 0) for name in ("created", "updated", "skipped", "errors")}
    return {
        "import_id": import_id,
        "status": item.status,
        "phase": item.phase,
        "dry_run": bool(item.dry_run),
        "on_error": item.on_error,
        "max_errors": int(item.max_errors or 0),
        "invite": item.invite,
        "format": item.file_format,
        "size_bytes": int(item.size_bytes) if item.size_bytes is not None else None,
        "total_rows": int(item.total) if item.total is not None else None,
        **_progress(c, item),
        "counts": counts,
        "columns": json.loads(item.columns) if item.columns else None,
        "reason": item.reason,
        "message": item.detail,
        "error_file": files.download_url(c, item.error_file) if item.error_file else None,
        "invitation_job_id": item.invite_job_id if item.invited_at else None,
        "invitations_waiting": int(item.invite_rows or 0)
        if item.invite == "later" and not item.invited_at
        else 0,
        "created_by": item.created_by,
        "created_at": iso(item.created_at),
        "finished_at": iso(item.finished_at),
        "results": results,
        "next_cursor": next_cursor,
    }


def _waiting(item: ImportItem) -> int:
    """Customers an ``invite=later`` import created and no one has invited yet."""
    return int(item.invite_rows or 0) if item.invite == "later" and not item.invited_at else 0


def _progress(c: Container, item: ImportItem) -> dict[str, Any]:
    """Percentage over every pass still to run, and the time left at the current pace."""
    total = int(item.total or 0)
    if item.status == "done":
        return {"percent": 100.0, "seconds_left": 0}
    if item.status != "running" or not total or item.phase == "count":
        return {"percent": 0.0 if item.status != "failed" else None, "seconds_left": None}
    passes = 2 if item.on_error == "stop" and not item.dry_run else 1
    before = total if passes == 2 and item.phase == "commit" else 0
    done = before + int(item.next_row or 1) - 1
    percent = round(100.0 * done / (passes * total), 1)
    elapsed = c.clock.now() - int(item.pass_started_at or 0)
    pace = (int(item.next_row or 1) - int(item.pass_first_row or 1)) / elapsed if elapsed > 0 else 0
    seconds_left = round((passes * total - done) / pace) if pace > 0 else None
    return {"percent": percent, "seconds_left": seconds_left}
