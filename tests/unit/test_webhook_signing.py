"""Webhook signatures and URL checks: what receivers are told to do works against what we send."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from chalicelib.events import sign, verify
from chalicelib.events.transport import UnsafeUrl, allowed, parse

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.unit


def documented_verifier(path: str) -> Any:
    """The ``verified`` snippet of a document, run as it stands."""
    text = (ROOT / path).read_text("utf-8")
    if path.endswith(".yaml"):
        import yaml

        text = yaml.safe_load(text)["info"]["description"]
    [code] = re.findall(r"```python\n(import hashlib.*?def verified.*?)```", text, re.S)
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # our own documentation, as it stands
    return namespace["verified"]


@pytest.mark.parametrize("path", ["README.md", "docs/openapi.yaml"])
def test_the_documented_snippet_verifies_what_the_service_signs(path: str) -> None:
    verified = documented_verifier(path)
    body = '{"id":"evt_1","type":"customer.created"}'
    now = int(time.time())
    header = sign("whsec_abc", now, body)
    assert verified("whsec_abc", header, body.encode())
    assert not verified("whsec_other", header, body.encode())
    assert not verified("whsec_abc", header, body.encode() + b" ")
    assert not verified("whsec_abc", sign("whsec_abc", now - 301, body), body.encode())


def test_the_reference_verifier_refuses_replays_and_forgeries() -> None:
    body, now = "{}", int(time.time())
    header = sign("s", now, body)
    assert header.startswith(f"t={now},v1=") and len(header.split("v1=")[1]) == 64
    assert verify("s", header, body, now + 300) and not verify("s", header, body, now + 301)
    assert not verify("s", "t=abc,v1=00", body, now) and not verify("s", "", body, now)


@pytest.mark.parametrize(
    ("address", "local", "ok"),
    [
        ("93.184.216.34", False, True),
        ("10.0.0.1", False, False),
        ("172.16.5.4", False, False),
        ("192.168.1.1", False, False),
        ("127.0.0.1", False, False),
        ("127.0.0.1", True, True),
        ("169.254.169.254", True, False),  # instance metadata, never
        ("::1", False, False),
        ("fd00::1", False, False),
        ("::ffff:10.0.0.1", False, False),  # an IPv4-mapped private address
        ("224.0.0.1", False, False),
        ("0.0.0.0", True, False),
    ],
)
def test_only_public_addresses_are_reached(address: str, local: bool, ok: bool) -> None:
    assert allowed(address, local) is ok


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/",
        "ftp://x.example/",
        "https://u:p@x.example/",
        "https:///path",
        "https://x.example:99999/",
    ],
)
def test_urls_that_are_not_plain_https_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        parse(url, allow_local=False)
