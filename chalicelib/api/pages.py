"""Hosted pages for emailed links: plain HTML forms that work without JavaScript.

GET shows the page (nothing is consumed, so mail scanners that open links do no
harm); the form POST does the work and redirects to ``STOREFRONT_URL``. The invitation
page instead answers a page whose form posts a one-time hand-off code to the storefront's
server: a code that signs someone in never travels in a URL.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib import privacy
from chalicelib.api.http import FORM, endpoint, form_body, is_form, json_body, spend_source_budget
from chalicelib.api.page_kit import (
    FOREIGN_SITES,
    confirmed_password,
    handoff_page,
    html_errors_of,
    html_page,
    page_language,
    password_form,
    password_problem,
    to_storefront,
    token_param,
)
from chalicelib.identity import accounts, passwords
from chalicelib.identity.schemas import ResetIn, TokenIn
from chalicelib.invitations import accept as invitation_accept
from chalicelib.kernel.bootstrap import Container, get_container
from chalicelib.kernel.errors import (
    AddressInUse,
    ValidationFailed,
)
from chalicelib.kernel.schemas import parse
from chalicelib.kernel.tokens import live_token, token_email
from chalicelib.portal import email_change

bp = Blueprint(__name__)
html_errors = html_errors_of(bp)


@endpoint(bp, "/verify", methods=["GET"])
@html_errors
def verify_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = token_param(request)
    token = live_token(c, secret, "verify")
    language = page_language(c, request, token.locale)
    return html_page("verify", language, token=secret, email=token_email(token))


@endpoint(bp, "/verify", methods=["POST"], content_types=[FORM])
@html_errors
def verify_form_post() -> Response:
    c = get_container()
    form = form_body(bp.current_request)
    accounts.verify_email(c, form.get("token", ""))
    return to_storefront(c, "email_verified")


@endpoint(bp, "/password/reset", methods=["GET"])
@html_errors
def reset_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = token_param(request)
    token, _ = passwords.reset_link(c, secret)
    language = page_language(c, request, token.locale)
    return html_page("reset", language, token=secret, email=token_email(token), error=None)


@html_errors
def reset_form_post(request: Request) -> Response:
    """The reset page's form (``POST /password/reset`` as a form post)."""
    c = get_container()
    spend_source_budget(request, "password")
    form, language, secret = password_form(c, request)
    token = live_token(c, secret, "reset")
    try:
        password = confirmed_password(form, language)
        passwords.reset_password(c, parse(ResetIn, {"token": secret, "password": password}))
    except ValidationFailed as e:
        error = password_problem(e, language)
        return html_page("reset", language, status=422, token=secret, email=token_email(token), error=error)
    return to_storefront(c, "password_reset")


@endpoint(bp, "/invitations", methods=["GET"])
@html_errors
def invitation_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = token_param(request)
    _, customer = invitation_accept.page_details(c, secret)
    language = page_language(c, request, customer.locale)
    return _invitation_page(c, language, secret, customer.name, customer.email)


def _invitation_page(
    c: Container, language: str, secret: str, name: str, email: str, **extra: Any
) -> Response:
    context = {
        "token": secret,
        "name": name,
        "email": email,
        "action": "invitations/accept",  # relative: works under an API Gateway stage prefix
    }
    choose = {"keys": "page.invite", "button_id": "accept"}
    return html_page("choose_password", language, **{"error": None, **choose, **context, **extra})


@html_errors
def accept_form_post(request: Request) -> Response:
    """The invitation page's form: activate, then hand a one-time code to the storefront."""
    c = get_container()
    if request.headers.get("sec-fetch-site") in FOREIGN_SITES:  # only our own page posts here
        return html_page("invalid", page_language(c, request), status=403)
    spend_source_budget(request, "invitation")
    form, language, secret = password_form(c, request)
    _, customer = invitation_accept.page_details(c, secret)
    try:
        answer = invitation_accept.accept(c, secret, confirmed_password(form, language), handoff=True)
    except ValidationFailed as e:
        error = password_problem(e, language)
        page = _invitation_page(
            c, language, secret, customer.name, customer.email, error=error, action="accept"
        )
        page.status_code = 422
        return page
    return handoff_page(c, language, "invitation_accepted", answer["handoff_code"])


# -- email change ----------------------------------------------------------------------------


@endpoint(bp, "/email/confirm", methods=["GET"])
@html_errors
def email_confirm_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = token_param(request)
    token, customer = email_change.pending_change(c, secret)
    language = page_language(c, request, customer.locale)
    if not email_change.address_free(c, str(token.ref)):  # taken since the link was sent
        return _email_taken(language)
    return html_page("email_confirm", language, token=secret, email=token.ref)


def _email_taken(language: str) -> Response:
    """Plain words, not "try again": the change cannot happen while the address is taken."""
    keys = {"title": "page.email_taken.title", "text": "page.email_taken.text"}
    return html_page("message", language, status=409, **keys)


@html_errors
def email_form_post(request: Request) -> Response:
    c = get_container()
    form = form_body(request)
    try:
        email_change.confirm(c, form.get("token", ""))
    except AddressInUse:
        return _email_taken(page_language(c, request, form.get("lang")))
    return to_storefront(c, "email_changed")


@endpoint(bp, "/erasure", methods=["GET"])
@html_errors
def erasure_page() -> Response:
    """The emailed link's page: what goes, and a Confirm button (opening it erases nothing)."""
    c, request = get_container(), bp.current_request
    secret = token_param(request)
    token = privacy.pending(c, secret)
    return html_page(
        "erasure", page_language(c, request, token.locale), token=secret, email=token_email(token)
    )


@endpoint(bp, "/erasure", methods=["POST"])
def confirm_erasure() -> Any:
    """The confirmation: a form post from our page (only ours: Fetch metadata), or JSON
    ``{token}`` from a storefront page."""
    if not is_form(bp.current_request):
        return privacy.confirm(get_container(), parse(TokenIn, json_body(bp.current_request)).token)
    return _erasure_form_post(get_container(), bp.current_request)


@html_errors
def _erasure_form_post(c: Container, request: Request) -> Response:
    form = form_body(request)
    language = page_language(c, request, form.get("lang"))
    if request.headers.get("sec-fetch-site") in FOREIGN_SITES:
        return html_page("invalid", language, status=403)
    privacy.confirm(c, form.get("token", ""))
    return html_page("message", language, title="page.erased.title", text="page.erased.text")
