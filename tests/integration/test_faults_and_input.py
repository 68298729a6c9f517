"""Bad input gets a stable 4xx; DynamoDB trouble gets 503 + Retry-After and no half state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from chalicelib.identity.models import Customer, Login
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.models import Token
from chalicelib.mail.models import OutboxMessage
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, mails_to, staff_headers


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "malformed_json"),
        ("[1, 2]", "application/json", 400, "malformed_json"),
        ('{"email": 42, "password": true, "name": []}', "application/json", 422, "validation_failed"),
        (
            '{"email": "not-an-email", "password": "long enough pw", "name": "A"}',
            "application/json",
            422,
            "validation_failed",
        ),
        (
            '{"email": "a@example.com", "password": "long enough pw", "name": "' + "x" * 300 + '"}',
            "application/json",
            422,
            "validation_failed",
        ),
        ('{"email": "a@example.com"}', "text/plain", 415, "unsupported_media_type"),
        (
            '{"email": "a@example.com", "pad": "' + "x" * 20000 + '"}',
            "application/json",
            413,
            "payload_too_large",
        ),
    ],
)
def test_bad_sign_up_input_gets_a_stable_4xx(
    api: Api, body: str, content_type: str, status: int, code: str
) -> None:
    answer = api.client.http.post("/signup", headers={"Content-Type": content_type}, body=body)
    assert answer.status_code == status, answer.body
    assert answer.json_body["error"]["code"] == code
    assert Customer.count() == 0 and OutboxMessage.count() == 0


DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def _json_write_routes() -> list[tuple[str, str, bool]]:
    """Every POST, PUT and PATCH route taking JSON; and whether the document gives it a JSON body."""
    from app import app

    paths = yaml.safe_load(DOCUMENT.read_text("utf-8"))["paths"]
    return sorted(
        (
            method,
            path,
            "application/json" in paths[path][method.lower()].get("requestBody", {}).get("content", {}),
        )
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if method in ("POST", "PUT", "PATCH") and "application/json" in entry.content_types
    )


def test_deeply_nested_json_gets_a_400_on_every_route_that_reads_json(api: Api, container: Container) -> None:
    """5,000 levels used to raise a RecursionError in the JSON parser: 500 on every POST."""
    staff = staff_headers(container)
    customer = {"Authorization": f"Bearer {api.verified_account('ada@example.com')['access_token']}"}
    storefront = {"X-Storefront-Key": api.storefront_key}  # its routes need it; the others ignore it
    routes = _json_write_routes()
    assert len(routes) > 20
    for method, path, reads_json in routes:
        for depth in (33, 5000):
            answer = api.client.http.request(
                method,
                re.sub(r"\{[a-z_]+\}", "x_1", path),
                headers={
                    "Content-Type": "application/json",
                    **(staff if path.startswith("/admin") else {**customer, **storefront}),
                },
                body='{"customers": ' + "[" * depth + "]" * depth + "}",
            )
            seen = (method, path, depth, answer.status_code, answer.body[:200])
            assert 400 <= answer.status_code < 500 and "code" in answer.json_body["error"], seen
            if reads_json:
                assert answer.status_code == 400, seen
                error = answer.json_body["error"]
                assert error["code"] == "malformed_json" and "32 levels" in error["message"], seen


def test_json_nested_up_to_the_limit_is_read(api: Api) -> None:
    answer = api.call("POST", "/signup", '{"email": "ada@example.com", "pad": ' + "[" * 31 + "]" * 31 + "}")
    assert answer.status_code == 422 and set(answer.json_body["error"]["fields"]) == {"password", "name"}


def test_validation_errors_name_the_fields_but_never_echo_values(api: Api) -> None:
    answer = api.call("POST", "/signup", {"email": "secret-value@", "password": 12345678, "name": "A"})
    assert answer.status_code == 422
    assert set(answer.json_body["error"]["fields"]) == {"email", "password"}
    assert "secret-value" not in answer.body.decode()


def test_unknown_method_gets_the_service_error_shape(api: Api) -> None:
    answer = api.call("PATCH", "/signup", {})
    assert answer.status_code == 405
    assert answer.json_body["error"]["code"] == "method_not_allowed"


def test_dynamodb_throttling_gives_503_retry_after_and_writes_nothing(api: Api, aws_hooks: Hooks) -> None:
    aws_hooks.fail("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException")
    answer = api.signup("ada@example.com")
    assert answer.status_code == 503
    assert answer.json_body["error"]["code"] == "service_unavailable"
    assert int(answer.headers["Retry-After"]) > 0
    assert Customer.count() == Login.count() == Token.count() == OutboxMessage.count() == 0
    assert mails_to("ada@example.com") == []
    assert api.signup("ada@example.com").status_code == 202  # the retry succeeds, once
    assert Customer.count() == 1 and len(mails_to("ada@example.com")) == 1


def test_dynamodb_outage_on_sign_in_gives_503(api: Api, aws_hooks: Hooks) -> None:
    api.verified_account("ada@example.com")
    aws_hooks.fail("dynamodb", "UpdateItem", "InternalServerError", status=500)  # the attempt
    answer = api.sign_in("ada@example.com")
    assert answer.status_code == 503 and "Retry-After" in answer.headers


def test_every_answer_carries_a_correlation_id(api: Api) -> None:
    answer = api.call("GET", "/website", **{"X-Correlation-Id": "order-42"})
    assert answer.headers["X-Correlation-Id"] == "order-42"
    generated = api.call("GET", "/website")
    assert len(generated.headers["X-Correlation-Id"]) >= 8


def test_website_shows_the_public_settings(api: Api) -> None:
    body = api.call("GET", "/website").json_body
    assert body["website_id"] == "test-shop"
    assert body["signup_mode"] == "free" and body["checkout_mode"] == "optional"
    assert body["shop_access"] == "public" and body["account_scope"] == "website"
    assert "SECRET_ID" not in str(body) and "TABLE_PREFIX" not in str(body)
