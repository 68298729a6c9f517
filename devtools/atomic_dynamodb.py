"""Make each DynamoDB request atomic in moto, as it is in DynamoDB.

moto's DynamoDB takes no lock: two concurrent ``TransactWriteItems`` can both pass the
same ``attribute_not_exists``, and a cancelled one puts back whole-table copies taken at
its start, erasing what other requests wrote meanwhile. :func:`install` makes moto handle
one DynamoDB request at a time (every operation, from parsing to the serialised answer);
other services are untouched. The local moto server (``devtools.moto_server``, so
``make run`` and the e2e tier) and the integration tier's in-process moto both call it,
so the two backends cannot drift. The service itself knows nothing of it.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

#: Held for the whole handling of one DynamoDB request. Reentrant: a request that
#: triggered another in the same thread (none does today) would not deadlock.
REQUEST_LOCK = threading.RLock()


def install() -> None:
    """Serialise moto's DynamoDB requests in this process (idempotent)."""
    from moto.dynamodb.responses import DynamoHandler

    if is_installed():
        return
    # Every DynamoDB request, in-process (``mock_aws``) or through the server, goes
    # ``DynamoHandler.dispatch`` -> ``DynamoHandler()._dispatch`` (moto/core/responses.py),
    # which parses the request, runs the backend and serialises the answer. Wrapping it
    # on DynamoHandler alone leaves every other service's handler as it is.
    inherited = DynamoHandler._dispatch

    @functools.wraps(inherited)
    def atomic_dispatch(self: Any, *args: Any, **kwargs: Any) -> Any:
        with REQUEST_LOCK:
            return inherited(self, *args, **kwargs)

    atomic_dispatch.atomic = True  # type: ignore[attr-defined]
    DynamoHandler._dispatch = atomic_dispatch


def is_installed() -> bool:
    from moto.dynamodb.responses import DynamoHandler

    return bool(getattr(DynamoHandler._dispatch, "atomic", False))
