"""``chalice`` whose local server takes concurrent connections (``make run``, the e2e tier).

``python -m devtools.chalice_local ARGS`` is ``chalice ARGS``, except that ``chalice local``
listens with a backlog of ``LISTEN_BACKLOG`` instead of socketserver's 5. It already
serves each connection in its own thread, but with a backlog of 5 a burst of concurrent
connections overflows the kernel's accept queue: the extra ones are reset or wait for a
SYN retransmission (a second or more) where API Gateway would simply answer them all.

And each thread has its own current request: a Chalice app keeps the request it is serving
on the app object (``app.current_request``), which is right on Lambda (one request at a
time per container) but lets concurrent requests in one process read each other's bodies
and headers. ``requests_per_thread`` makes that attribute per thread, here and in the
integration tier's in-process client, so concurrency behaves as on Lambda.

And API Gateway's own refusals (an unknown route, a missing or refused credential) answer
as the deployed stage's gateway responses do (``infra.template.GATEWAY_ERRORS``): in the
``{"error": …}`` envelope with the same status and headers, never echoing the
``Authorization`` header as chalice's imitation of API Gateway does.

And, under ``make run``, it serves the local storefront (``devtools.storefront``) under
``/storefront``, where the pages' redirects land.

And the server dies with its parent (``make run``), however the parent dies: a thread
watches the parent process and exits when it is gone, so a SIGKILLed ``make run`` never
leaves a server answering ``500`` on its port.
"""

from __future__ import annotations

import json
import os
import socketserver
import sys
import threading
import time
from typing import Any

from devtools import storefront

LISTEN_BACKLOG = 128  # werkzeug's, as the moto server uses
PARENT_POLL_SECONDS = 0.5


def install() -> None:
    """Raise ``chalice local``'s listen backlog (before its server is created)."""
    from chalice import local

    server = local.ThreadedHTTPServer  # what LocalDevServer builds by default
    if not issubclass(server, socketserver.ThreadingMixIn):
        raise RuntimeError("chalice local no longer serves connections in threads")
    server.request_queue_size = LISTEN_BACKLOG
    requests_per_thread()
    handler = local.ChaliceRequestHandler
    handler._send_error_response = _send_gateway_error  # type: ignore[method-assign]
    if os.environ.get("LOCAL_API_URL"):  # make run: the local storefront under /storefront
        chalice_handle = handler._generic_handle

        def handle(self: Any) -> None:
            if storefront.serves(self.path.split("?")[0]):
                _serve_storefront(self)
            else:
                chalice_handle(self)

        for method in ("GET", "PUT", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS"):
            setattr(handler, f"do_{method}", handle)


def _serve_storefront(handler: Any) -> None:
    length = int(handler.headers.get("content-length") or 0)
    body = handler.rfile.read(length) if length else None
    status, headers, content = storefront.handle(handler.command, handler.path, dict(handler.headers), body)
    handler._send_http_response(status, headers, content)


def gateway_answer(error: Any) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the deployed gateway response for a local gateway error."""
    from chalice import local

    from infra.template import GATEWAY_ERRORS, GATEWAY_HEADERS

    if isinstance(error, local.NotAuthorizedError):
        kind = "UNAUTHORIZED"
    elif isinstance(error, local.ForbiddenError):
        # chalice raises it for an unknown route (with or without a credential) and for a refusal
        unknown = b"Missing Authentication Token" in (error.body or b"") or b"Authorization=" in (
            error.body or b""
        )
        kind = "MISSING_AUTHENTICATION_TOKEN" if unknown else "ACCESS_DENIED"
    else:
        kind = "DEFAULT_5XX"
    status, code, message = GATEWAY_ERRORS[kind]
    headers = {name: value.strip("'") for name, value in GATEWAY_HEADERS.items()}
    headers["Content-Type"] = "application/json"
    body = json.dumps({"error": {"code": code, "message": message or "Forbidden"}}).encode()
    return int(status or error.CODE), headers, body


def _send_gateway_error(handler: Any, error: Any) -> None:
    status, headers, body = gateway_answer(error)
    handler._send_http_response(status, headers, body)


def die_with_parent(parent: int) -> None:
    """Exit this process as soon as ``parent`` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def requests_per_thread() -> None:
    """``Chalice.current_request`` and ``lambda_context`` per thread (idempotent)."""
    from chalice.app import Chalice

    for name in ("current_request", "lambda_context"):
        if not isinstance(Chalice.__dict__.get(name), property):
            setattr(Chalice, name, _per_thread(name))


def _per_thread(name: str) -> property:
    local = threading.local()

    def get(app: Any) -> Any:
        return getattr(local, "values", {}).get(id(app))

    def put(app: Any, value: Any) -> None:
        if not hasattr(local, "values"):
            local.values = {}
        local.values[id(app)] = value

    return property(get, put)


def main(argv: list[str]) -> int:
    die_with_parent(os.getppid())
    install()
    from chalice.cli import main as chalice_main

    sys.argv = ["chalice", *argv]
    return int(chalice_main() or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
