"""Staff routes under ``/admin``, guarded by the staff-key authorizer."""

from __future__ import annotations

from typing import Any

from chalice.app import AuthRequest, AuthResponse, Blueprint, Response

from chalicelib.api.http import (
    JSON,
    accepted,
    endpoint,
    idempotency_key,
    json_body,
    media_type,
    query_param,
)
from chalicelib.checkout import documents, merges
from chalicelib.checkout.schemas import DocumentIn
from chalicelib.identity import accounts, activity
from chalicelib.identity import staff_keys as staff
from chalicelib.identity.schemas import StatusIn
from chalicelib.identity.views import staff_view
from chalicelib.imports import files as import_files
from chalicelib.imports import service as imports
from chalicelib.imports.schemas import ImportUploadIn
from chalicelib.invitations import grants as invitations
from chalicelib.invitations import jobs as invitation_jobs
from chalicelib.invitations.schemas import InvitationsIn
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.schemas import parse

bp = Blueprint(__name__)


@bp.authorizer(ttl_seconds=0)
def staff_key(auth_request: AuthRequest) -> AuthResponse:
    """Allow ``/admin/*`` to a live staff key; deny everything to anyone else."""
    key = staff.authorize(get_container(), auth_request.token)
    if key is None:
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(routes=["/admin/*"], principal_id=key.key_id, context={"staff_key": key.key_id})


@endpoint(bp, "/admin/customers/{customer_id}", methods=["GET"], authorizer=staff_key)
def get_customer(customer_id: str) -> dict[str, Any]:
    return staff_view(accounts.get_for_staff(get_container(), customer_id))


@endpoint(bp, "/admin/customers/{customer_id}/status", methods=["PUT"], authorizer=staff_key)
def set_status(customer_id: str) -> dict[str, Any]:
    data = parse(StatusIn, json_body(bp.current_request))
    return staff_view(accounts.set_status(get_container(), customer_id, data.status))


BULK_BODY_BYTES = 512 * 1024


def _actor() -> str:
    authorizer = (bp.current_request.context or {}).get("authorizer") or {}
    return f"staff:{authorizer.get('principalId', 'unknown')}"


@endpoint(bp, "/admin/customers/{customer_id}/activity", methods=["GET"], authorizer=staff_key)
def customer_activity(customer_id: str) -> dict[str, Any]:
    c = get_container()
    accounts.get_for_staff(c, customer_id)
    items, cursor = activity.page(c, customer_id, query_param(bp.current_request, "cursor"), 50)
    return {"activity": [activity.view(i) for i in items], "next_cursor": cursor}


@endpoint(bp, "/admin/invitations", methods=["POST"], authorizer=staff_key)
def grant_access() -> Response:
    request = bp.current_request
    data = parse(InvitationsIn, json_body(request, BULK_BODY_BYTES))
    job = invitation_jobs.create_job(get_container(), data.customers, _actor(), idempotency_key(request))
    return accepted(job)


@endpoint(bp, "/admin/invitations", methods=["GET"], authorizer=staff_key)
def pending_invitations() -> dict[str, Any]:
    return invitations.pending(get_container(), query_param(bp.current_request, "cursor"))


@endpoint(bp, "/admin/invitations/jobs/{job_id}", methods=["GET"], authorizer=staff_key)
def invitation_job(job_id: str) -> dict[str, Any]:
    return invitation_jobs.job_view(get_container(), job_id, query_param(bp.current_request, "cursor"))


@endpoint(bp, "/admin/invitations/{invitation_id}/resend", methods=["POST"], authorizer=staff_key)
def resend_invitation(invitation_id: str) -> dict[str, Any]:
    c = get_container()
    return invitations.invitation_view(c, invitations.resend(c, invitation_id, _actor()))


@endpoint(bp, "/admin/invitations/{invitation_id}", methods=["DELETE"], authorizer=staff_key)
def revoke_invitation(invitation_id: str) -> dict[str, Any]:
    c = get_container()
    return invitations.invitation_view(c, invitations.revoke(c, invitation_id, _actor()))


@endpoint(bp, "/admin/customers/{customer_id}/documents", methods=["POST"], authorizer=staff_key)
def record_document(customer_id: str) -> dict[str, Any]:
    data = parse(DocumentIn, json_body(bp.current_request, BULK_BODY_BYTES))
    return documents.record(get_container(), customer_id, data)


@endpoint(bp, "/admin/customers/{customer_id}/merge-offer", methods=["POST"], authorizer=staff_key)
def send_merge_offer(customer_id: str) -> Response:
    return accepted(merges.offer(get_container(), customer_id, _actor()))


# -- customer imports (scope: import) ----------------------------------------------------

IMPORT_TYPES = [JSON, import_files.CSV, import_files.XLSX]


@endpoint(bp, "/admin/imports", methods=["POST"], authorizer=staff_key, content_types=IMPORT_TYPES)
def create_import() -> Response:
    """The file as the body (CSV or XLSX, up to 5 MB), or ``{"upload": true}`` for a URL."""
    request = bp.current_request
    c = get_container()
    opts = imports.options(dict(request.query_params or {}))
    kind = media_type(request)
    if kind == JSON:
        data = parse(ImportUploadIn, json_body(request))
        return accepted(imports.upload_url(c, opts, data.format, _actor(), idempotency_key(request)))
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode()
    return accepted(imports.from_body(c, opts, kind, body, _actor(), idempotency_key(request)))


@endpoint(bp, "/admin/imports/{import_id}", methods=["GET"], authorizer=staff_key)
def get_import(import_id: str) -> dict[str, Any]:
    return imports.view(get_container(), import_id, query_param(bp.current_request, "cursor"))


@endpoint(bp, "/admin/imports/{import_id}/start", methods=["POST"], authorizer=staff_key)
def start_import(import_id: str) -> Response:
    return accepted(imports.start(get_container(), import_id))


@endpoint(bp, "/admin/imports/{import_id}/invitations", methods=["POST"], authorizer=staff_key)
def send_import_invitations(import_id: str) -> Response:
    return accepted(imports.send_invitations(get_container(), import_id, _actor()))
