"""HTTP middleware: correlation id, access log, security headers, metrics flush.

Also rewrites the few error answers Chalice builds itself (405, 415, its own 500)
into the service's ``{"error": {...}}`` shape, so callers see one format.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import error_response
from chalicelib.api.scoping import refusal
from chalicelib.kernel.observability import flush_metrics, logger

CORRELATION = re.compile(r"^[A-Za-z0-9_\-.]{1,100}$")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}
CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "InternalServerError": "internal_error",
    "BadRequest": "bad_request",
}


def correlation_id(request: Request) -> str:
    supplied = str(request.headers.get("x-correlation-id") or "")
    if CORRELATION.match(supplied):
        return supplied
    request_id = (request.context or {}).get("requestId")
    return str(request_id) if request_id else uuid.uuid4().hex


def _uniform_error(response: Response) -> None:
    body = response.body
    if isinstance(body, dict) and "Code" in body and "error" not in body:
        code = CHALICE_CODES.get(str(body["Code"]), "bad_request")
        response.body = json.dumps({"error": {"code": code, "message": str(body.get("Message", ""))}})
        response.headers["Content-Type"] = "application/json"


def http_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    started = time.perf_counter()
    cid = correlation_id(request)
    logger.set_correlation_id(cid)
    logger.append_keys(method=request.method, route=(request.context or {}).get("resourcePath"))
    try:
        refused = refusal(request)  # /admin: the key must carry the route's scope
        response = error_response(refused) if refused is not None else get_response(request)
        _uniform_error(response)
        for name, value in SECURITY_HEADERS.items():  # a view may choose its own (a page's referrer)
            response.headers.setdefault(name, value)
        response.headers["X-Correlation-Id"] = cid
        status: Any = response.status_code
        logger.info(
            "request",
            extra={"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)},
        )
        return response
    finally:
        flush_metrics()
        logger.remove_keys(["method", "route"])
