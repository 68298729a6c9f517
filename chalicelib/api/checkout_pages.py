"""Hosted pages of guest checkout's emailed links: register later (choose a password for
the guest's address) and merge (the owner of the address confirms with their password)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib.api.http import FORM, endpoint, spend_source_budget
from chalicelib.api.page_kit import (
    confirmed_password,
    html_errors_of,
    html_page,
    page_language,
    password_form,
    password_problem,
    to_storefront,
    token_param,
)
from chalicelib.checkout import merges, registration
from chalicelib.identity import sessions
from chalicelib.kernel.bootstrap import Container, get_container
from chalicelib.kernel.errors import InvalidCredentials, ValidationFailed
from chalicelib.kernel.i18n import translator

bp = Blueprint(__name__)
html_errors = html_errors_of(bp)


def _register_page(c: Container, language: str, secret: str, guest: Any, **extra: Any) -> Response:
    context = {"token": secret, "name": guest.name, "email": guest.email}
    choose = {"keys": "page.register", "button_id": "register", "action": "register"}
    return html_page("choose_password", language, **{"error": None, **choose, **context, **extra})


@endpoint(bp, "/register", methods=["GET"])
@html_errors
def register_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = token_param(request)
    _, guest = registration.guest_for(c, secret)
    return _register_page(c, page_language(c, request, guest.locale), secret, guest)


@html_errors
def register_form_post(request: Request) -> Response:
    """The register-later page's form: an account awaiting its email, or a merge offer."""
    c = get_container()
    spend_source_budget(request, "sign_up")
    form, language, secret = password_form(c, request)
    _, guest = registration.guest_for(c, secret)
    try:
        registration.register(c, secret, confirmed_password(form, language))
    except ValidationFailed as e:
        page = _register_page(c, language, secret, guest, error=password_problem(e, language))
        page.status_code = 422
        return page
    # one page whatever the address: a verify link, or its owner a merge link (no enumeration)
    return html_page("message", language, title="page.register_sent.title", text="page.register_sent.text")


def _merge_page(c: Container, language: str, secret: str, guest: Any, account: Any, **extra: Any) -> Response:
    from chalicelib.kernel.clock import iso

    date = (iso(guest.created_at) or "")[:10]
    context = {"token": secret, "email": account.email, "guest_date": date}
    return html_page("merge", language, **{"error": None, **context, **extra})


@endpoint(bp, "/merge", methods=["GET"])
@html_errors
def merge_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = token_param(request)
    _, guest, account = merges.merge_link(c, secret)
    return _merge_page(c, page_language(c, request, account.locale), secret, guest, account)


@endpoint(bp, "/merge", methods=["POST"], content_types=[FORM])
@html_errors
def merge_form_post() -> Response:
    """The merge page's form: the owner's password confirms, then the guest is merged."""
    c = get_container()
    spend_source_budget(bp.current_request, "sign_in")
    form, language, secret = password_form(c, bp.current_request)
    _, guest, account = merges.merge_link(c, secret)
    try:
        sessions.check_password(c, account.login_key, form.get("password", ""))
    except InvalidCredentials:
        error = translator(language)("page.merge.wrong_password")
        page = _merge_page(c, language, secret, guest, account, error=error)
        page.status_code = 401
        return page
    merges.confirm(c, secret, account.customer_id)
    return to_storefront(c, "merge_confirmed")
