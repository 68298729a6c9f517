"""Concurrent clients over HTTP, as on AWS: the local API takes every connection
(``devtools.chalice_local``) and the local moto makes each DynamoDB request atomic
(``devtools.atomic_dynamodb``), so one address gets one account however many ask at once."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devtools.probes import at_once
from tests.e2e.helpers import LocalService, local_session, new_address
from tests.support import STRONG_PASSWORD

pytestmark = pytest.mark.e2e

CLIENTS = 25
WRITES_EACH = 10
FILL = 200  # items in the scratch table before the race
# Below Linux's first SYN retransmission (1 s): a connection the server's listen queue
# dropped fails here instead of merely being slow. The kernel completes a handshake on
# loopback at once when there is room, however busy the server is.
CONNECT_TIMEOUT = 0.9
# The local stage's tables (TABLE_PREFIX "accounts-local" in .chalice/config.json).
CUSTOMERS, LOGINS = "accounts-local-customers", "accounts-local-logins"


def dynamodb(service: LocalService) -> Any:
    """A client of the service's moto server: never through a proxy, a connection per
    client thread, and no retries (an error from moto is the test's to see)."""
    return boto3.client(
        "dynamodb",
        endpoint_url=service.aws_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(proxies={}, max_pool_connections=CLIENTS, retries={"total_max_attempts": 1}),
    )


def items_where(client: Any, table: str, expression: str, **values: str) -> list[dict[str, Any]]:
    """Every item of ``table`` matching ``expression`` (a test may scan; the service never does)."""
    pages = client.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression=expression,
        ExpressionAttributeValues={f":{k}": {"S": v} for k, v in values.items()},
        ConsistentRead=True,
    )
    return [item for page in pages for item in page["Items"]]


def test_concurrent_connections_are_all_answered(local_service: LocalService) -> None:
    """CLIENTS connections opened together, then a request on each: every one answered."""
    api = urlsplit(local_service.api_url)
    request = f"GET /website HTTP/1.1\r\nHost: {api.netloc}\r\nConnection: close\r\n\r\n".encode()
    for _ in range(2):  # a second burst as the first one's threads wind down
        connections, failures = [], []
        for _ in range(CLIENTS):
            try:
                connections.append(socket.create_connection((api.hostname, api.port), CONNECT_TIMEOUT))
            except OSError as e:
                failures.append(f"connect: {e!r}")
        status_lines = []
        for connection in connections:
            with connection:
                try:
                    connection.settimeout(30)
                    connection.sendall(request)
                    answer = b""
                    while chunk := connection.recv(65536):
                        answer += chunk
                    status_lines.append(answer.split(b"\r\n", 1)[0].decode())
                except OSError as e:
                    failures.append(f"answer: {e!r}")
        assert failures == []
        assert status_lines == ["HTTP/1.1 200 OK"] * CLIENTS


def test_the_local_aws_makes_each_dynamodb_request_atomic(local_service: LocalService) -> None:
    """Odd clients' transactions are cancelled; they must not erase the even clients' writes.

    A table of a few hundred items makes moto's per-transaction table copy outlast a thread
    switch, so without the lock a cancelled transaction restores a copy that predates
    other clients' writes (or moto fails copying a table that changes under it)."""
    client, table = dynamodb(local_service), f"scratch-{uuid.uuid4().hex[:10]}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        padded = [{"pk": {"S": f"fill-{n}"}, "pad": {"S": "x" * 200}} for n in range(FILL)]
        filler = [{"PutRequest": {"Item": item}} for item in padded]
        for first in range(0, FILL, 25):
            client.batch_write_item(RequestItems={table: filler[first : first + 25]})
        never_there = {
            "ConditionCheck": {
                "TableName": table,
                "Key": {"pk": {"S": "never-there"}},
                "ConditionExpression": "attribute_exists(pk)",
            }
        }
        written: list[str] = []

        def write_own_items(thread: int) -> None:
            for key in range(WRITES_EACH):
                pk = f"item-{thread}-{key}"
                put = {"Put": {"TableName": table, "Item": {"pk": {"S": pk}}}}
                try:
                    client.transact_write_items(TransactItems=[put] + ([never_there] if thread % 2 else []))
                    written.append(pk)
                except ClientError as e:
                    if not (thread % 2 and e.response["Error"]["Code"] == "TransactionCanceledException"):
                        raise

        errors = [r for r in at_once(write_own_items, CLIENTS) if isinstance(r, Exception)]

        stored = {item["pk"]["S"] for item in items_where(client, table, "begins_with(pk, :p)", p="item-")}
        assert sorted(set(written) - stored) == [], "writes erased by a cancelled transaction"
        assert sorted(stored - set(written)) == [], "writes of a cancelled transaction kept"
        assert errors == []
        assert len(written) == (CLIENTS + 1) // 2 * WRITES_EACH
    finally:
        client.delete_table(TableName=table)


def settled(read: Callable[[], Any], quiet: float = 1.5, timeout: float = 30) -> Any:
    """What ``read`` answers once it has stopped changing for ``quiet`` seconds (and is not empty)."""
    deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        value = read()
        if value != last:
            last, since = value, time.monotonic()
        elif any(value) and time.monotonic() - since >= quiet:
            return value
        time.sleep(0.2)
    return last


@pytest.fixture(scope="module")
def signup_burst(local_service: LocalService) -> tuple[str, list[Any]]:
    """CLIENTS sign-ups of one new address at once, each on its own connection."""
    email = new_address("race")

    def sign_up(_: int) -> tuple[int, Any]:
        answer = local_session().post(
            f"{local_service.api_url}/signup",
            json={"email": email, "password": STRONG_PASSWORD, "name": "Ada"},
            timeout=(CONNECT_TIMEOUT, 30),
        )
        return answer.status_code, answer.json()

    return email, at_once(sign_up, CLIENTS)


def test_concurrent_signups_of_one_address_make_one_account(
    local_service: LocalService, signup_burst: tuple[str, list[Any]]
) -> None:
    email, answers = signup_burst
    assert [a for a in answers if isinstance(a, Exception)] == []  # no reset, no timeout
    assert [a for a in answers if a[0] >= 500] == []
    client = dynamodb(local_service)

    def records() -> tuple[list[Any], list[Any]]:
        return (
            items_where(client, CUSTOMERS, "email = :email", email=email),
            items_where(client, LOGINS, "contains(login_key, :claim)", claim=f"#{email}"),
        )

    customers, logins = settled(records)  # the sign-up tasks run after the answers
    assert len(customers) == 1, [c["customer_id"]["S"] for c in customers]
    assert len(logins) == 1
    assert logins[0]["customer_id"] == customers[0]["customer_id"]


def test_concurrent_signups_of_one_address_all_get_the_same_answer(
    signup_burst: tuple[str, list[Any]],
) -> None:
    _, answers = signup_burst
    assert [a if isinstance(a, Exception) else a[0] for a in answers] == [202] * CLIENTS
    assert all(body == answers[0][1] for _, body in answers)
