"""Bulk invitations queued by another feature's transaction (an import's rows).

An import adds one row per customer to invite, numbered in file order, inside the
transaction that creates the customer (``row_step``); ``open_job`` then writes the job
itself (row 0), which is what the invitation worker looks for: until then the rows wait.
Opening is idempotent, so a retried or concurrent call opens the job once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.invitations import store
from chalicelib.invitations.jobs import JOB_RETENTION_SECONDS
from chalicelib.invitations.models import InvitationJob
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def row_step(c: Container, job_id: str, row: int, customer_id: str) -> tuple[str, Step]:
    """Invite ``customer_id`` as row ``row`` of job ``job_id`` (not yet open)."""
    now = int(c.clock.now())
    item = InvitationJob(
        job_id, row, customer_id=customer_id, created_at=now, expires_at=now + JOB_RETENTION_SECONDS
    )
    return ("invitation_row", lambda tx: tx.save(item))


def open_job(c: Container, job_id: str, total: int, actor: str) -> bool:
    """Let the worker send rows 1..``total`` of ``job_id`` at the SES rate; False if it was
    open already."""
    from chalicelib.identity import IdempotentReplay

    now = int(c.clock.now())
    namespace = c.settings.account_namespace
    job = InvitationJob(
        job_id,
        0,
        namespace=namespace,
        created_by=actor,
        total=total,
        next_row=1,
        invited=0,
        reinvited=0,
        existing=0,
        invalid=0,
        created_at=now,
        expires_at=now + JOB_RETENTION_SECONDS,
        open_in=namespace,
    )
    try:
        store.create_job(job, None, now)
    except IdempotentReplay:  # its condition: the job exists already
        return False
    return True
