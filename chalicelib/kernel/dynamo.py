"""DynamoDB access. Every function here turns pynamodb/botocore failures into domain errors.

``translated`` is the one place that knows which DynamoDB error codes mean
"busy, retry" (503 + Retry-After) and which mean a broken invariant.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.kernel.errors import ServiceUnavailable

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=Model)

#: DynamoDB answers that mean "try again later", not "your request is wrong".
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "LimitExceededException",
    }
)


def error_code(e: BaseException) -> str | None:
    """The AWS error code behind a pynamodb or botocore exception, if any."""
    if isinstance(e, PynamoDBException):
        return e.cause_response_code
    if isinstance(e, ClientError):
        return str(e.response.get("Error", {}).get("Code"))
    return None


def cancellation_codes(e: PynamoDBException) -> list[str | None]:
    """Per-item reasons of a cancelled transaction (``ConditionalCheckFailed`` or None)."""
    reasons = getattr(e, "cancellation_reasons", None) or []
    return [r.code if r is not None else None for r in reasons]


def translated(fn: Callable[P, R]) -> Callable[P, R]:
    """Map throttling/outage errors of DynamoDB to ``ServiceUnavailable``.

    Conditional failures are left for the calling store function, which knows what
    the condition meant; anything else propagates unchanged (a bug, logged as 500).
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (PynamoDBException, ClientError) as e:
            code = error_code(e)
            reasons = cancellation_codes(e) if isinstance(e, PynamoDBException) else []
            if code in RETRYABLE_CODES or any(r in RETRYABLE_CODES for r in reasons if r):
                raise ServiceUnavailable("The database is busy; retry shortly.") from e
            if code == "TransactionCanceledException" and "TransactionConflict" in reasons:
                raise ServiceUnavailable("A concurrent change is in progress; retry.") from e
            if code is None and isinstance(e.__cause__, BotoCoreError):
                raise ServiceUnavailable("The database is unreachable; retry shortly.") from e
            raise
        except BotoCoreError as e:  # connection errors, timeouts
            raise ServiceUnavailable("The database is unreachable; retry shortly.") from e

    return wrapper


def update_or_current(
    model: type[M], hash_key: str, actions: list[Action], condition: Condition
) -> tuple[M | None, M | None]:
    """One conditional ``UpdateItem``: ``(item after, None)``, or ``(None, item as it is)`` when
    ``condition`` fails (``(None, None)``: no such item).

    The item comes back with the failed condition (``ReturnValuesOnConditionCheckFailure``)
    at no extra call; pynamodb drops it, so this sends pynamodb's own serialised request
    through the shared botocore client. Call it inside a ``@translated`` function.
    """
    table = model._get_connection()
    request = table.get_operation_kwargs(
        hash_key,
        actions=actions,
        condition=condition,
        return_values="ALL_NEW",
        return_values_on_condition_failure="ALL_OLD",
    )
    try:
        answer = table.connection.client.update_item(**request)
    except ClientError as e:
        if error_code(e) != "ConditionalCheckFailedException":
            raise
        current = e.response.get("Item")
        return None, model.from_raw_data(current) if current else None
    return model.from_raw_data(answer["Attributes"]), None


def take_lease(
    item: Model, lease: Any, now: int, until: int, condition: Condition, also: Sequence[Action] = ()
) -> bool:
    """Hold ``item`` until ``until`` for one worker run or one attempt: one conditional
    ``UpdateItem`` that sets ``lease`` (a number attribute), with ``also`` (e.g. an attempt
    count), when ``condition`` holds and nobody holds the item (``lease`` absent or past).
    False when the condition fails or another holds it. Call it inside a ``@translated``
    function."""
    free = lease.does_not_exist() | (lease < now)
    try:
        item.update(actions=[lease.set(until), *also], condition=condition & free)
    except UpdateError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            return False
        raise
    return True
