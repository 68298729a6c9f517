"""Storefront routes: website settings, sign-up, sign-in, refresh, forgotten password.

Routes where data a customer does not own enters (a checkout's order, a hand-off code)
answer only a storefront's server: ``storefront_server`` checks its ``X-Storefront-Key``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import Blueprint, Response

from chalicelib import codes
from chalicelib.api import checkout_pages, pages
from chalicelib.api.http import (
    accepted,
    endpoint,
    idempotency_key,
    is_form,
    json_body,
    spend_source_budget,
)
from chalicelib.checkout import guests, registration
from chalicelib.checkout.schemas import GuestIn
from chalicelib.companies import access as company_access
from chalicelib.identity import accounts, passwords, sessions, storefront_keys
from chalicelib.identity.schemas import ForgotIn, HandoffIn, RefreshIn, ResetIn, SignInIn, SignupIn, TokenIn
from chalicelib.invitations import accept as invitation_accept
from chalicelib.invitations.schemas import AcceptIn
from chalicelib.kernel import budgets
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.schemas import parse
from chalicelib.kernel.website import public as public_website
from chalicelib.portal import email_change

bp = Blueprint(__name__)

CHECKOUT_BODY_BYTES = 256 * 1024  # an order with its lines
F = TypeVar("F", bound=Callable[..., Any])


def storefront_server(view: F) -> F:
    """Only a storefront's server: a live storefront key in ``X-Storefront-Key``, else 401.
    Its requests count in the key's budget (``STOREFRONT_BUDGET_*``), not its IP's: every
    customer of a storefront that calls from its server comes from that one address."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        c = get_container()
        key = storefront_keys.authorize(c, bp.current_request.headers.get(storefront_keys.HEADER.lower()))
        budgets.spend_source(c, budgets.STOREFRONT, key.key_id)
        return view(*args, **kwargs)

    wrapper.storefront_key_required = True  # type: ignore[attr-defined]  # read by the OpenAPI test
    return wrapper  # type: ignore[return-value]


@endpoint(bp, "/website", methods=["GET"])
def website() -> dict[str, Any]:
    return public_website(get_container().settings)


@endpoint(bp, "/signup", methods=["POST"])
def signup() -> Response:
    request = bp.current_request
    spend_source_budget(request, "sign_up")
    data = parse(SignupIn, json_body(request))
    return accepted(accounts.signup(get_container(), data, idempotency_key(request)))


@endpoint(bp, "/signup/verify", methods=["POST"])
def verify_signup() -> dict[str, Any]:
    data = parse(TokenIn, json_body(bp.current_request))
    return accounts.verify_email(get_container(), data.token)


@endpoint(bp, "/sessions", methods=["POST"])
def sign_in() -> dict[str, Any]:
    spend_source_budget(bp.current_request, "sign_in")
    data = parse(SignInIn, json_body(bp.current_request))
    return sessions.sign_in(get_container(), data)


@endpoint(bp, "/sessions/code", methods=["POST"])
def request_sign_in_code() -> Response:
    """The same 202 whatever the address; its ``device`` value unlocks the emailed link."""
    spend_source_budget(bp.current_request, "code")
    data = parse(codes.CodeRequestIn, json_body(bp.current_request))
    return accepted(codes.request_code(get_container(), data))


@endpoint(bp, "/sessions/code/verify", methods=["POST"])
def verify_sign_in_code() -> dict[str, Any]:
    spend_source_budget(bp.current_request, "code")
    data = parse(codes.CodeVerifyIn, json_body(bp.current_request))
    return codes.verify(get_container(), data)


@endpoint(bp, "/sessions/refresh", methods=["POST"])
def refresh() -> dict[str, Any]:
    data = parse(RefreshIn, json_body(bp.current_request))
    return sessions.refresh(get_container(), data)


@endpoint(bp, "/invitations/accept", methods=["POST"])
def accept_invitation() -> Any:
    request = bp.current_request
    if is_form(request):  # the hosted page's form
        return pages.accept_form_post(request)
    spend_source_budget(request, "invitation")
    data = parse(AcceptIn, json_body(request))
    return invitation_accept.accept(get_container(), data.token, data.password)


@endpoint(bp, "/register", methods=["POST"])
def register_later() -> Any:
    request = bp.current_request
    if is_form(request):  # the hosted page's form
        return checkout_pages.register_form_post(request)
    spend_source_budget(request, "sign_up")
    data = parse(AcceptIn, json_body(request))
    return accepted(registration.register(get_container(), data.token, data.password))


@endpoint(bp, "/email/confirm", methods=["POST"])
def confirm_email_change() -> Any:
    """The link from the new address: JSON for a storefront page, a form post for ours."""
    request = bp.current_request
    if is_form(request):
        return pages.email_form_post(request)
    return email_change.confirm(get_container(), parse(TokenIn, json_body(request)).token)


@endpoint(bp, "/sessions/handoff", methods=["POST"])
@storefront_server
def exchange_handoff() -> dict[str, Any]:
    data = parse(HandoffIn, json_body(bp.current_request))
    return invitation_accept.exchange_handoff(get_container(), data.code)


@endpoint(bp, "/guests", methods=["POST"])
@storefront_server
def guest_checkout() -> Response:
    request = bp.current_request
    data = parse(GuestIn, json_body(request, CHECKOUT_BODY_BYTES))
    answer = guests.checkout(get_container(), data, idempotency_key(request))
    return Response(answer, status_code=201, headers={"Content-Type": "application/json"})


@endpoint(bp, "/shop/access", methods=["GET"])
def shop_access() -> dict[str, Any]:
    return company_access.shop_access(get_container(), bp.current_request.headers.get("authorization"))


@endpoint(bp, "/password/forgot", methods=["POST"])
def forgot_password() -> Response:
    spend_source_budget(bp.current_request, "password")
    data = parse(ForgotIn, json_body(bp.current_request))
    return accepted(passwords.forgot_password(get_container(), data))


@endpoint(bp, "/password/reset", methods=["POST"])
def reset_password() -> Any:
    request = bp.current_request
    if is_form(request):  # the hosted page's form
        return pages.reset_form_post(request)
    spend_source_budget(request, "password")
    data = parse(ResetIn, json_body(request))
    return passwords.reset_password(get_container(), data)
