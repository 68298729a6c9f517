"""Hosted pages for emailed links: plain HTML forms that work without JavaScript.

GET shows the page (nothing is consumed, so mail scanners that open links do no
harm); the form POST does the work and redirects to ``STOREFRONT_URL``. The invitation
page instead answers a page whose form posts a one-time hand-off code to the storefront's
server: a code that signs someone in never travels in a URL.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from chalice.app import Blueprint, Request, Response

from chalicelib import privacy
from chalicelib.api.http import FORM, endpoint, form_body, is_form, json_body, spend_source_budget
from chalicelib.checkout import merges, registration
from chalicelib.identity import accounts, passwords, sessions
from chalicelib.identity.schemas import ResetIn, TokenIn
from chalicelib.invitations import accept as invitation_accept
from chalicelib.kernel.bootstrap import Container, get_container
from chalicelib.kernel.errors import (
    AddressInUse,
    DomainError,
    InvalidCredentials,
    InvalidToken,
    ValidationFailed,
    WeakPassword,
    http_status,
)
from chalicelib.kernel.i18n import describe, from_accept_language, negotiate, translator
from chalicelib.kernel.schemas import parse
from chalicelib.kernel.tokens import live_token, token_email
from chalicelib.mail.render import render_page
from chalicelib.portal import email_change

bp = Blueprint(__name__)

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src {images}; form-action 'self' {storefront}; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def _page_headers(c: Container) -> dict[str, str | list[str]]:
    """HTML headers; the forms may post here and follow the redirect to the storefront."""
    shop = urlsplit(c.settings.STOREFRONT_URL)
    images = c.settings.brand.logo_origin or "'none'"  # the logo's host only
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": CSP.format(storefront=f"{shop.scheme}://{shop.netloc}", images=images),
        "X-Frame-Options": "DENY",
    }


def _language(c: Container, request: Request, preferred: str | None = None) -> str:
    query = dict(request.query_params or {})
    candidates = [query.get("lang"), preferred, *from_accept_language(request.headers.get("accept-language"))]
    return negotiate(candidates, c.settings.DEFAULT_LOCALE)


def _page(template: str, language: str, status: int = 200, **context: object) -> Response:
    c = get_container()
    s = c.settings
    body = render_page(template, language, s.brand, storefront_url=s.STOREFRONT_URL, **context)
    return Response(body, status_code=status, headers=_page_headers(c))


def _invalid(language: str) -> Response:
    return _page("invalid", language, status=400)


def _redirect(c: Container, event: str, **extra: str) -> Response:
    target = f"{c.settings.STOREFRONT_URL}/?{urlencode({'account_event': event, **extra})}"
    return Response("", status_code=303, headers={"Location": target, "Cache-Control": "no-store"})


def _token_param(request: Request) -> str:
    query = dict(request.query_params or {})
    return str(query.get("token", ""))


def html_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """A page's error boundary: a bad link gets the invalid-link page, any other domain
    error (e.g. 503 while DynamoDB is busy) the error page with its status and Retry-After."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except InvalidToken:
            return _invalid(_language(get_container(), bp.current_request))
        except DomainError as e:
            response = _page("error", _language(get_container(), bp.current_request), status=http_status(e))
            if e.retry_after is not None:
                response.headers["Retry-After"] = str(e.retry_after)
            return response

    return wrapper


@endpoint(bp, "/verify", methods=["GET"])
@html_errors
def verify_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = _token_param(request)
    token = live_token(c, secret, "verify")
    language = _language(c, request, token.locale)
    return _page("verify", language, token=secret, email=token_email(token))


@endpoint(bp, "/verify", methods=["POST"], content_types=[FORM])
@html_errors
def verify_form_post() -> Response:
    c = get_container()
    form = form_body(bp.current_request)
    accounts.verify_email(c, form.get("token", ""))
    return _redirect(c, "email_verified")


@endpoint(bp, "/password/reset", methods=["GET"])
@html_errors
def reset_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = _token_param(request)
    token, _ = passwords.reset_link(c, secret)
    language = _language(c, request, token.locale)
    return _page("reset", language, token=secret, email=token_email(token), error=None)


def _password_form(c: Container, request: Request) -> tuple[dict[str, str], str, str]:
    """A password form's fields, its language and its token."""
    form = form_body(request)
    return form, _language(c, request, form.get("lang")), form.get("token", "")


def _confirmed_password(form: dict[str, str], language: str) -> str:
    if form.get("password", "") != form.get("password_confirm", ""):
        raise ValidationFailed(translator(language)("page.reset.mismatch"))
    return form.get("password", "")


@html_errors
def reset_form_post(request: Request) -> Response:
    """The reset page's form (``POST /password/reset`` as a form post)."""
    c = get_container()
    spend_source_budget(request, "password")
    form, language, secret = _password_form(c, request)
    token = live_token(c, secret, "reset")
    try:
        password = _confirmed_password(form, language)
        passwords.reset_password(c, parse(ResetIn, {"token": secret, "password": password}))
    except ValidationFailed as e:
        error = _password_problem(e, language)
        return _page("reset", language, status=422, token=secret, email=token_email(token), error=error)
    return _redirect(c, "password_reset")


def _password_problem(e: ValidationFailed, language: str) -> str:
    """The page's own words for a refused password, in the page's language."""
    reason = e.fields.get("password")
    if isinstance(e, WeakPassword) and reason in ("too_short", "too_long", "common"):
        return translator(language)(f"page.reset.{reason}")
    if "password" in e.fields:  # longer than the API accepts at all
        return translator(language)("page.reset.too_long")
    return describe(e.problems, language)[0] if e.problems else e.message


@endpoint(bp, "/invitations", methods=["GET"])
@html_errors
def invitation_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = _token_param(request)
    _, customer = invitation_accept.page_details(c, secret)
    language = _language(c, request, customer.locale)
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
    return _page("choose_password", language, **{"error": None, **choose, **context, **extra})


#: Fetch metadata of a form posted from another site's page (a forged, login-CSRF post).
FOREIGN_SITES = ("cross-site", "same-site")


@html_errors
def accept_form_post(request: Request) -> Response:
    """The invitation page's form: activate, then hand a one-time code to the storefront."""
    c = get_container()
    if request.headers.get("sec-fetch-site") in FOREIGN_SITES:  # only our own page posts here
        return _page("invalid", _language(c, request), status=403)
    spend_source_budget(request, "invitation")
    form, language, secret = _password_form(c, request)
    _, customer = invitation_accept.page_details(c, secret)
    try:
        answer = invitation_accept.accept(c, secret, _confirmed_password(form, language), handoff=True)
    except ValidationFailed as e:
        error = _password_problem(e, language)
        page = _invitation_page(
            c, language, secret, customer.name, customer.email, error=error, action="accept"
        )
        page.status_code = 422
        return page
    return _handoff_page(c, language, "invitation_accepted", answer["handoff_code"])


def _handoff_page(c: Container, language: str, event: str, code: str, keys: str = "page.handoff") -> Response:
    """A form that posts the code to the storefront's server ("Continue to the shop").

    ``strict-origin`` keeps the ``Origin`` header on that cross-site POST (``no-referrer``
    would send ``Origin: null``), so the storefront can check the code comes from our page."""
    handoff_url = c.settings.storefront(c.settings.STOREFRONT_HANDOFF_PATH)
    page = _page("handoff", language, handoff_url=handoff_url, event=event, code=code, keys=keys)
    page.headers["Referrer-Policy"] = "strict-origin"
    return page


# -- register later and merge -------------------------------------------------------------


def _register_page(c: Container, language: str, secret: str, guest: Any, **extra: Any) -> Response:
    context = {"token": secret, "name": guest.name, "email": guest.email}
    choose = {"keys": "page.register", "button_id": "register", "action": "register"}
    return _page("choose_password", language, **{"error": None, **choose, **context, **extra})


@endpoint(bp, "/register", methods=["GET"])
@html_errors
def register_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = _token_param(request)
    _, guest = registration.guest_for(c, secret)
    return _register_page(c, _language(c, request, guest.locale), secret, guest)


@html_errors
def register_form_post(request: Request) -> Response:
    """The register-later page's form: an account awaiting its email, or a merge offer."""
    c = get_container()
    spend_source_budget(request, "sign_up")
    form, language, secret = _password_form(c, request)
    _, guest = registration.guest_for(c, secret)
    try:
        registration.register(c, secret, _confirmed_password(form, language))
    except ValidationFailed as e:
        page = _register_page(c, language, secret, guest, error=_password_problem(e, language))
        page.status_code = 422
        return page
    # one page whatever the address: a verify link, or its owner a merge link (no enumeration)
    return _page("message", language, title="page.register_sent.title", text="page.register_sent.text")


def _merge_page(c: Container, language: str, secret: str, guest: Any, account: Any, **extra: Any) -> Response:
    from chalicelib.kernel.clock import iso

    date = (iso(guest.created_at) or "")[:10]
    context = {"token": secret, "email": account.email, "guest_date": date}
    return _page("merge", language, **{"error": None, **context, **extra})


@endpoint(bp, "/merge", methods=["GET"])
@html_errors
def merge_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = _token_param(request)
    _, guest, account = merges.merge_link(c, secret)
    return _merge_page(c, _language(c, request, account.locale), secret, guest, account)


@endpoint(bp, "/merge", methods=["POST"], content_types=[FORM])
@html_errors
def merge_form_post() -> Response:
    """The merge page's form: the owner's password confirms, then the guest is merged."""
    c = get_container()
    spend_source_budget(bp.current_request, "sign_in")
    form, language, secret = _password_form(c, bp.current_request)
    _, guest, account = merges.merge_link(c, secret)
    try:
        sessions.check_password(c, account.login_key, form.get("password", ""))
    except InvalidCredentials:
        error = translator(language)("page.merge.wrong_password")
        page = _merge_page(c, language, secret, guest, account, error=error)
        page.status_code = 401
        return page
    merges.confirm(c, secret, account.customer_id)
    return _redirect(c, "merge_confirmed")


# -- email change ----------------------------------------------------------------------------


@endpoint(bp, "/email/confirm", methods=["GET"])
@html_errors
def email_confirm_page() -> Response:
    c, request = get_container(), bp.current_request
    secret = _token_param(request)
    token, customer = email_change.pending_change(c, secret)
    language = _language(c, request, customer.locale)
    if not email_change.address_free(c, str(token.ref)):  # taken since the link was sent
        return _email_taken(language)
    return _page("email_confirm", language, token=secret, email=token.ref)


def _email_taken(language: str) -> Response:
    """Plain words, not "try again": the change cannot happen while the address is taken."""
    keys = {"title": "page.email_taken.title", "text": "page.email_taken.text"}
    return _page("message", language, status=409, **keys)


@html_errors
def email_form_post(request: Request) -> Response:
    c = get_container()
    form = form_body(request)
    try:
        email_change.confirm(c, form.get("token", ""))
    except AddressInUse:
        return _email_taken(_language(c, request, form.get("lang")))
    return _redirect(c, "email_changed")


@endpoint(bp, "/erasure", methods=["GET"])
@html_errors
def erasure_page() -> Response:
    """The emailed link's page: what goes, and a Confirm button (opening it erases nothing)."""
    c, request = get_container(), bp.current_request
    secret = _token_param(request)
    token = privacy.pending(c, secret)
    return _page("erasure", _language(c, request, token.locale), token=secret, email=token_email(token))


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
    language = _language(c, request, form.get("lang"))
    if request.headers.get("sec-fetch-site") in FOREIGN_SITES:
        return _page("invalid", language, status=403)
    privacy.confirm(c, form.get("token", ""))
    return _page("message", language, title="page.erased.title", text="page.erased.text")
