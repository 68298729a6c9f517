"""Every operation of ``docs/openapi.yaml``, fuzzed by schemathesis against the local service.

Whatever schemathesis generates from the document (valid and invalid bodies, parameters and
headers, the document's examples, boundary values) must never get a 5xx, and every answer
must be one the document describes: a documented status code, its content type, a body
matching its schema, and any JSON 4xx in the error envelope ``{"error": {"code", "message"}}``.

``/admin`` operations carry the staff key and customer operations a signed-in customer's
access token, so the fuzzer gets past authentication. The service is one of its own (the
other e2e tests neither see its thousands of records and emails nor add to them).

Cases: ``SCHEMATHESIS_MAX_EXAMPLES`` per operation for the random phase (CI default below),
plus the examples and boundary cases schemathesis derives from the document. Seeded by
``SCHEMATHESIS_SEED`` (a fixed one by default, so CI is repeatable; a nightly run passes
another).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.helpers import Api, LocalService, Mailbox

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CI_MAX_EXAMPLES = 15
CI_MIN_CASES = 2000  # what a CI run must reach over all operations
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", str(CI_MAX_EXAMPLES)))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261201"))
TOKEN_MAX_AGE = 10 * 60  # access tokens live 15 minutes; a nightly run lasts longer
ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]*$")

schema = schemathesis.openapi.from_path(
    ROOT / "docs" / "openapi.yaml",
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"database": "none"},
            # Methods an operation does not declare must get 405; TRACE and QUERY are left out:
            # `chalice local`'s http.server answers them 501 itself (API Gateway never passes them).
            "phases": {
                "coverage": {"unexpected-methods": ["get", "put", "post", "delete", "patch", "options"]}
            },
        }
    ),
)


OPERATIONS = sum(1 for _ in schema.get_all_operations())


def error_envelope(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """A JSON 4xx is ``{"error": {"code": <snake_case>, "message": <text>}}``."""
    media = (response.headers.get("content-type") or [""])[0]
    if not 400 <= response.status_code < 500 or not media.startswith("application/json"):
        return
    body = response.json()
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"{response.status_code} without the error envelope: {body!r}"
    assert isinstance(error.get("code"), str) and ERROR_CODE.match(error["code"]), body
    assert isinstance(error.get("message"), str), body


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    error_envelope,
]


class Credentials:
    """The staff key, and a verified customer's access token (renewed before it expires)."""

    def __init__(self, service: LocalService) -> None:
        self.service = service
        self.api = Api(service, Mailbox(service.aws_url))
        self.email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
        self.password = f"fuzz {uuid.uuid4().hex}"  # never a password of the document's examples
        self.api.verified_account(self.email, self.password)
        self._token, self._since = "", 0.0

    def customer_token(self) -> str:
        if not self._token or time.monotonic() - self._since > TOKEN_MAX_AGE:
            self._token, self._since = self.fresh_session(), time.monotonic()
        return self._token

    def fresh_session(self) -> str:
        answer = self.api.sign_in(self.email, self.password)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    @staticmethod
    def schemes(case: schemathesis.Case) -> set[str]:
        return {
            name for requirement in case.operation.definition.raw.get("security", []) for name in requirement
        }

    def headers_for(self, case: schemathesis.Case) -> dict[str, str]:
        schemes = self.schemes(case)
        if "staffKey" in schemes:
            return {"Authorization": f"Bearer {self.service.staff_key}"}
        if "customerBearer" in schemes:
            if (case.method.upper(), case.path) == ("DELETE", "/sessions/current"):
                return {"Authorization": f"Bearer {self.fresh_session()}"}  # it ends its session
            return {"Authorization": f"Bearer {self.customer_token()}"}
        return {}


@pytest.fixture(scope="module")
def credentials(own_service: LocalService) -> Credentials:
    return Credentials(own_service)


class FramedSession(requests.Session):
    """Requests whose body is empty go out with ``Content-Length: 0``.

    requests leaves an empty ``str`` body (which schemathesis sends for some form cases)
    without ``Content-Length``, so urllib3 sends it chunked. ``chalice local`` (http.server)
    ignores ``Transfer-Encoding``: the chunked terminator ``0`` stays in the connection and
    the next case on it reads a stray ``400 Bad request syntax`` page instead of its answer.
    API Gateway reads chunked bodies; this only frames the same empty body the way the local
    server understands.
    """

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False  # local servers: no proxy from the environment

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        framed = "Content-Length" in request.headers or "Transfer-Encoding" in request.headers
        if request.body in ("", b"") and not framed:
            request.headers["Content-Length"] = "0"
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def http() -> requests.Session:
    return FramedSession()


CASES: Counter[str] = Counter()
SECONDS: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_cases(request: pytest.FixtureRequest) -> Iterator[None]:
    started = time.monotonic()
    yield
    if CASES:
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        line = (
            f"schemathesis: {sum(CASES.values())} cases over {len(CASES)} operations "
            f"in {time.monotonic() - started:.0f} s (max_examples={MAX_EXAMPLES}, seed={SEED})"
        )
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(line)
        if os.environ.get("SCHEMATHESIS_PER_OPERATION"):
            for label, count in sorted(CASES.items()):
                print(f"  {count:5d} cases {SECONDS[label]:6.1f} s  {label}")
    complete = len(CASES) == OPERATIONS and not request.session.testsfailed
    if complete and MAX_EXAMPLES >= CI_MAX_EXAMPLES:
        assert sum(CASES.values()) >= CI_MIN_CASES, f"only {sum(CASES.values())} cases: generate more"


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_answers_match_the_document(
    case: schemathesis.Case, own_service: LocalService, credentials: Credentials, http: requests.Session
) -> None:
    CASES[case.operation.label] += 1
    started = time.monotonic()
    response = case.call(
        base_url=own_service.api_url, session=http, headers=credentials.headers_for(case), timeout=30
    )
    SECONDS[case.operation.label] += time.monotonic() - started
    if local_authorizer_refusal(case, response, credentials):
        return
    case.validate_response(response, checks=CHECKS)


def local_authorizer_refusal(
    case: schemathesis.Case, response: schemathesis.Response, credentials: Credentials
) -> bool:
    """The staff key authorizer's refusal when schemathesis dropped or replaced the key.

    Deployed, API Gateway answers these ``401 not_authenticated`` / ``403 forbidden`` in the
    error envelope (its gateway responses, in ``infra/``); ``chalice local`` answers with its
    own body, ``{"message": "Unauthorized"}``, which the document describes as local only.
    """
    sent = response.request.headers.get("Authorization")
    if "staffKey" not in credentials.schemes(case) or sent == f"Bearer {credentials.service.staff_key}":
        return False
    assert response.status_code in (401, 403), f"{response.status_code} with staff key {sent!r}"
    return True
