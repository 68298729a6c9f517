"""Staff routes under ``/admin``, guarded by the staff-key authorizer and the keys' scopes.

Every route is registered with ``staff_route``, which names the scope it needs; the middleware
refuses a key without it, and any ``/admin`` route that names none (``api.scoping``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import AuthRequest, AuthResponse, Blueprint, Response

from chalicelib.api import scoping
from chalicelib.api.http import accepted, endpoint, idempotency_key, json_body, query_param
from chalicelib.backoffice import customers
from chalicelib.checkout import documents, merges
from chalicelib.checkout.schemas import DocumentIn
from chalicelib.identity import accounts, activity
from chalicelib.identity import scopes as scope
from chalicelib.identity import staff_keys as staff
from chalicelib.identity.schemas import StatusIn
from chalicelib.identity.views import staff_view
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
    return staff_view(accounts.set_status(get_container(), customer_id, data.status, actor()))


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
    return documents.record(get_container(), customer_id, data, actor())


@staff_route("/admin/customers/{customer_id}/merge-offer", scope.CUSTOMERS_WRITE, methods=["POST"])
def send_merge_offer(customer_id: str) -> Response:
    return accepted(merges.offer(get_container(), customer_id, actor()))
