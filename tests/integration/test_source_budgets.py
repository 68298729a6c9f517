"""Per-source budgets (SPEC §4 "Abuse budgets"): the routes that hash passwords or send
email count requests per source IP and route group, as API Gateway saw the source
(``requestContext.identity.sourceIp``), and answer 429 ``too_many_requests`` with
``Retry-After`` past the budget."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from chalice.local import LambdaEventConverter

from chalicelib.kernel import budgets
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from chalicelib.kernel.errors import TooManyRequests
from devtools.probes import at_once
from tests.integration.conftest import Api

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
#: every budgeted route, JSON and the hosted pages' forms, with its route group
ROUTES: list[tuple[str, str, str, dict[str, str]]] = [
    ("sign_up", "/signup", '{"email": "a@example.com", "password": "x", "name": "A"}', {}),
    ("sign_up", "/register", '{"token": "nope-nope-nope-nope", "password": "x"}', {}),
    ("sign_up", "/register", "token=nope-nope-nope-nope&password=x&password_confirm=x", FORM),
    ("sign_in", "/sessions", '{"email": "a@example.com", "password": "x"}', {}),
    ("sign_in", "/merge", "token=nope-nope-nope-nope&password=x", FORM),
    ("password", "/password/forgot", '{"email": "a@example.com"}', {}),
    ("password", "/password/reset", '{"token": "nope-nope-nope-nope", "password": "x"}', {}),
    ("password", "/password/reset", "token=nope-nope-nope-nope&password=x&password_confirm=x", FORM),
    ("invitation", "/invitations/accept", '{"token": "nope-nope-nope-nope", "password": "x"}', {}),
    ("invitation", "/invitations/accept", "token=nope-nope-nope-nope&password=x&password_confirm=x", FORM),
]


def post(api: Api, path: str, body: str, headers: dict[str, str]) -> Any:
    return api.client.http.post(path, headers={"Content-Type": "application/json", **headers}, body=body)


@pytest.fixture
def tight(configure: Callable[..., Container]) -> Container:
    return configure(SOURCE_BUDGET_PER_MINUTE=2, SOURCE_BUDGET_PER_HOUR=3)


def test_sign_in_past_the_default_budget_is_429_until_the_minute_ends(api: Api, clock: ManualClock) -> None:
    answers = [api.sign_in(f"nobody{i}@example.com", "not the password") for i in range(31)]
    assert [a.status_code for a in answers[:30]] == [401] * 30
    refused = answers[30]
    assert refused.status_code == 429
    assert refused.json_body["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) == 60 - int(clock.now()) % 60
    clock.advance(60 - clock.now() % 60)
    assert api.sign_in("nobody@example.com", "not the password").status_code == 401


@pytest.mark.parametrize(("group", "path", "body", "headers"), ROUTES)
def test_every_route_that_hashes_or_mails_has_a_budget(
    api: Api, tight: Container, clock: ManualClock, group: str, path: str, body: str, headers: dict[str, str]
) -> None:
    clock.advance(60 - clock.now() % 60)  # the start of a minute
    for _ in range(2):
        assert post(api, path, body, headers).status_code != 429
    refused = post(api, path, body, headers)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    if headers is FORM:  # the hosted page answers a page
        assert refused.headers["Content-Type"].startswith("text/html")
    else:
        assert json.loads(refused.body)["error"]["code"] == "too_many_requests"
    others = [g for g in budgets.SOURCE_GROUPS if g != group]  # each group has its own budget
    other = next(r for r in ROUTES if r[0] == others[0])
    assert post(api, other[1], other[2], other[3]).status_code != 429


def test_the_hourly_cap_answers_retry_after_the_hour(api: Api, tight: Container, clock: ManualClock) -> None:
    clock.advance(3600 - clock.now() % 3600)  # the start of an hour
    forgot = [api.call("POST", "/password/forgot", {"email": "a@example.com"}) for _ in range(3)]
    assert [a.status_code for a in forgot] == [202, 202, 429]
    assert forgot[2].headers["Retry-After"] == "60"
    clock.advance(60)
    assert api.call("POST", "/password/forgot", {"email": "a@example.com"}).status_code == 202
    capped = api.call("POST", "/password/forgot", {"email": "a@example.com"})
    assert capped.status_code == 429 and capped.headers["Retry-After"] == str(3600 - 60)


def test_the_source_is_api_gateways_never_a_header_the_caller_sets(
    api: Api, tight: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):
        api.call("POST", "/password/forgot", {"email": "a@example.com"})
    forwarded = {"X-Forwarded-For": "198.51.100.7", "X-Real-Ip": "198.51.100.7"}
    assert api.call("POST", "/password/forgot", {"email": "a@example.com"}, **forwarded).status_code == 429
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "203.0.113.9")  # another source
    assert api.call("POST", "/password/forgot", {"email": "a@example.com"}).status_code == 202


def test_concurrent_requests_from_one_source_never_exceed_the_budget(container: Container) -> None:
    results = at_once(lambda _: budgets.spend_source(container, "sign_in", "192.0.2.1"), 40)
    refused = [r for r in results if isinstance(r, TooManyRequests)]
    assert results.count(None) == 30 and len(refused) == 10
    assert all(r.retry_after and 1 <= r.retry_after <= 60 for r in refused)


def test_a_storefront_servers_checkouts_count_in_its_keys_budget_not_its_ips(
    api: Api, configure: Callable[..., Container], clock: ManualClock
) -> None:
    """Every customer of a storefront that calls from its server comes from one address: its
    checkouts count per storefront key (``STOREFRONT_BUDGET_*``), and the IP's budget stays."""
    configure(SOURCE_BUDGET_PER_MINUTE=2, SOURCE_BUDGET_PER_HOUR=3, STOREFRONT_BUDGET_PER_MINUTE=5)
    clock.advance(60 - clock.now() % 60)  # the start of a minute
    checkout = {"email": "gus@example.com", "name": "Gus"}
    answers = [api.storefront("POST", "/guests", checkout).status_code for _ in range(6)]
    assert answers == [201] * 5 + [429]  # past the IP's 2, within the key's 5, then refused
    assert api.call("POST", "/password/forgot", {"email": "a@example.com"}).status_code == 202  # IP untouched
    other = {"X-Storefront-Key": _another_key(api)}
    assert api.call("POST", "/guests", checkout, **other).status_code == 201  # each key its own budget


def _another_key(api: Api) -> str:
    from chalicelib.identity import storefront_keys
    from chalicelib.kernel.bootstrap import get_container

    return storefront_keys.create(get_container(), "second-storefront")[1]
