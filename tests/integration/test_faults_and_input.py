"""Bad input gets a stable 4xx; DynamoDB trouble gets 503 + Retry-After and no half state."""

from __future__ import annotations

import pytest

from chalicelib.identity.models import Customer, Login
from chalicelib.kernel.models import Token
from chalicelib.mail.models import OutboxMessage
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, mails_to


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
