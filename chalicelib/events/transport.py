"""POST a webhook body to its endpoint, safely: no redirects, short timeouts, no SSRF.

Deployed stages accept only ``https`` URLs whose every address is public (not private,
loopback, link-local, multicast or reserved: no VPC hosts, no instance metadata). The
address checked is the address connected to (the connection is pinned to it, TLS still
verifies the URL's host name), so a name that re-resolves to a private address between
check and use gains nothing. A local stage (``WEBHOOK_LOCAL_TARGETS``) may also reach
``127.0.0.1`` over ``http``, for ``make run`` and the e2e receiver.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
MAX_URL_LENGTH = 2048


class UnsafeUrl(ValueError):
    """A URL the service will not call (scheme, credentials, or a non-public address)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused, timed out, unsafe)
    error: str | None
    ms: int


def parse(url: str, allow_local: bool) -> Target:
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl("The URL is too long.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UnsafeUrl("The URL is not valid.") from e
    schemes = ("https", "http") if allow_local else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrl("Webhook URLs must use https.")
    if parts.username or parts.password:
        raise UnsafeUrl("Webhook URLs may not carry credentials.")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


def allowed(address: str, allow_local: bool) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if allow_local and ip.is_loopback:
        return True
    return ip.is_global and not ip.is_multicast


def resolve(target: Target, allow_local: bool) -> str:
    """The address to connect to; every address the name has must be allowed."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as e:  # no such name, an IDNA error, a NUL
        raise UnsafeUrl("The host name does not resolve.") from e
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(allowed(a, allow_local) for a in addresses):
        raise UnsafeUrl("The host resolves to an address that is not public.")
    return addresses[0]


def check(url: str, allow_local: bool) -> None:
    """For registration: scheme and form; an IP literal or a resolving name must be public."""
    target = parse(url, allow_local)
    try:
        literal = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None or target.host == "localhost":
        resolve(target, allow_local)
        return
    try:
        resolve(target, allow_local)
    except UnsafeUrl as e:
        if "does not resolve" not in str(e):
            raise  # a name that does not resolve yet is checked again at every delivery


def post(url: str, body: str, headers: dict[str, str], allow_local: bool) -> Answer:
    """One POST, never redirected, never retried here; the answer's body is not read."""
    import urllib3

    started = time.monotonic()

    def answer(status: int | None, error: str | None) -> Answer:
        return Answer(status, error, int((time.monotonic() - started) * 1000))

    try:
        target = parse(url, allow_local)
        address = resolve(target, allow_local)
    except UnsafeUrl as e:
        return answer(None, f"unsafe_url: {e}")
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        from botocore.httpsession import get_cert_path

        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=get_cert_path(True),
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
    default_port = 443 if target.scheme == "https" else 80
    host = target.host if target.port == default_port else f"{target.host}:{target.port}"
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body.encode("utf-8"),
            headers={**headers, "Host": host},
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        response.close()  # the body is never read: an endless one cannot hold the sender
        return answer(response.status, None)
    except urllib3.exceptions.HTTPError as e:
        return answer(None, type(e).__name__)
    finally:
        pool.close()
