"""Request parsing and the error boundary shared by every Blueprint.

``endpoint`` registers a view and wraps it so a ``DomainError`` becomes
``{"error": {"code", "message"}}`` with the status from ``errors.HTTP_STATUS``;
anything unexpected is logged with its trace and answered as a bare 500.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from chalice.app import Blueprint, Request, Response

from chalicelib.kernel import budgets
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.errors import (
    BadRequest,
    DomainError,
    MalformedJson,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    WeakPassword,
    http_status,
)
from chalicelib.kernel.i18n import describe, from_accept_language, negotiate
from chalicelib.kernel.observability import logger

F = TypeVar("F", bound=Callable[..., Any])

MAX_BODY_BYTES = 16 * 1024
MAX_JSON_DEPTH = 32  # the deepest body the API takes nests 4 levels
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{8,128}$")


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def error_response(e: DomainError, request: Request | None = None) -> Response:
    message, fields = e.message, getattr(e, "fields", None)
    if isinstance(e, ValidationFailed) and e.problems and request is not None:
        message, worded = describe(e.problems, request_language(request))
        if not isinstance(e, WeakPassword):  # its fields carry reason codes (too_short...)
            fields = worded
    extra = {"fields": fields} if fields else {}
    headers: dict[str, str | list[str]] = {"Content-Type": JSON}
    if e.retry_after is not None:
        headers["Retry-After"] = str(e.retry_after)
    return Response(error_body(e.code, message, **extra), status_code=http_status(e), headers=headers)


def request_language(request: Request) -> str:
    """The caller's language (``Accept-Language``), else the website's default."""
    header = request.headers.get("accept-language")
    return negotiate(from_accept_language(header), get_container().settings.DEFAULT_LOCALE)


def internal_error() -> Response:
    body = error_body("internal_error", "Something went wrong on our side; it has been logged.")
    return Response(body, status_code=500, headers={"Content-Type": JSON})


def guarded(fn: F, bp: Blueprint | None = None) -> F:
    """The error boundary of one view (Chalice would answer its own 500 body otherwise)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as e:
            if http_status(e) >= 500:
                logger.warning("request failed", extra={"code": e.code, "detail": e.message})
            return error_response(e, bp.current_request if bp is not None else None)
        except Exception:  # the one boundary: log the trace, never send it
            logger.exception("unhandled error")
            return internal_error()

    return wrapper  # type: ignore[return-value]


def endpoint(bp: Blueprint, path: str, **options: Any) -> Callable[[F], F]:
    """``bp.route`` with the error boundary; accepts JSON and form posts by default."""
    options.setdefault("content_types", [JSON, FORM])

    def register(fn: F) -> F:
        bp.route(path, **options)(guarded(fn, bp))
        return fn

    return register


def media_type(request: Request) -> str:
    return (request.headers.get("content-type") or JSON).split(";")[0].strip().lower()


def _raw(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit // 1024} KiB.")
    return raw


def json_body(request: Request, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The request's JSON object (an empty body counts as ``{}``)."""
    if media_type(request) != JSON:
        raise UnsupportedMediaType()
    raw = _raw(request, limit)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise MalformedJson() from e
    except RecursionError as e:  # nested deeper than the interpreter's stack allows
        raise MalformedJson(TOO_DEEP) from e
    if not isinstance(data, dict):
        raise MalformedJson("The body must be a JSON object.")
    if _nests_deeper(data, MAX_JSON_DEPTH):
        raise MalformedJson(TOO_DEEP)
    return data


TOO_DEEP = f"The body nests JSON arrays and objects more than {MAX_JSON_DEPTH} levels deep."


def _nests_deeper(data: Any, limit: int) -> bool:
    """Do arrays and objects nest more than ``limit`` levels (iteratively: no recursion)?"""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def form_body(request: Request) -> dict[str, str]:
    """A form post's fields (the first value of each)."""
    try:
        text = _raw(request).decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest("The form is not UTF-8.") from e
    try:
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=20)
    except ValueError as e:
        raise BadRequest("The form has too many fields.") from e
    return {k: v[0] for k, v in fields.items()}


def query_param(request: Request, name: str) -> str | None:
    value = dict(request.query_params or {}).get(name)
    return str(value) if value is not None else None


def is_form(request: Request) -> bool:
    return media_type(request) == FORM


def idempotency_key(request: Request) -> str | None:
    value = request.headers.get("idempotency-key")
    if value is None:
        return None
    value = str(value)
    if not IDEMPOTENCY_KEY.match(value):
        raise BadRequest("Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ - : .")
    return value


def source_ip(request: Request) -> str:
    """The caller's address as API Gateway saw it (``requestContext.identity.sourceIp``),
    never a header the caller sets (``X-Forwarded-For``)."""
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def spend_source_budget(request: Request, group: str) -> None:
    """Count this request in its source's budget for ``group``; past it, 429 + Retry-After.

    On the routes that hash a password or send an email (``budgets.SOURCE_GROUPS``), first
    thing, so a refused request costs one write and nothing else."""
    budgets.spend_source(get_container(), group, source_ip(request))


def no_content() -> Response:
    return Response(body="", status_code=204)


def accepted(body: dict[str, Any]) -> Response:
    return Response(body, status_code=202, headers={"Content-Type": JSON})
