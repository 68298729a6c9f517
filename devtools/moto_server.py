"""moto's server in-process, plus ``GET /_local/mail``: every email SES received.

``python -m devtools.moto_server [--port N]`` serves on ``127.0.0.1:${AWS_PORT:-5000}``
until Ctrl-C; ``devtools.run_local`` starts it in a thread instead. Every request is
handed to moto unchanged, except ``/_local/mail`` (local development only: the JSON
list of the emails, newest first, each parsed by ``devtools.mailbox.parse_raw``).
Each DynamoDB request is atomic, as on AWS (``devtools.atomic_dynamodb``): requests are
served concurrently, but moto handles one DynamoDB request at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from devtools import atomic_dynamodb
from devtools.mailbox import parse_raw

HOST = "127.0.0.1"
MAIL_PATH = "/_local/mail"

StartResponse = Callable[..., Any]


def default_port() -> int:
    return int(os.environ.get("AWS_PORT") or 5000)


class MailboxApp:
    """WSGI: ``/_local/mail`` here, everything else to moto's dispatcher as is."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        atomic_dynamodb.install()  # moto alone lets concurrent DynamoDB requests interleave
        self.moto = DomainDispatcherApplication(create_backend_app)
        self._received_at: dict[str, float] = {}  # SES keeps no time: note when each first appears
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == MAIL_PATH:
            return self._mail(environ, start_response)
        answer: Iterable[bytes] = self.moto(environ, start_response)
        self._stamp_new_mail()
        return answer

    @staticmethod
    def _sent_messages() -> list[Any]:
        from moto.ses.models import ses_backends

        # Copies: moto may add an account or region backend while we read (one per thread).
        backends: list[Any] = [b for regions in list(ses_backends.values()) for b in list(regions.values())]
        return [message for backend in backends for message in list(backend.sent_messages)]

    def _stamp_new_mail(self) -> list[tuple[float, Any]]:
        """Every message with the time it was first seen, oldest first."""
        now = time.time()
        with self._lock:
            messages = self._sent_messages()
            for message in messages:
                self._received_at.setdefault(message.id, now)
            return [(self._received_at[m.id], m) for m in messages]

    def emails(self) -> list[dict[str, Any]]:
        """Every email with raw MIME (the app sends nothing else), newest first."""
        mails = []
        for position, (received, message) in enumerate(self._stamp_new_mail()):
            raw = getattr(message, "raw_data", None)
            if raw is None:
                continue
            mail = parse_raw(message.id, list(dict.fromkeys(message.destinations)), raw).as_dict()
            mail["received_at"] = datetime.fromtimestamp(received, UTC).isoformat(timespec="milliseconds")
            mails.append(((received, position), mail))
        mails.sort(key=lambda item: item[0], reverse=True)
        return [mail for _, mail in mails]

    def _mail(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET")])
            return [b""]
        body = json.dumps(self.emails(), ensure_ascii=False).encode("utf-8")
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        start_response("200 OK", headers)
        return [body]


def _request_handler(verbose: bool) -> Any:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    if verbose:
        return MotoRequestHandler

    class QuietHandler(MotoRequestHandler):  # type: ignore[misc]
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            if str(code).startswith("5"):  # moto's own failures are worth a line
                super().log_request(code, size)

    return QuietHandler


class LocalAwsServer:
    """The moto server with the mailbox, served from a daemon thread."""

    def __init__(self, port: int, host: str = HOST, verbose: bool = False) -> None:
        self.host, self.port = host, port
        self.app = MailboxApp()
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=_request_handler(verbose)
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalAwsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.moto_server", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--port", type=int, default=default_port(), help="default: $AWS_PORT or 5000")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    try:
        server = LocalAwsServer(args.port, verbose=args.verbose).start()
    except OSError as e:
        print(f"cannot listen on {HOST}:{args.port}: {e.strerror}; set AWS_PORT to a free port")
        return 1
    print(f"moto server on {server.url} (emails: {server.url}{MAIL_PATH}); Ctrl-C stops it", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
