"""Staff routes under ``/admin``, guarded by the staff-key authorizer."""

from __future__ import annotations

from typing import Any

from chalice.app import AuthRequest, AuthResponse, Blueprint, Response

from chalicelib.api.http import accepted, endpoint, idempotency_key, json_body, query_param
from chalicelib.checkout import documents, merges
from chalicelib.checkout.schemas import DocumentIn
from chalicelib.erp import contacts as erp_contacts
from chalicelib.erp.schemas import ContactsIn, EmailQuery
from chalicelib.identity import accounts, activity
from chalicelib.identity import staff_keys as staff
from chalicelib.identity.schemas import StatusIn
from chalicelib.identity.views import profile_website, staff_view
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
    c = get_container()
    return staff_view(accounts.get_for_staff(c, customer_id), profile_website(c))


@endpoint(bp, "/admin/customers/{customer_id}/status", methods=["PUT"], authorizer=staff_key)
def set_status(customer_id: str) -> dict[str, Any]:
    data = parse(StatusIn, json_body(bp.current_request))
    c = get_container()
    return staff_view(accounts.set_status(c, customer_id, data.status), profile_website(c))


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


# ERP instant accounts: the ERP's trade contacts (issue 11).
ERP_BODY_BYTES = 1024 * 1024  # 1,000 contacts


@endpoint(bp, "/admin/erp/contacts", methods=["POST"], authorizer=staff_key)
def upsert_erp_contacts() -> dict[str, Any]:
    data = parse(ContactsIn, json_body(bp.current_request, ERP_BODY_BYTES))
    return erp_contacts.upsert(get_container(), data)


@endpoint(bp, "/admin/erp/contacts", methods=["GET"], authorizer=staff_key)
def erp_contacts_of() -> dict[str, Any]:
    data = parse(EmailQuery, {"email": query_param(bp.current_request, "email")})
    return erp_contacts.contacts_view(get_container(), data.email)


@endpoint(bp, "/admin/erp/syncs", methods=["POST"], authorizer=staff_key)
def start_erp_sync() -> Response:
    json_body(bp.current_request)  # no body expected; a malformed one is still refused (400)
    return Response(erp_contacts.start_sync(get_container()), status_code=201)


@endpoint(bp, "/admin/erp/syncs/{sync_id}/finish", methods=["POST"], authorizer=staff_key)
def finish_erp_sync(sync_id: str) -> Response:
    result = erp_contacts.finish_sync(get_container(), sync_id)
    return Response(result, status_code=200 if result["status"] == "finished" else 202)
