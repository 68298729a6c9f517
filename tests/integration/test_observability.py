"""Logs carry a correlation id and nothing personal; no handler ever scans a table."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.kernel.observability import logger
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, last_mail, token_from
from tests.support import STRONG_PASSWORD


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    handler = Lines()
    handler.setFormatter(logger.registered_formatter)
    named = logging.getLogger(logger.name)
    level = named.level
    named.setLevel(logging.INFO)  # the stages' LOG_LEVEL, whatever an earlier test left
    named.addHandler(handler)
    yield handler.lines
    named.removeHandler(handler)
    named.setLevel(level)


def _full_journey(api: Api, aws_hooks: Hooks) -> list[str]:
    """Every flow of the accounts core; returns the secrets it handled."""
    aws_hooks.fail("sesv2", "SendEmail", "ServiceUnavailable", status=503)  # log an email failure too
    api.signup("ada.lovelace@example.com", name="Ada Lovelace")
    api.call("POST", "/password/forgot", {"email": "ada.lovelace@example.com"})
    reset_token = token_from(last_mail("ada.lovelace@example.com").link("/password/reset"))
    api.call("POST", "/password/reset", {"token": reset_token, "password": STRONG_PASSWORD})
    pair = api.sign_in("ada.lovelace@example.com").json_body
    api.sign_in("ada.lovelace@example.com", "a wrong password typed")
    api.call("GET", "/me", token=pair["access_token"])
    refreshed = api.call("POST", "/sessions/refresh", {"refresh_token": pair["refresh_token"]}).json_body
    body = {"current_password": STRONG_PASSWORD, "new_password": "the next passphrase"}
    api.call("POST", "/me/password", body, token=refreshed["access_token"])
    api.signup("ada.lovelace@example.com", password="an attacker's passphrase")
    api.call("POST", "/signup/verify", {"token": "x" * 43})
    return [
        "ada.lovelace@example.com",
        STRONG_PASSWORD,
        "a wrong password typed",
        "the next passphrase",
        "an attacker's passphrase",
        reset_token,
        pair["access_token"],
        pair["refresh_token"].split(".")[1],
        refreshed["refresh_token"].split(".")[1],
    ]


def test_logs_have_a_correlation_id_and_nothing_personal(
    api: Api, aws_hooks: Hooks, log_lines: list[str]
) -> None:
    secrets = _full_journey(api, aws_hooks)
    assert len(log_lines) >= 10
    assert all('"correlation_id"' in line for line in log_lines if '"message":"request"' in line)
    for line in log_lines:
        for secret in secrets:
            assert secret not in line, f"{secret[:6]}... leaked into a log line"
        assert "Ada Lovelace" not in line


def test_no_request_handler_or_job_scans(api: Api, aws_hooks: Hooks, container: object) -> None:
    from chalicelib.mail.outbox import sweep

    _full_journey(api, aws_hooks)
    sweep(container)  # type: ignore[arg-type]
    operations = aws_hooks.operations("dynamodb")
    assert "TransactWriteItems" in operations and "GetItem" in operations  # the hook saw the calls
    assert "Scan" not in operations


def test_no_code_path_can_scan() -> None:
    source = "\n".join(p.read_text() for p in Path("chalicelib").rglob("*.py"))
    source += Path("app.py").read_text()
    # Model.scan() and a Model.count() without a key both scan the table.
    assert not re.search(r"\.scan\(|\bScan\b|\b[A-Z]\w*\.count\(", source)
