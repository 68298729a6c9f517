"""``chalice`` whose local server takes concurrent connections (``make run``, the e2e tier).

``python -m devtools.chalice_local ARGS`` is ``chalice ARGS``, except that ``chalice local``
listens with a backlog of ``LISTEN_BACKLOG`` instead of socketserver's 5. It already
serves each connection in its own thread, but with a backlog of 5 a burst of concurrent
connections overflows the kernel's accept queue: the extra ones are reset or wait for a
SYN retransmission (a second or more) where API Gateway would simply answer them all.
"""

from __future__ import annotations

import socketserver
import sys

LISTEN_BACKLOG = 128  # werkzeug's, as the moto server uses


def install() -> None:
    """Raise ``chalice local``'s listen backlog (before its server is created)."""
    from chalice import local

    server = local.ThreadedHTTPServer  # what LocalDevServer builds by default
    if not issubclass(server, socketserver.ThreadingMixIn):
        raise RuntimeError("chalice local no longer serves connections in threads")
    server.request_queue_size = LISTEN_BACKLOG


def main(argv: list[str]) -> int:
    install()
    from chalice.cli import main as chalice_main

    sys.argv = ["chalice", *argv]
    return int(chalice_main() or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
