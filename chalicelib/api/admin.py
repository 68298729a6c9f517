"""Staff routes under ``/admin``, guarded by the staff-key authorizer and the keys' scopes.

Every route is registered with ``staff_route``, which names the scope it needs; the middleware
refuses a key without it, and any ``/admin`` route that names none (``api.scoping``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import AuthRequest, AuthResponse, Blueprint, Response

from chalicelib import privacy
from chalicelib.api import scoping
from chalicelib.api.http import accepted, endpoint, idempotency_key, json_body, no_content, query_param
from chalicelib.backoffice import customers
from chalicelib.checkout import merges
from chalicelib.checkout.schemas import DocumentIn
from chalicelib.companies import documents as company_documents
from chalicelib.companies import members as company_members
from chalicelib.companies import requests as company_requests
from chalicelib.companies import staff as companies
from chalicelib.companies.schemas import CompanyIn, CompanyPatchIn, CompanyStatusIn, DecisionIn
from chalicelib.erp import contacts as erp_contacts
from chalicelib.erp.schemas import ContactsIn, EmailQuery
from chalicelib.events import webhooks
from chalicelib.events.schemas import WebhookIn, WebhookPatch
from chalicelib.identity import accounts, activity
from chalicelib.identity import scopes as scope
from chalicelib.identity import staff_keys as staff
from chalicelib.identity.schemas import StatusIn
from chalicelib.identity.views import profile_website, staff_view
from chalicelib.invitations import grants as invitations
from chalicelib.invitations import jobs as invitation_jobs
from chalicelib.invitations.schemas import InvitationsIn
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.schemas import parse

bp = Blueprint(__name__)
F = TypeVar("F", bound=Callable[..., Any])


@bp.authorizer(ttl_seconds=0)
def staff_key(auth_request: AuthRequest) -> AuthResponse:
    """Allow ``/admin/*`` to a live staff key, telling the request its scopes; deny the rest."""
    key = staff.authorize(get_container(), auth_request.token)
    if key is None:
        return AuthResponse(routes=[], principal_id="anonymous")
    context = scoping.authorizer_context(key.key_id, key.name, staff.scopes_of(key))
    return AuthResponse(routes=["/admin/*"], principal_id=key.key_id, context=context)


def staff_route(path: str, scope: str, *, methods: list[str], **options: Any) -> Callable[[F], F]:
    """An ``/admin`` route behind the staff-key authorizer, needing ``scope``."""
    scoping.declare(path, methods, scope)
    return endpoint(bp, path, methods=methods, authorizer=staff_key, **options)


def actor() -> str:
    """The calling staff key for the activity: ``staff:<key id>:<key name>``."""
    authorizer = (bp.current_request.context or {}).get("authorizer") or {}
    return f"staff:{authorizer.get('principalId', 'unknown')}:{authorizer.get('staff_name', '')}"


@staff_route("/admin/customers/{customer_id}", scope.CUSTOMERS_READ, methods=["GET"])
def get_customer(customer_id: str) -> dict[str, Any]:
    return customers.detail(get_container(), customer_id)


@staff_route("/admin/customers/{customer_id}/status", scope.CUSTOMERS_WRITE, methods=["PUT"])
def set_status(customer_id: str) -> dict[str, Any]:
    data = parse(StatusIn, json_body(bp.current_request))
    c = get_container()
    return staff_view(accounts.set_status(c, customer_id, data.status, actor()), profile_website(c))


BULK_BODY_BYTES = 512 * 1024


@staff_route("/admin/customers/{customer_id}/activity", scope.CUSTOMERS_READ, methods=["GET"])
def customer_activity(customer_id: str) -> dict[str, Any]:
    c = get_container()
    accounts.get_for_staff(c, customer_id)
    items, cursor = activity.page(c, customer_id, query_param(bp.current_request, "cursor"), 50)
    return {"activity": [activity.view(i) for i in items], "next_cursor": cursor}


@staff_route("/admin/invitations", scope.INVITATIONS, methods=["POST"])
def grant_access() -> Response:
    request = bp.current_request
    data = parse(InvitationsIn, json_body(request, BULK_BODY_BYTES))
    job = invitation_jobs.create_job(get_container(), data.customers, actor(), idempotency_key(request))
    return accepted(job)


@staff_route("/admin/invitations", scope.INVITATIONS, methods=["GET"])
def pending_invitations() -> dict[str, Any]:
    return invitations.pending(get_container(), query_param(bp.current_request, "cursor"))


@staff_route("/admin/invitations/jobs/{job_id}", scope.INVITATIONS, methods=["GET"])
def invitation_job(job_id: str) -> dict[str, Any]:
    return invitation_jobs.job_view(get_container(), job_id, query_param(bp.current_request, "cursor"))


@staff_route("/admin/invitations/{invitation_id}/resend", scope.INVITATIONS, methods=["POST"])
def resend_invitation(invitation_id: str) -> dict[str, Any]:
    c = get_container()
    return invitations.invitation_view(c, invitations.resend(c, invitation_id, actor()))


@staff_route("/admin/invitations/{invitation_id}", scope.INVITATIONS, methods=["DELETE"])
def revoke_invitation(invitation_id: str) -> dict[str, Any]:
    c = get_container()
    return invitations.invitation_view(c, invitations.revoke(c, invitation_id, actor()))


@staff_route("/admin/customers/{customer_id}/documents", scope.DOCUMENTS_WRITE, methods=["POST"])
def record_document(customer_id: str) -> dict[str, Any]:
    data = parse(DocumentIn, json_body(bp.current_request, BULK_BODY_BYTES))
    return company_documents.record(get_container(), customer_id, data, actor())


@staff_route("/admin/customers/{customer_id}/merge-offer", scope.CUSTOMERS_WRITE, methods=["POST"])
def send_merge_offer(customer_id: str) -> Response:
    return accepted(merges.offer(get_container(), customer_id, actor()))


# -- GDPR (scope ``gdpr``) ---------------------------------------------------------------------


@staff_route("/admin/customers/{customer_id}/anonymize", scope.GDPR, methods=["POST"])
def anonymize_customer(customer_id: str) -> dict[str, Any]:
    """Erase the customer's personal data (or finish an erasure begun earlier)."""
    return privacy.anonymize(get_container(), customer_id, actor())


@staff_route("/admin/customers/{customer_id}/export", scope.GDPR, methods=["GET"])
def export_customer(customer_id: str) -> dict[str, Any]:
    return privacy.for_staff(get_container(), customer_id)


# -- companies (scope wanted: ``companies``) ------------------------------------------------------


@staff_route("/admin/company-requests", scope.COMPANIES, methods=["GET"])
def list_company_requests() -> dict[str, Any]:
    request = bp.current_request
    company_id, cursor, limit = (query_param(request, n) for n in ("company_id", "cursor", "limit"))
    return companies.pending(get_container(), company_id, cursor, limit)


@staff_route("/admin/company-requests/count", scope.COMPANIES, methods=["GET"])
def count_company_requests() -> dict[str, Any]:
    return companies.pending_count(get_container(), query_param(bp.current_request, "company_id"))


@staff_route("/admin/companies", scope.COMPANIES, methods=["POST"])
def create_company() -> Response:
    body = companies.create(get_container(), parse(CompanyIn, json_body(bp.current_request)), actor())
    return Response(body, status_code=201, headers={"Content-Type": "application/json"})


@staff_route("/admin/companies/{company_id}", scope.COMPANIES, methods=["GET"])
def get_company(company_id: str) -> dict[str, Any]:
    return companies.get(get_container(), company_id)


@staff_route("/admin/companies/{company_id}", scope.COMPANIES, methods=["PATCH"])
def update_company(company_id: str) -> dict[str, Any]:
    data = parse(CompanyPatchIn, json_body(bp.current_request))
    return companies.patch(get_container(), company_id, data, actor())


@staff_route("/admin/companies/{company_id}/status", scope.COMPANIES, methods=["PUT"])
def set_company_status(company_id: str) -> dict[str, Any]:
    data = parse(CompanyStatusIn, json_body(bp.current_request))
    return companies.set_status(get_container(), company_id, data, actor())


@staff_route("/admin/companies/{company_id}/requests/{customer_id}", scope.COMPANIES, methods=["POST"])
def decide_company_request(company_id: str, customer_id: str) -> dict[str, Any]:
    data = parse(DecisionIn, json_body(bp.current_request))
    return company_requests.decide_as_staff(get_container(), company_id, customer_id, data, actor())


@staff_route("/admin/companies/{company_id}/members/{customer_id}", scope.COMPANIES, methods=["DELETE"])
def remove_company_member(company_id: str, customer_id: str) -> Response:
    company_members.remove_member(get_container(), company_id, customer_id, actor())
    return Response(body="", status_code=204)


@staff_route("/admin/companies/{company_id}/activity", scope.COMPANIES, methods=["GET"])
def company_activity(company_id: str) -> dict[str, Any]:
    c = get_container()
    companies.get(c, company_id)
    return company_members.company_activity(c, company_id, query_param(bp.current_request, "cursor"))


# Lifecycle events and webhooks (staff scope: ``webhooks``).


@staff_route("/admin/events/{event_id}", scope.WEBHOOKS, methods=["GET"])
def get_event(event_id: str) -> dict[str, Any]:
    return webhooks.event(get_container(), event_id)


@staff_route("/admin/webhooks", scope.WEBHOOKS, methods=["POST"])
def register_webhook() -> Response:
    data = parse(WebhookIn, json_body(bp.current_request))
    body = webhooks.register(get_container(), data, actor())
    return Response(body, status_code=201, headers={"Content-Type": "application/json"})


@staff_route("/admin/webhooks", scope.WEBHOOKS, methods=["GET"])
def list_webhooks() -> dict[str, Any]:
    return webhooks.page(get_container(), query_param(bp.current_request, "cursor"))


@staff_route("/admin/webhooks/{webhook_id}", scope.WEBHOOKS, methods=["GET"])
def get_webhook(webhook_id: str) -> dict[str, Any]:
    return webhooks.view(webhooks.get(get_container(), webhook_id))


@staff_route("/admin/webhooks/{webhook_id}", scope.WEBHOOKS, methods=["PATCH"])
def change_webhook(webhook_id: str) -> dict[str, Any]:
    data = parse(WebhookPatch, json_body(bp.current_request))
    return webhooks.change(get_container(), webhook_id, data)


@staff_route("/admin/webhooks/{webhook_id}", scope.WEBHOOKS, methods=["DELETE"])
def delete_webhook(webhook_id: str) -> Response:
    webhooks.remove(get_container(), webhook_id)
    return no_content()


@staff_route("/admin/webhooks/{webhook_id}/deliveries", scope.WEBHOOKS, methods=["GET"])
def webhook_deliveries(webhook_id: str) -> dict[str, Any]:
    return webhooks.deliveries(get_container(), webhook_id, query_param(bp.current_request, "cursor"))


@staff_route("/admin/webhooks/{webhook_id}/deliveries/{event_id}/redeliver", scope.WEBHOOKS, methods=["POST"])
def redeliver(webhook_id: str, event_id: str) -> Response:
    return accepted(webhooks.redeliver(get_container(), webhook_id, event_id))


# ERP instant accounts: the ERP's trade contacts (issue 11).
ERP_BODY_BYTES = 1024 * 1024  # 1,000 contacts


@staff_route("/admin/erp/contacts", scope.ERP, methods=["POST"])
def upsert_erp_contacts() -> dict[str, Any]:
    data = parse(ContactsIn, json_body(bp.current_request, ERP_BODY_BYTES))
    return erp_contacts.upsert(get_container(), data)


@staff_route("/admin/erp/contacts", scope.ERP, methods=["GET"])
def erp_contacts_of() -> dict[str, Any]:
    data = parse(EmailQuery, {"email": query_param(bp.current_request, "email")})
    return erp_contacts.contacts_view(get_container(), data.email)


@staff_route("/admin/erp/syncs", scope.ERP, methods=["POST"])
def start_erp_sync() -> Response:
    json_body(bp.current_request)  # no body expected; a malformed one is still refused (400)
    return Response(erp_contacts.start_sync(get_container()), status_code=201)


@staff_route("/admin/erp/syncs/{sync_id}/finish", scope.ERP, methods=["POST"])
def finish_erp_sync(sync_id: str) -> Response:
    result = erp_contacts.finish_sync(get_container(), sync_id)
    return Response(result, status_code=200 if result["status"] == "finished" else 202)
