"""Concurrent requests in one process each see their own request, as each Lambda container
serves one at a time: Chalice keeps the request on the app object, which
``devtools.chalice_local.requests_per_thread`` makes per thread (in-process and locally)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from devtools.probes import at_once
from tests.integration.conftest import Api

CUSTOMERS = 8


@pytest.fixture(autouse=True)
def busy_interleaving() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)  # threads switch inside a request, as on a busy machine
    yield
    sys.setswitchinterval(previous)


def test_concurrent_requests_each_answer_their_own_caller(api: Api) -> None:
    pairs = [api.verified_account(f"c{i}@example.com") for i in range(CUSTOMERS)]
    for _ in range(3):
        answers = at_once(lambda i: api.call("GET", "/me", token=pairs[i]["access_token"]), CUSTOMERS)
        assert [a.json_body["email"] for a in answers] == [f"c{i}@example.com" for i in range(CUSTOMERS)]
