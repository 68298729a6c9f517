"""Invitations' part of GDPR erasure and export (``kernel.privacy``).

A customer's invitations go (their links went with the tokens); the rows of bulk jobs that
granted them lose the address, the name and the detail, keeping the job's counts true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.invitations.models import Invitation, InvitationJob
from chalicelib.kernel import privacy
from chalicelib.kernel.clock import iso

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def _erase_invitations(c: Container, subject: privacy.Subject) -> None:
    privacy.delete_items(privacy.keys_by_customer(Invitation, subject.customer_id))


def _export_invitations(c: Container, customer_id: str) -> dict[str, Any]:
    found = [i for i in privacy.items_by_customer(Invitation, customer_id) if isinstance(i, Invitation)]
    return {
        "invitations": [
            {
                "invitation_id": i.invitation_id,
                "status": i.status,
                "email": i.email,
                "name": i.name,
                "sent_count": i.sent_count,
                "created_at": iso(i.created_at),
            }
            for i in sorted(found, key=lambda i: int(i.created_at))
        ]
    }


def _erase_job_rows(c: Container, subject: privacy.Subject) -> None:
    rows = [
        r
        for r in privacy.items_by_customer(InvitationJob, subject.customer_id)
        if isinstance(r, InvitationJob)
    ]
    for row in rows:
        row.email = row.name = row.detail = None
    privacy.put_items(rows)


def _export_job_rows(c: Container, customer_id: str) -> dict[str, Any]:
    rows = [r for r in privacy.items_by_customer(InvitationJob, customer_id) if isinstance(r, InvitationJob)]
    return {
        "invitation_requests": [
            {
                "job_id": r.job_id,
                "email": r.email,
                "name": r.name,
                "result": r.result,
                "created_at": iso(r.created_at),
            }
            for r in rows
        ]
    }


privacy.register("invitations", Invitation, erase=_erase_invitations, export=_export_invitations)
privacy.register("invitation_jobs", InvitationJob, erase=_erase_job_rows, export=_export_job_rows)
