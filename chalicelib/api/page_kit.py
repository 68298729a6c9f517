"""What the hosted pages share: their headers (CSP), language, rendering, the redirect to
the storefront, the error boundary, the hand-off form and the password forms' checks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from chalice.app import Blueprint, Request, Response

from chalicelib.api.http import form_body
from chalicelib.kernel.bootstrap import Container, get_container
from chalicelib.kernel.errors import DomainError, InvalidToken, ValidationFailed, WeakPassword, http_status
from chalicelib.kernel.i18n import describe, from_accept_language, negotiate, translator
from chalicelib.mail.render import render_page

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src {images}; form-action 'self' {storefront}; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def page_headers(c: Container) -> dict[str, str | list[str]]:
    """HTML headers; the forms may post here and follow the redirect to the storefront."""
    shop = urlsplit(c.settings.STOREFRONT_URL)
    images = c.settings.brand.logo_origin or "'none'"  # the logo's host only
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": CSP.format(storefront=f"{shop.scheme}://{shop.netloc}", images=images),
        "X-Frame-Options": "DENY",
    }


def page_language(c: Container, request: Request, preferred: str | None = None) -> str:
    query = dict(request.query_params or {})
    candidates = [query.get("lang"), preferred, *from_accept_language(request.headers.get("accept-language"))]
    return negotiate(candidates, c.settings.DEFAULT_LOCALE)


def html_page(template: str, language: str, status: int = 200, **context: object) -> Response:
    c = get_container()
    s = c.settings
    body = render_page(template, language, s.brand, storefront_url=s.STOREFRONT_URL, **context)
    return Response(body, status_code=status, headers=page_headers(c))


def invalid_link(language: str) -> Response:
    return html_page("invalid", language, status=400)


def to_storefront(c: Container, event: str, **extra: str) -> Response:
    target = f"{c.settings.STOREFRONT_URL}/?{urlencode({'account_event': event, **extra})}"
    return Response("", status_code=303, headers={"Location": target, "Cache-Control": "no-store"})


def token_param(request: Request) -> str:
    query = dict(request.query_params or {})
    return str(query.get("token", ""))


def html_errors_of(bp: Blueprint) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """The error boundary of ``bp``'s pages: a bad link gets the invalid-link page, any
    other domain error (e.g. 503 while DynamoDB is busy) the error page with its status
    and Retry-After."""

    def html_errors(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            try:
                return view(*args, **kwargs)
            except InvalidToken:
                return invalid_link(page_language(get_container(), bp.current_request))
            except DomainError as e:
                language = page_language(get_container(), bp.current_request)
                response = html_page("error", language, status=http_status(e))
                if e.retry_after is not None:
                    response.headers["Retry-After"] = str(e.retry_after)
                return response

        return wrapper

    return html_errors


#: Fetch metadata of a form posted from another site's page (a forged, login-CSRF post).
FOREIGN_SITES = ("cross-site", "same-site")


def handoff_page(c: Container, language: str, event: str, code: str, keys: str = "page.handoff") -> Response:
    """A form that posts the code to the storefront's server ("Continue to the shop").

    ``strict-origin`` keeps the ``Origin`` header on that cross-site POST (``no-referrer``
    would send ``Origin: null``), so the storefront can check the code comes from our page."""
    handoff_url = c.settings.storefront(c.settings.STOREFRONT_HANDOFF_PATH)
    page = html_page("handoff", language, handoff_url=handoff_url, event=event, code=code, keys=keys)
    page.headers["Referrer-Policy"] = "strict-origin"
    return page


def password_form(c: Container, request: Request) -> tuple[dict[str, str], str, str]:
    """A password form's fields, its language and its token."""
    form = form_body(request)
    return form, page_language(c, request, form.get("lang")), form.get("token", "")


def confirmed_password(form: dict[str, str], language: str) -> str:
    if form.get("password", "") != form.get("password_confirm", ""):
        raise ValidationFailed(translator(language)("page.reset.mismatch"))
    return form.get("password", "")


def password_problem(e: ValidationFailed, language: str) -> str:
    """The page's own words for a refused password, in the page's language."""
    reason = e.fields.get("password")
    if isinstance(e, WeakPassword) and reason in ("too_short", "too_long", "common"):
        return translator(language)(f"page.reset.{reason}")
    if "password" in e.fields:  # longer than the API accepts at all
        return translator(language)("page.reset.too_long")
    return describe(e.problems, language)[0] if e.problems else e.message
