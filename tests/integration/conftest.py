"""Integration tier: the app in-process (chalice.test.Client) on in-process moto."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib.kernel.bootstrap import Container, use_container
from chalicelib.kernel.clock import ManualClock
from chalicelib.kernel.models import configure_tables
from chalicelib.tables import create_tables
from devtools import atomic_dynamodb, chalice_local
from devtools.mailbox import Mail, from_moto_backend
from tests.aws_hooks import HOOKS, Hooks
from tests.support import BASE_SETTINGS, MAIL_FROM, STRONG_PASSWORD, make_settings

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
def atomic_dynamodb_requests() -> None:
    """Each DynamoDB request atomic in moto, as in DynamoDB, and each thread its own current
    request, as each Lambda container: the local server does the same."""
    atomic_dynamodb.install()
    chalice_local.requests_per_thread()


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    with mock_aws():
        _tables()
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=BASE_SETTINGS["SECRET_ID"], SecretString="integration-test-master-secret-0123456789"
        )
        boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=MAIL_FROM)
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=make_settings().imports_bucket)
        yield


#: moto's DynamoDB backend with every table created and nothing in them, made once per worker
_PRISTINE: dict[str, Any] = {}


def _tables() -> None:
    """Every table, empty: created through the API once, then a copy of moto's backend for
    each test (1.7 s of API calls for 24 tables become 2 ms; the tables are the same)."""
    from moto.dynamodb.models import dynamodb_backends

    backends = dynamodb_backends[ACCOUNT_ID]
    if "dynamodb" not in _PRISTINE:
        create_tables(BASE_SETTINGS["TABLE_PREFIX"], REGION, wait=False)
        _PRISTINE["dynamodb"] = copy.deepcopy(backends[REGION])
        return
    configure_tables(BASE_SETTINGS["TABLE_PREFIX"], REGION)
    backends[REGION] = copy.deepcopy(_PRISTINE["dynamodb"])


@pytest.fixture
def aws_hooks() -> Iterator[Hooks]:
    """AWS calls made during the test, and faults to inject (see tests/aws_hooks.py)."""
    HOOKS.reset()
    yield HOOKS
    HOOKS.reset()


@pytest.fixture
def clock() -> ManualClock:
    """Today, in the first half of the UTC day (moved back 12 hours in the second half): a
    test that advances the clock by hours never crosses midnight, where every daily budget
    window starts again (a run in the evening saw a second day's emails)."""
    now = time.time()
    return ManualClock(start=now - 43_200 if now % 86_400 >= 43_200 else now)


@pytest.fixture
def configure(clock: ManualClock, aws_hooks: Hooks) -> Iterator[Callable[..., Container]]:
    """Install a container with these setting overrides (call again to change them)."""

    def install(**overrides: Any) -> Container:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
        ses = boto3.session.Session().client("sesv2", region_name=REGION)  # carries the test hooks
        container = Container(settings=make_settings(**overrides), clock=clock, ses_client=ses)
        use_container(container)
        return container

    yield install
    use_container(None)


@pytest.fixture
def container(configure: Callable[..., Container]) -> Container:
    return configure()


@pytest.fixture
def client(container: Container) -> Iterator[Client]:
    with Client(app, stage_name="local") as c:
        yield c


class Api:
    """JSON calls through chalice.test.Client, with helpers for the common flows."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._storefront_key: str | None = None

    @property
    def storefront_key(self) -> str:
        """The secret of a storefront key made for this test (on first use)."""
        if self._storefront_key is None:
            from chalicelib.identity import storefront_keys
            from chalicelib.kernel.bootstrap import get_container

            _, self._storefront_key = storefront_keys.create(get_container(), "test-storefront")
        return self._storefront_key

    def storefront(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        """A call from the storefront's server: its key in ``X-Storefront-Key``."""
        return self.call(method, path, body, **{"X-Storefront-Key": self.storefront_key, **headers})

    def call(self, method: str, path: str, body: Any = None, token: str | None = None, **headers: str) -> Any:
        all_headers = {"Content-Type": "application/json", **headers}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        raw = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        return self.client.http.request(method, path, headers=all_headers, body=raw or b"")

    def signup(self, email: str, password: str = STRONG_PASSWORD, name: str = "Ada", **extra: Any) -> Any:
        return self.call("POST", "/signup", {"email": email, "password": password, "name": name, **extra})

    def sign_in(self, email: str, password: str = STRONG_PASSWORD) -> Any:
        return self.call("POST", "/sessions", {"email": email, "password": password})

    def verified_account(self, email: str, password: str = STRONG_PASSWORD) -> dict[str, Any]:
        """Sign up, verify through the emailed link, sign in; returns the token pair."""
        assert self.signup(email, password).status_code == 202
        token = token_from(last_mail(email).link("/verify"))
        assert self.call("POST", "/signup/verify", {"token": token}).status_code == 200
        answer = self.sign_in(email, password)
        assert answer.status_code == 200, answer.body
        pair: dict[str, Any] = answer.json_body
        return pair


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


def mails_to(address: str) -> list[Mail]:
    return [m for m in from_moto_backend() if address in m.to]


def last_mail(address: str) -> Mail:
    mails = mails_to(address)
    assert mails, f"no email to {address}"
    return mails[-1]


def staff_headers(container: Container, name: str = "support") -> dict[str, str]:
    from chalicelib.identity import staff_keys as staff

    _, secret = staff.create(container, name)
    return {"Authorization": f"Bearer {secret}"}


def token_from(link: str) -> str:
    return link.split("token=", 1)[1]


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[dict[str, str | None], dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.forms.append((dict(attrs), {}))
        elif tag == "input" and self.forms:
            fields = dict(attrs)
            self.forms[-1][1][str(fields.get("name"))] = str(fields.get("value") or "")


def handoff_form(html: str) -> tuple[str, dict[str, str]]:
    """The hand-off page's one form: where it posts (method POST) and its hidden fields."""
    parser = _Forms()
    parser.feed(html)
    [(form, fields)] = parser.forms
    assert form.get("method") == "post", form
    return str(form["action"]), fields
