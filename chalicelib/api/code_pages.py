"""The hosted sign-in page: an email form, then a code form; and the emailed link's page.

Plain forms, no JavaScript, in the customer's language. Asking for a code sets a cookie
holding the device value the request answered (HttpOnly, 10 minutes): the emailed link
works only in that browser. A right code or link gives the storefront a hand-off code
(as the invitation page does): a session never travels in a URL.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from chalice.app import Blueprint, Request, Response

from chalicelib import codes
from chalicelib.api.http import FORM, endpoint, form_body, spend_source_budget
from chalicelib.api.page_kit import FOREIGN_SITES, handoff_page, html_errors_of, html_page, page_language
from chalicelib.kernel.bootstrap import Container, get_container
from chalicelib.kernel.errors import (
    InvalidCode,
    SigninMethodDisabled,
    TooManyAttempts,
    ValidationFailed,
    WrongDevice,
)
from chalicelib.kernel.i18n import translator
from chalicelib.kernel.schemas import parse

bp = Blueprint(__name__)
html_errors = html_errors_of(bp)

DEVICE_COOKIE = "code_device"


def _sign_in_page(
    c: Container, language: str, step: str, base: str, status: int = 200, **context: object
) -> Response:
    values: dict[str, object] = {"error": None, "email": "", "minutes": c.settings.CODE_MINUTES, **context}
    return html_page("sign_in", language, status=status, step=step, base=base, **values)


def _unavailable(language: str) -> Response:
    return html_page(
        "message", language, status=404, title="page.sign_in.title", text="page.sign_in.unavailable"
    )


@endpoint(bp, "/sign-in", methods=["GET"])
@html_errors
def sign_in_page() -> Response:
    c, request = get_container(), bp.current_request
    language = page_language(c, request)
    if not c.settings.code_signin:
        return _unavailable(language)
    return _sign_in_page(c, language, "email", base="")


@endpoint(bp, "/sign-in", methods=["POST"], content_types=[FORM])
@html_errors
def request_form_post() -> Response:
    """Ask for a code; the answer is the code form, the same whatever the address."""
    c, request = get_container(), bp.current_request
    form = form_body(request)
    language = page_language(c, request, form.get("lang"))
    if not c.settings.code_signin:
        return _unavailable(language)
    spend_source_budget(request, "code")
    try:
        data = parse(codes.CodeRequestIn, {"email": form.get("email", ""), "locale": language})
    except ValidationFailed:
        error = translator(language)("page.sign_in.wrong_email")
        return _sign_in_page(c, language, "email", base="", status=422, error=error)
    answer = codes.request_code(c, data)
    page = _sign_in_page(c, language, "code", base="", email=data.email)
    page.headers["Set-Cookie"] = _device_cookie(c, answer["device"])
    page.headers["Cache-Control"] = "no-store"
    return page


def _device_cookie(c: Container, device: str) -> str:
    secure = "; Secure" if urlsplit(c.settings.PUBLIC_API_URL).scheme == "https" else ""
    seconds = c.settings.CODE_MINUTES * 60
    return f"{DEVICE_COOKIE}={device}; Path=/; Max-Age={seconds}; HttpOnly; SameSite=Lax{secure}"


def _device_of(request: Request) -> str:
    cookie = SimpleCookie()
    try:
        cookie.load(request.headers.get("cookie") or "")
    except CookieError:
        return ""
    morsel = cookie.get(DEVICE_COOKIE)
    return morsel.value if morsel is not None else ""


@endpoint(bp, "/sign-in/code", methods=["POST"], content_types=[FORM])
@html_errors
def code_form_post() -> Response:
    """The typed code: a hand-off to the storefront, or the code form again with the reason."""
    c, request = get_container(), bp.current_request
    form = form_body(request)
    language = page_language(c, request, form.get("lang"))
    if request.headers.get("sec-fetch-site") in FOREIGN_SITES:  # only our own page posts here
        return html_page("invalid", language, status=403)
    spend_source_budget(request, "code")
    email = form.get("email", "")
    try:
        data = parse(codes.CodeVerifyIn, {"email": email, "code": form.get("code", "")})
        answer = codes.verify(c, data, handoff=True)
    except (ValidationFailed, InvalidCode, TooManyAttempts) as e:
        locked = isinstance(e, TooManyAttempts)
        key, status = ("page.sign_in.too_many", 429) if locked else ("page.sign_in.wrong_code", 401)
        page = _sign_in_page(
            c, language, "code", base="../", status=status, email=email, error=translator(language)(key)
        )
        if e.retry_after is not None:
            page.headers["Retry-After"] = str(e.retry_after)
        return page
    return handoff_page(c, language, "signed_in", answer["handoff_code"], "page.signed_in")


@endpoint(bp, "/sign-in/link", methods=["GET"])
@html_errors
def link_page() -> Response:
    """The emailed link: a button that posts it (opening the link consumes nothing)."""
    c, request = get_container(), bp.current_request
    language = page_language(c, request)
    if not c.settings.code_signin:
        return _unavailable(language)
    token = str(dict(request.query_params or {}).get("token", ""))[:300]
    return html_page("sign_in_link", language, token=token, error=None)


@endpoint(bp, "/sign-in/link", methods=["POST"], content_types=[FORM])
@html_errors
def link_form_post() -> Response:
    c, request = get_container(), bp.current_request
    form = form_body(request)
    language = page_language(c, request, form.get("lang"))
    if request.headers.get("sec-fetch-site") in FOREIGN_SITES:
        return html_page("invalid", language, status=403)
    spend_source_budget(request, "code")
    token = form.get("token", "")
    try:
        data = parse(codes.CodeVerifyIn, {"link": token, "device": _device_of(request) or "-"})
        answer = codes.verify(c, data, handoff=True)
    except (ValidationFailed, InvalidCode, TooManyAttempts, WrongDevice, SigninMethodDisabled) as e:
        key = {
            WrongDevice: "page.sign_in.wrong_device",
            TooManyAttempts: "page.sign_in.too_many",
            SigninMethodDisabled: "page.sign_in.unavailable",
        }.get(type(e), "page.sign_in.wrong_code")
        status = 429 if isinstance(e, TooManyAttempts) else 401
        return html_page(
            "sign_in_link", language, status=status, token=token, error=translator(language)(key)
        )
    return handoff_page(c, language, "signed_in", answer["handoff_code"], "page.signed_in")
