"""Company routes of the signed-in customer (``/me/companies...``): requests, membership,
acting for a company, its members, join code, invitations, documents and activity."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.http import accepted, endpoint, idempotency_key, json_body, no_content, query_param
from chalicelib.companies import documents, invites, members, requests
from chalicelib.companies.schemas import ActingIn, CompanyRequestIn, DecisionIn, InviteIn, JoinIn, RoleIn
from chalicelib.identity import sessions
from chalicelib.identity.schemas import TokenIn
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.schemas import parse
from chalicelib.kernel.security import AccessClaims

bp = Blueprint(__name__)


def _claims() -> AccessClaims:
    return sessions.authenticate(get_container(), bp.current_request.headers.get("authorization"))


def _body(model: Any) -> Any:
    return parse(model, json_body(bp.current_request))


def _cursor() -> str | None:
    return query_param(bp.current_request, "cursor")


@endpoint(bp, "/me/companies", methods=["GET"])
def my_companies() -> dict[str, Any]:
    return members.my_companies(get_container(), _claims())


@endpoint(bp, "/me/companies", methods=["POST"])
def request_company() -> Response:
    claims = _claims()
    key = idempotency_key(bp.current_request)
    body = requests.request_company(get_container(), claims, _body(CompanyRequestIn), key)
    return Response(body, status_code=201, headers={"Content-Type": "application/json"})


@endpoint(bp, "/me/join-requests", methods=["POST"])
def request_to_join() -> Response:
    claims = _claims()
    return accepted(requests.join(get_container(), claims, _body(JoinIn)))


@endpoint(bp, "/me/acting-for", methods=["PUT"])
def act_for() -> dict[str, Any]:
    claims = _claims()
    return members.act_for(get_container(), claims, _body(ActingIn).company_id)


@endpoint(bp, "/me/company-invitations/accept", methods=["POST"])
def accept_invitation() -> dict[str, Any]:
    claims = _claims()
    return invites.accept(get_container(), claims, _body(TokenIn).token)


@endpoint(bp, "/me/companies/{company_id}", methods=["GET"])
def my_company(company_id: str) -> dict[str, Any]:
    return members.one(get_container(), _claims(), company_id)


@endpoint(bp, "/me/companies/{company_id}/members", methods=["GET"])
def company_members(company_id: str) -> dict[str, Any]:
    return members.members(get_container(), _claims(), company_id, _cursor())


@endpoint(bp, "/me/companies/{company_id}/members/{customer_id}", methods=["PUT"])
def set_member_role(company_id: str, customer_id: str) -> dict[str, Any]:
    claims = _claims()
    return members.set_role(get_container(), claims, company_id, customer_id, _body(RoleIn).role)


@endpoint(bp, "/me/companies/{company_id}/members/{customer_id}", methods=["DELETE"])
def remove_member(company_id: str, customer_id: str) -> Response:
    members.remove(get_container(), _claims(), company_id, customer_id)
    return no_content()


@endpoint(bp, "/me/companies/{company_id}/requests", methods=["GET"])
def join_requests(company_id: str) -> dict[str, Any]:
    return requests.pending_for_admin(get_container(), _claims(), company_id, _cursor())


@endpoint(bp, "/me/companies/{company_id}/requests/{customer_id}", methods=["POST"])
def decide_join_request(company_id: str, customer_id: str) -> dict[str, Any]:
    claims = _claims()
    return requests.decide_as_admin(get_container(), claims, company_id, customer_id, _body(DecisionIn))


@endpoint(bp, "/me/companies/{company_id}/join-code", methods=["POST"])
def new_join_code(company_id: str) -> dict[str, Any]:
    return members.new_join_code(get_container(), _claims(), company_id)


@endpoint(bp, "/me/companies/{company_id}/invitations", methods=["POST"])
def invite(company_id: str) -> Response:
    claims = _claims()
    return accepted(invites.invite(get_container(), claims, company_id, _body(InviteIn)))


@endpoint(bp, "/me/companies/{company_id}/documents", methods=["GET"])
def company_documents(company_id: str) -> dict[str, Any]:
    query = dict(bp.current_request.query_params or {})
    return documents.listing(get_container(), _claims(), company_id, query)


@endpoint(bp, "/me/companies/{company_id}/activity", methods=["GET"])
def company_activity(company_id: str) -> dict[str, Any]:
    return members.admin_activity(get_container(), _claims(), company_id, _cursor())
