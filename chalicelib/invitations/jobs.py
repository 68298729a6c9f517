"""Bulk grants of portal access: validated and queued at once, then worked at the SES rate.

``POST /admin/invitations`` writes one job (row 0) and its rows, answers 202 with the job
id, and starts working while it has time. The invitation worker (every minute) carries
on with unfinished jobs, one lease at a time, at ``MAIL_SEND_RATE`` rows per second.
Each row is one transaction that also records its result and advances the job, so a
crash or a retry neither skips nor repeats a row.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from typing import TYPE_CHECKING, Any

from pydantic import model_validator

from chalicelib import identity
from chalicelib.identity import IdempotentReplay, login_key
from chalicelib.invitations import grants as invitations
from chalicelib.invitations import store
from chalicelib.invitations.models import InvitationJob
from chalicelib.kernel import idempotency as idempotency_store
from chalicelib.kernel.clock import iso
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import DomainError, NotFound, ServiceUnavailable, ValidationFailed
from chalicelib.kernel.i18n import negotiate
from chalicelib.kernel.models import IdempotencyRecord, is_live
from chalicelib.kernel.observability import logger
from chalicelib.kernel.schemas import Body, Email, Locale, Name, RecordId, parse
from chalicelib.kernel.transactions import Cancelled, run_steps
from chalicelib.mail import after_commit

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

MAX_ROWS = 1000
JOB_RETENTION_SECONDS = 30 * 86400
LEASE_SECONDS = 120
REQUEST_BUDGET_SECONDS = 0.5  # rows worked inside the staff request before answering
UNWORKABLE = "this row could not be worked (an error on our side, logged); it was skipped"


class InviteRow(Body):
    email: Email | None = None
    name: Name | None = None
    locale: Locale | None = None
    customer_id: RecordId | None = None

    @model_validator(mode="after")
    def _who(self) -> InviteRow:
        if self.customer_id is None and (self.email is None or self.name is None):
            raise ValueError("give either customer_id, or email and name")
        return self


def create_job(c: Container, rows: list[Any], actor: str, idempotency_key: str | None) -> dict[str, Any]:
    if not 1 <= len(rows) <= MAX_ROWS:
        raise ValidationFailed(f"Send between 1 and {MAX_ROWS} customers.", fields={"customers": "count"})
    now = int(c.clock.now())
    job_id = f"job_{secrets.token_hex(12)}"
    items, invalid, seen = [], 0, set()
    for index, raw in enumerate(rows, start=1):
        item = InvitationJob(job_id, index, created_at=now, expires_at=now + JOB_RETENTION_SECONDS)
        try:
            row = parse(InviteRow, raw)
            identity = row.customer_id or row.email
            if identity in seen:
                raise ValidationFailed("appears twice in this request")
            seen.add(identity)
            item.email, item.name, item.locale, item.customer_id = (
                row.email,
                row.name,
                row.locale,
                row.customer_id,
            )
        except ValidationFailed as e:
            item.result, item.detail, invalid = "invalid", e.message[:300], invalid + 1
            if not isinstance(raw, dict):
                item.detail = "each customer must be a JSON object"
            item.email = (
                raw.get("email") if isinstance(raw, dict) and isinstance(raw.get("email"), str) else None
            )
        items.append(item)
    job = InvitationJob(
        job_id,
        0,
        namespace=c.settings.account_namespace,
        created_by=actor,
        total=len(rows),
        next_row=1,
        invited=0,
        reinvited=0,
        existing=0,
        invalid=invalid,
        created_at=now,
        expires_at=now + JOB_RETENTION_SECONDS,
        open_in=c.settings.account_namespace,
    )
    idem = _idempotency(c, idempotency_key, rows, job_id, now)
    store.write_rows(items)  # rows first: a job never points at missing rows
    try:
        store.create_job(job, idem, now)
    except IdempotentReplay:
        assert idem is not None
        return _replay(c, idem)
    work(c, job_id, budget=REQUEST_BUDGET_SECONDS, pace=False)
    return job_view(c, job_id)


def _idempotency(
    c: Container, key: str | None, rows: list[Any], job_id: str, now: int
) -> IdempotencyRecord | None:
    if key is None:
        return None
    import hashlib

    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
    return IdempotencyRecord(
        f"{c.settings.WEBSITE_ID}#invitations#{key}",
        request_hash=digest,
        status_code=202,
        response=json.dumps({"job_id": job_id}),
        expires_at=now + 86400,
    )


def _replay(c: Container, idem: IdempotencyRecord) -> dict[str, Any]:
    from chalicelib.kernel.errors import IdempotencyConflict, ServiceUnavailable

    stored = idempotency_store.get(idem.idempotency_key, int(c.clock.now()))
    if stored is None:
        raise ServiceUnavailable("The earlier request with this Idempotency-Key is settling; retry.")
    if stored.request_hash != idem.request_hash:
        raise IdempotencyConflict()
    return job_view(c, json.loads(stored.response)["job_id"])


def work(c: Container, job_id: str, *, budget: float, pace: bool = True) -> int:
    """Work the job's rows in order for up to ``budget`` seconds; returns rows done."""
    started = time.monotonic()
    now = int(c.clock.now())
    lease = now + LEASE_SECONDS
    job = store.lease_job(job_id, now, lease)
    if job is None:
        return 0
    next_row, done, interval = int(job.next_row or 1), 0, 1.0 / c.settings.MAIL_SEND_RATE
    while time.monotonic() - started < budget:
        rows = store.rows_after(job_id, next_row - 1, limit=25)
        if not rows:
            break
        for row in rows:
            if time.monotonic() - started >= budget:
                break
            if row.result is None:
                if not _grant_row(c, job, row, lease):
                    return done  # our lease was taken over: the new holder goes on
                done += 1
                if pace:
                    time.sleep(interval)
            next_row = int(row.row) + 1
    store.release_job(
        job_id, next_row, lease, finished=next_row > int(job.total or 0), now=int(c.clock.now())
    )
    return done


def _grant_row(c: Container, job: InvitationJob, row: InvitationJob, lease: int) -> bool:
    """Grant one row; if its address is claimed meanwhile, plan again (now as existing).

    Returns False when the job's lease was lost (another worker holds it now). A row that
    cannot be worked (an error of ours that it triggers, in planning or in its transaction)
    is recorded ``invalid`` with a reason and logged, so the job goes on instead of retrying
    it forever; domain errors (``ServiceUnavailable``: transient) still propagate."""
    unworkable = False
    for _ in range(3):
        try:
            grant = _unworkable() if unworkable else _plan(c, row, str(job.created_by))
        except ValidationFailed as e:
            grant = invitations.Grant("invalid", [], [], [], detail=e.message)
        except DomainError:
            raise
        except Exception:
            logger.exception("invitation row not workable", extra={"job_id": job.job_id, "row": int(row.row)})
            unworkable, grant = True, _unworkable()
        done = store.row_done_steps(
            job.job_id,
            int(row.row),
            grant.result,
            lease,
            detail=grant.detail,
            invitation_id=grant.invitation_id,
            customer_id=grant.customer_id,
        )
        try:
            run_steps(grant.steps + done, grant.outbox)
        except Cancelled as e:
            if "job" in e.failed:
                return False
            if "row" in e.failed:
                return True  # recorded already
            continue  # a customer or claim changed under us: look again
        except DomainError:
            raise
        except Exception:
            if unworkable:
                raise  # even recording the row fails: nothing more to do here
            logger.exception("invitation row not workable", extra={"job_id": job.job_id, "row": int(row.row)})
            unworkable = True
            continue
        after_commit(c, grant.envelopes)
        return True
    raise ServiceUnavailable("The row's customer keeps changing; the worker will retry.")


def _unworkable() -> invitations.Grant:
    return invitations.Grant("invalid", [], [], [], detail=UNWORKABLE)


def _plan(c: Container, row: InvitationJob, actor: str) -> invitations.Grant:
    if row.customer_id:
        customer = identity.get_customer(row.customer_id)
        if customer is None or customer.namespace != c.settings.account_namespace:
            raise ValidationFailed("no such customer")
        email = customer.email
    elif row.email is not None and row.name is not None:
        email, customer = row.email, None
    else:
        raise ValidationFailed("give either customer_id, or email and name")
    login = identity.get_login(login_key(c, email))
    if login is None or not is_live(login, c.clock.now()):
        if customer is not None:
            raise ValidationFailed("this customer has no email claim to grant access on")
        language = negotiate([row.locale], c.settings.DEFAULT_LOCALE)
        return invitations.grant_new(c, email, str(row.name), language, actor, row.job_id)
    owner = customer or identity.get_customer(login.customer_id)
    if owner is None:
        raise ValidationFailed("the address is claimed by a customer that no longer exists")
    chosen = negotiate([row.locale], c.settings.DEFAULT_LOCALE) if row.locale else None
    grant = invitations.grant_existing(c, owner, login, actor, row.job_id, row.name, chosen)
    return dataclasses.replace(grant, customer_id=owner.customer_id)


def advance_open_jobs(c: Container, budget: float) -> int:
    """The invitation worker: carry on with every unfinished job of this namespace."""
    started, done = time.monotonic(), 0
    for job_id in store.open_jobs(c.settings.account_namespace):
        remaining = budget - (time.monotonic() - started)
        if remaining <= 0:
            break
        done += work(c, job_id, budget=remaining)
    return done


def job_view(c: Container, job_id: str, cursor: str | None = None, limit: int = 100) -> dict[str, Any]:
    job = store.get_job(job_id)
    if job is None or job.namespace != c.settings.account_namespace:
        raise NotFound("No such invitation job.")
    rows, next_cursor = store.rows_page(job_id, cursor, limit, seal(c, "invitation_rows", job_id))
    counts = {name: int(getattr(job, name) or 0) for name in ("invited", "reinvited", "existing", "invalid")}
    processed = sum(counts.values())
    status = "done" if job.finished_at else ("running" if int(job.next_row or 1) > 1 else "queued")
    return {
        "job_id": job_id,
        "status": status,
        "total": int(job.total or 0),
        "processed": processed,
        "counts": counts,
        "created_at": iso(job.created_at),
        "finished_at": iso(job.finished_at),
        "rows": [_row_view(r) for r in rows],
        "next_cursor": next_cursor,
    }


def _row_view(row: InvitationJob) -> dict[str, Any]:
    return {
        "row": int(row.row),
        "email": row.email,
        "customer_id": row.customer_id,
        "result": row.result or "queued",
        "detail": row.detail,
        "invitation_id": row.invitation_id,
    }
