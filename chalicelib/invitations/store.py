"""Invitations, bulk invitation jobs (row 0 is the job, rows 1..n its rows) and activity."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from chalicelib.identity import IdempotentReplay
from chalicelib.invitations.models import Invitation, InvitationJob
from chalicelib.kernel.cursors import Seal, decode, listed_page
from chalicelib.kernel.dynamo import error_code, take_lease, translated
from chalicelib.kernel.models import IdempotencyRecord
from chalicelib.kernel.transactions import Cancelled, Step, run

#: the attributes of each listing's start key (a cursor naming others is refused)
ROW_KEYS = frozenset({"job_id", "row"})
PENDING_KEYS = frozenset({"invitation_id", "pending_in", "created_at"})


@translated
def write_rows(rows: Sequence[InvitationJob]) -> None:
    """All rows of a new job (BatchWriteItem, 25 a call; pynamodb retries unprocessed items)."""
    with InvitationJob.batch_write() as batch:
        for row in rows:
            batch.save(row)


@translated
def create_job(job: InvitationJob, idempotency: IdempotencyRecord | None, now: int) -> None:
    steps: list[tuple[str, Step]] = [
        ("job", lambda tx: tx.save(job, condition=InvitationJob.job_id.does_not_exist()))
    ]
    if idempotency is not None:
        free = IdempotencyRecord.idempotency_key.does_not_exist() | (IdempotencyRecord.expires_at < now)
        steps.append(("idempotency", lambda tx: tx.save(idempotency, condition=free)))
    try:
        run(steps)
    except Cancelled as e:
        raise IdempotentReplay() from e


@translated
def get_job(job_id: str) -> InvitationJob | None:
    try:
        return InvitationJob.get(job_id, 0, consistent_read=True)
    except InvitationJob.DoesNotExist:
        return None


@translated
def lease_job(job_id: str, now: int, until: int) -> InvitationJob | None:
    """Take the job for ``until`` unless someone else holds it or it is finished."""
    job = InvitationJob(job_id, 0)
    open_job = InvitationJob.finished_at.does_not_exist() & InvitationJob.total.exists()
    return job if take_lease(job, InvitationJob.lease_until, now, until, open_job) else None


@translated
def rows_after(job_id: str, after: int, limit: int) -> list[InvitationJob]:
    return list(InvitationJob.query(job_id, InvitationJob.row > after, limit=limit, consistent_read=True))


@translated
def rows_page(
    job_id: str, cursor: str | None, limit: int, sealed: Seal
) -> tuple[list[InvitationJob], str | None]:
    start = decode(cursor, ROW_KEYS, sealed)
    query = InvitationJob.query(job_id, InvitationJob.row > 0, limit=limit, last_evaluated_key=start)
    return listed_page(query, cursor, limit, sealed)


def row_done_steps(
    job_id: str,
    row: int,
    result: str,
    lease: int,
    *,
    detail: str | None = None,
    invitation_id: str | None = None,
    customer_id: str | None = None,
) -> list[tuple[str, Step]]:
    """Record a row's result and advance the job, in the transaction that does the row."""
    row_actions: list[Action] = [InvitationJob.result.set(result)]
    if detail:
        row_actions.append(InvitationJob.detail.set(detail[:300]))
    if invitation_id:
        row_actions.append(InvitationJob.invitation_id.set(invitation_id))
    if customer_id:
        row_actions.append(InvitationJob.customer_id.set(customer_id))
    job_actions: list[Action] = [
        getattr(InvitationJob, COUNTERS.get(result, "invalid")).add(1),
        InvitationJob.next_row.set(row + 1),
    ]
    return [
        (
            "row",
            lambda tx: tx.update(
                InvitationJob(job_id, row),
                actions=row_actions,
                condition=InvitationJob.result.does_not_exist(),
            ),
        ),
        (
            "job",
            lambda tx: tx.update(
                InvitationJob(job_id, 0), actions=job_actions, condition=InvitationJob.lease_until == lease
            ),
        ),
    ]


#: each row result and the job's attribute counting it (stored names kept from the first version)
COUNTERS = {
    "invited": "invited",
    "already_invited": "reinvited",
    "already_has_account": "existing",
    "invalid": "invalid",
}


def counts(job: InvitationJob) -> dict[str, int]:
    """Rows per result, under the results' own names (those of the rows)."""
    return {result: int(getattr(job, attribute) or 0) for result, attribute in COUNTERS.items()}


@translated
def release_job(job_id: str, next_row: int, lease: int, *, finished: bool, now: int) -> None:
    """Record progress and give the lease back, if it is still ours."""
    actions: list[Action] = [InvitationJob.next_row.set(next_row), InvitationJob.lease_until.remove()]
    if finished:
        actions += [InvitationJob.finished_at.set(now), InvitationJob.open_in.remove()]
    try:
        InvitationJob(job_id, 0).update(actions=actions, condition=InvitationJob.lease_until == lease)
    except UpdateError as e:
        if error_code(e) != "ConditionalCheckFailedException":
            raise


@translated
def open_jobs(namespace: str, limit: int = 20) -> list[str]:
    return [job.job_id for job in InvitationJob.open_index.query(namespace, limit=limit)]


@translated
def get_invitation(invitation_id: str) -> Invitation | None:
    try:
        return Invitation.get(invitation_id, consistent_read=True)
    except Invitation.DoesNotExist:
        return None


@translated
def pending(
    namespace: str, cursor: str | None, limit: int, sealed: Seal
) -> tuple[list[Invitation], str | None]:
    start = decode(cursor, PENDING_KEYS, sealed)
    query = Invitation.pending_index.query(
        namespace, scan_index_forward=False, limit=limit, last_evaluated_key=start
    )
    return listed_page(query, cursor, limit, sealed)
