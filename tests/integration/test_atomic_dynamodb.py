"""In-process moto handles each DynamoDB request atomically, as DynamoDB does.

moto alone takes no lock: concurrent ``TransactWriteItems`` can both pass one
``attribute_not_exists``, and a cancelled one puts back table copies taken at its start,
erasing what others wrote meanwhile. ``devtools.atomic_dynamodb`` (installed by conftest,
as in the local server) serialises the requests, so tests with real threads mean something.
Threads switch every 0.1 ms here instead of 5 ms, so that requests interleave inside moto
as they do on a busy machine and a missing lock shows at once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from devtools.probes import at_once
from tests.integration.conftest import REGION

THREADS = 25
KEYS = 10  # contested keys per test: each gives the race another chance
TABLE = "atomic-test"


@pytest.fixture(autouse=True)
def busy_interleaving() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    yield
    sys.setswitchinterval(previous)


@pytest.fixture
def dynamodb() -> Any:
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def put(pk: str, owner: int, condition: str | None = None) -> dict[str, Any]:
    step: dict[str, Any] = {"TableName": TABLE, "Item": {"pk": {"S": pk}, "owner": {"N": str(owner)}}}
    if condition:
        step["ConditionExpression"] = condition
    return {"Put": step}


def cancelled(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "TransactionCanceledException"


def test_one_of_concurrent_claims_of_a_key_wins(dynamodb: Any) -> None:
    def claim_every_key(thread: int) -> list[int]:
        won = []
        for key in range(KEYS):
            try:
                step = put(f"claim-{key}", thread, "attribute_not_exists(pk)")
                dynamodb.transact_write_items(TransactItems=[step])
                won.append(key)
            except ClientError as e:
                if not cancelled(e):
                    raise
        return won

    results = at_once(claim_every_key, THREADS)

    assert [r for r in results if isinstance(r, Exception)] == []
    for key in range(KEYS):
        winners = [thread for thread, won in enumerate(results) if key in won]
        assert len(winners) == 1, f"claim-{key} won by threads {winners}"
        item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": f"claim-{key}"}})["Item"]
        assert item["owner"] == {"N": str(winners[0])}


def test_a_cancelled_transaction_leaves_concurrent_writes_alone(dynamodb: Any) -> None:
    """Even threads write their own items; odd ones try too, in transactions that fail."""
    never_there = {
        "ConditionCheck": {
            "TableName": TABLE,
            "Key": {"pk": {"S": "never-there"}},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }

    written: list[str] = []  # by the transactions that succeeded

    def write_own_items(thread: int) -> None:
        for key in range(KEYS):
            pk = f"item-{thread}-{key}"
            steps = [put(pk, thread)] + ([never_there] if thread % 2 else [])
            try:
                dynamodb.transact_write_items(TransactItems=steps)
                written.append(pk)
            except ClientError as e:
                if not (thread % 2 and cancelled(e)):
                    raise

    errors = [r for r in at_once(write_own_items, THREADS) if isinstance(r, Exception)]

    stored = {item["pk"]["S"] for item in dynamodb.scan(TableName=TABLE)["Items"]}
    assert sorted(set(written) - stored) == [], "writes erased by a cancelled transaction"
    assert sorted(stored - set(written)) == [], "writes of a cancelled transaction kept"
    assert errors == []
    assert len(written) == (THREADS + 1) // 2 * KEYS  # every even thread's items, no odd thread's
