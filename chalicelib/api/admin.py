"""Staff routes under ``/admin``, guarded by the staff-key authorizer."""

from __future__ import annotations

from typing import Any

from chalice.app import AuthRequest, AuthResponse, Blueprint

from chalicelib import accounts, staff
from chalicelib.api.http import endpoint, json_body
from chalicelib.bootstrap import get_container
from chalicelib.schemas import StatusIn, parse
from chalicelib.views import staff_view

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
