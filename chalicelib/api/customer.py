"""Routes of the signed-in customer (``Authorization: Bearer <access token>``)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.http import accepted, endpoint, json_body, no_content
from chalicelib.checkout import merges
from chalicelib.identity import passwords, sessions
from chalicelib.identity.schemas import ChangePasswordIn, TokenIn
from chalicelib.identity.views import customer_view, profile_website
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.schemas import parse
from chalicelib.kernel.security import AccessClaims
from chalicelib.portal import email_change, profile
from chalicelib.portal.schemas import EmailChangeIn, ProfileIn

bp = Blueprint(__name__)


def _claims() -> AccessClaims:
    return sessions.authenticate(get_container(), bp.current_request.headers.get("authorization"))


@endpoint(bp, "/me", methods=["GET"])
def me() -> dict[str, Any]:
    c = get_container()
    return customer_view(sessions.current_customer(c, _claims()), profile_website(c))


@endpoint(bp, "/sessions/current", methods=["DELETE"])
def sign_out() -> Response:
    sessions.sign_out(get_container(), _claims())
    return no_content()


@endpoint(bp, "/me/password", methods=["POST"])
def change_password() -> dict[str, Any]:
    claims = _claims()
    data = parse(ChangePasswordIn, json_body(bp.current_request))
    return passwords.change_password(get_container(), claims, data)


@endpoint(bp, "/me/merges", methods=["POST"])
def confirm_merge() -> dict[str, Any]:
    """The signed-in owner confirms a merge link: the guest's documents move here."""
    c = get_container()
    customer = sessions.current_customer(c, _claims())
    data = parse(TokenIn, json_body(bp.current_request))
    return merges.confirm(c, data.token, customer.customer_id)


@endpoint(bp, "/me", methods=["PATCH"])
def update_me() -> dict[str, Any]:
    claims = _claims()
    return profile.update(get_container(), claims, parse(ProfileIn, json_body(bp.current_request)))


@endpoint(bp, "/me/email", methods=["POST"])
def change_email() -> Response:
    """Start an email change: a confirmation link goes to the new address, a notice to the old."""
    claims = _claims()
    data = parse(EmailChangeIn, json_body(bp.current_request))
    return accepted(email_change.request(get_container(), claims, data))
