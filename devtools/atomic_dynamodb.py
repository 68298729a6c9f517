"""Make each DynamoDB request atomic in moto, as it is in DynamoDB.

moto's DynamoDB takes no lock: two concurrent ``TransactWriteItems`` can both pass the
same ``attribute_not_exists``, and a cancelled one puts back whole-table copies taken at
its start, erasing what other requests wrote meanwhile. :func:`install` makes moto handle
one DynamoDB request at a time (every operation, from parsing to the serialised answer);
other services are untouched.

Streams too: a cancelled transaction's put-back tables would carry copies of their stream
shards, leaving every reader's shard iterator on a shard that no longer grows, and the
records of the cancelled writes would have been visible meanwhile. ``install`` keeps each
table's live shard, drops the cancelled transaction's records from it, and reads streams
under the same lock, so a stream holds what was committed, as DynamoDB's does.

The local moto server (``devtools.moto_server``, so
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
    _read_streams_under_the_lock()
    _keep_streams_of_cancelled_transactions()


def _read_streams_under_the_lock() -> None:
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    inherited = DynamoDBStreamsHandler._dispatch

    @functools.wraps(inherited)
    def atomic_dispatch(self: Any, *args: Any, **kwargs: Any) -> Any:
        with REQUEST_LOCK:
            return inherited(self, *args, **kwargs)

    DynamoDBStreamsHandler._dispatch = atomic_dispatch


def _keep_streams_of_cancelled_transactions() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    inherited = DynamoDBBackend.transact_write_items

    @functools.wraps(inherited)
    def transact_write_items(self: Any, *args: Any, **kwargs: Any) -> Any:
        live = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            return inherited(self, *args, **kwargs)
        except Exception:
            for name, (shard, committed) in live.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not shard:  # put back: a copy
                    del shard.items[committed:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    DynamoDBBackend.transact_write_items = transact_write_items


def is_installed() -> bool:
    from moto.dynamodb.responses import DynamoHandler

    return bool(getattr(DynamoHandler._dispatch, "atomic", False))
