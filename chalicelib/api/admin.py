"""Staff routes under ``/admin``, guarded by the staff-key authorizer."""

from __future__ import annotations

from typing import Any

from chalice.app import AuthRequest, AuthResponse, Blueprint, Response

from chalicelib import privacy
from chalicelib.api.http import accepted, endpoint, idempotency_key, json_body, no_content, query_param
from chalicelib.checkout import merges
from chalicelib.checkout.schemas import DocumentIn
from chalicelib.companies import documents as company_documents
from chalicelib.companies import members as company_members
from chalicelib.companies import requests as company_requests
from chalicelib.companies import staff as companies
from chalicelib.companies.schemas import CompanyIn, CompanyPatchIn, CompanyStatusIn, DecisionIn
from chalicelib.events import webhooks
from chalicelib.events.schemas import WebhookIn, WebhookPatch
from chalicelib.identity import accounts, activity
from chalicelib.identity import staff_keys as staff
from chalicelib.identity.schemas import StatusIn
from chalicelib.identity.views import staff_view
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
    return company_documents.record(get_container(), customer_id, data)


@endpoint(bp, "/admin/customers/{customer_id}/merge-offer", methods=["POST"], authorizer=staff_key)
def send_merge_offer(customer_id: str) -> Response:
    return accepted(merges.offer(get_container(), customer_id, _actor()))


# -- GDPR (scope ``gdpr``) ---------------------------------------------------------------------


@endpoint(bp, "/admin/customers/{customer_id}/anonymize", methods=["POST"], authorizer=staff_key)
def anonymize_customer(customer_id: str) -> dict[str, Any]:
    """Erase the customer's personal data (or finish an erasure begun earlier)."""
    return privacy.anonymize(get_container(), customer_id, _actor())


@endpoint(bp, "/admin/customers/{customer_id}/export", methods=["GET"], authorizer=staff_key)
def export_customer(customer_id: str) -> dict[str, Any]:
    return privacy.for_staff(get_container(), customer_id)


# -- companies (scope wanted: ``companies``) ------------------------------------------------------


@endpoint(bp, "/admin/company-requests", methods=["GET"], authorizer=staff_key)
def list_company_requests() -> dict[str, Any]:
    request = bp.current_request
    company_id, cursor, limit = (query_param(request, n) for n in ("company_id", "cursor", "limit"))
    return companies.pending(get_container(), company_id, cursor, limit)


@endpoint(bp, "/admin/company-requests/count", methods=["GET"], authorizer=staff_key)
def count_company_requests() -> dict[str, Any]:
    return companies.pending_count(get_container(), query_param(bp.current_request, "company_id"))


@endpoint(bp, "/admin/companies", methods=["POST"], authorizer=staff_key)
def create_company() -> Response:
    body = companies.create(get_container(), parse(CompanyIn, json_body(bp.current_request)), _actor())
    return Response(body, status_code=201, headers={"Content-Type": "application/json"})


@endpoint(bp, "/admin/companies/{company_id}", methods=["GET"], authorizer=staff_key)
def get_company(company_id: str) -> dict[str, Any]:
    return companies.get(get_container(), company_id)


@endpoint(bp, "/admin/companies/{company_id}", methods=["PATCH"], authorizer=staff_key)
def update_company(company_id: str) -> dict[str, Any]:
    data = parse(CompanyPatchIn, json_body(bp.current_request))
    return companies.patch(get_container(), company_id, data, _actor())


@endpoint(bp, "/admin/companies/{company_id}/status", methods=["PUT"], authorizer=staff_key)
def set_company_status(company_id: str) -> dict[str, Any]:
    data = parse(CompanyStatusIn, json_body(bp.current_request))
    return companies.set_status(get_container(), company_id, data, _actor())


@endpoint(bp, "/admin/companies/{company_id}/requests/{customer_id}", methods=["POST"], authorizer=staff_key)
def decide_company_request(company_id: str, customer_id: str) -> dict[str, Any]:
    data = parse(DecisionIn, json_body(bp.current_request))
    return company_requests.decide_as_staff(get_container(), company_id, customer_id, data, _actor())


@endpoint(bp, "/admin/companies/{company_id}/members/{customer_id}", methods=["DELETE"], authorizer=staff_key)
def remove_company_member(company_id: str, customer_id: str) -> Response:
    company_members.remove_member(get_container(), company_id, customer_id, _actor())
    return Response(body="", status_code=204)


@endpoint(bp, "/admin/companies/{company_id}/activity", methods=["GET"], authorizer=staff_key)
def company_activity(company_id: str) -> dict[str, Any]:
    c = get_container()
    companies.get(c, company_id)
    return company_members.company_activity(c, company_id, query_param(bp.current_request, "cursor"))


# Lifecycle events and webhooks (staff scope: ``webhooks``).


@endpoint(bp, "/admin/events/{event_id}", methods=["GET"], authorizer=staff_key)
def get_event(event_id: str) -> dict[str, Any]:
    return webhooks.event(get_container(), event_id)


@endpoint(bp, "/admin/webhooks", methods=["POST"], authorizer=staff_key)
def register_webhook() -> Response:
    data = parse(WebhookIn, json_body(bp.current_request))
    body = webhooks.register(get_container(), data, _actor())
    return Response(body, status_code=201, headers={"Content-Type": "application/json"})


@endpoint(bp, "/admin/webhooks", methods=["GET"], authorizer=staff_key)
def list_webhooks() -> dict[str, Any]:
    return webhooks.page(get_container(), query_param(bp.current_request, "cursor"))


@endpoint(bp, "/admin/webhooks/{webhook_id}", methods=["GET"], authorizer=staff_key)
def get_webhook(webhook_id: str) -> dict[str, Any]:
    return webhooks.view(webhooks.get(get_container(), webhook_id))


@endpoint(bp, "/admin/webhooks/{webhook_id}", methods=["PATCH"], authorizer=staff_key)
def change_webhook(webhook_id: str) -> dict[str, Any]:
    data = parse(WebhookPatch, json_body(bp.current_request))
    return webhooks.change(get_container(), webhook_id, data)


@endpoint(bp, "/admin/webhooks/{webhook_id}", methods=["DELETE"], authorizer=staff_key)
def delete_webhook(webhook_id: str) -> Response:
    webhooks.remove(get_container(), webhook_id)
    return no_content()


@endpoint(bp, "/admin/webhooks/{webhook_id}/deliveries", methods=["GET"], authorizer=staff_key)
def webhook_deliveries(webhook_id: str) -> dict[str, Any]:
    return webhooks.deliveries(get_container(), webhook_id, query_param(bp.current_request, "cursor"))


@endpoint(
    bp, "/admin/webhooks/{webhook_id}/deliveries/{event_id}/redeliver", methods=["POST"], authorizer=staff_key
)
def redeliver(webhook_id: str, event_id: str) -> Response:
    return accepted(webhooks.redeliver(get_container(), webhook_id, event_id))
