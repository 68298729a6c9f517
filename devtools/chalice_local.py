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
"""

from __future__ import annotations

import socketserver
import sys
import threading
from typing import Any

LISTEN_BACKLOG = 128  # werkzeug's, as the moto server uses


def install() -> None:
    """Raise ``chalice local``'s listen backlog (before its server is created)."""
    from chalice import local

    server = local.ThreadedHTTPServer  # what LocalDevServer builds by default
    if not issubclass(server, socketserver.ThreadingMixIn):
        raise RuntimeError("chalice local no longer serves connections in threads")
    server.request_queue_size = LISTEN_BACKLOG
    requests_per_thread()


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
    install()
    from chalice.cli import main as chalice_main

    sys.argv = ["chalice", *argv]
    return int(chalice_main() or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
