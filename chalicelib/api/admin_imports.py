"""Staff routes of customer imports (scope ``import``), on the staff blueprint (``api.admin``)."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.api.admin import actor, bp, staff_route
from chalicelib.api.http import JSON, accepted, idempotency_key, json_body, media_type, query_param
from chalicelib.identity import scopes as scope
from chalicelib.imports import files as import_files
from chalicelib.imports import service as imports
from chalicelib.imports.schemas import ImportUploadIn
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.schemas import parse

IMPORT_TYPES = [JSON, import_files.CSV, import_files.XLSX]


@staff_route("/admin/imports", scope.IMPORT, methods=["POST"], content_types=IMPORT_TYPES)
def create_import() -> Response:
    """The file as the body (CSV or XLSX, up to 5 MB), or ``{"upload": true}`` for a URL."""
    request = bp.current_request
    c = get_container()
    opts = imports.options(dict(request.query_params or {}))
    kind = media_type(request)
    if kind == JSON:
        data = parse(ImportUploadIn, json_body(request))
        return accepted(imports.upload_url(c, opts, data.format, actor(), idempotency_key(request)))
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode()
    return accepted(imports.from_body(c, opts, kind, body, actor(), idempotency_key(request)))


@staff_route("/admin/imports/{import_id}", scope.IMPORT, methods=["GET"])
def get_import(import_id: str) -> dict[str, Any]:
    return imports.view(get_container(), import_id, query_param(bp.current_request, "cursor"))


@staff_route("/admin/imports/{import_id}/start", scope.IMPORT, methods=["POST"])
def start_import(import_id: str) -> Response:
    return accepted(imports.start(get_container(), import_id))


@staff_route("/admin/imports/{import_id}/invitations", scope.IMPORT, methods=["POST"])
def send_import_invitations(import_id: str) -> Response:
    return accepted(imports.send_invitations(get_container(), import_id, actor()))
