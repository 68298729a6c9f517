"""The outbox's stream, read from moto, and its sender called by hand, as on AWS.

With ``MAIL_DISPATCH=stream`` a request leaves its emails and deferred tasks (sign-up, forgot
password, register later) in the outbox; on AWS the outbox table's stream hands each new
item to the sender Lambda (``chalicelib.jobs.send_from_stream``) right after the commit.
In-process nothing reads the stream: ``Stream`` reads the records moto appended to the
table's stream shard (from moto's backend: no AWS call, nothing counted), and ``deliver``
calls the sender with the event the stream would send. A cancelled transaction leaves no
record (moto, with ``atomic_dynamodb`` and ``moto_transactions``, drops them).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.harness.world import ACCOUNT_ID, REGION, BenchError


def stream_event(message_id: str) -> dict[str, Any]:
    """What the outbox table's KEYS_ONLY stream hands the sender Lambda for one insert."""
    return {"Records": [{"eventName": "INSERT", "dynamodb": {"Keys": {"message_id": {"S": message_id}}}}]}


def deliver(message_id: str) -> dict[str, int]:
    """The stream's sender, for one new outbox item: ``{"sent": 1}``, ``{"done": 1}``, ..."""
    from chalicelib import jobs

    return jobs.send_from_stream(stream_event(message_id))


class Stream:
    """The outbox table's stream (of the installed container's tables) from now on."""

    def __init__(self) -> None:
        from chalicelib.mail.models import OutboxMessage

        self.table = OutboxMessage.Meta.table_name
        self.position = len(self._records())

    def _records(self) -> list[Any]:
        from moto.dynamodb.models import dynamodb_backends

        shard = dynamodb_backends[ACCOUNT_ID][REGION].get_table(self.table).stream_shard
        if shard is None:
            raise BenchError(f"{self.table} has no stream")
        records: list[Any] = shard.items
        return records

    def inserts(self) -> list[str]:
        """Ids of the outbox items inserted since the last read, in order."""
        records = self._records()
        new, self.position = records[self.position :], len(records)
        return [
            r.record["dynamodb"]["Keys"]["message_id"]["S"] for r in new if r.record["eventName"] == "INSERT"
        ]

    def drain(self, rounds: int = 5) -> Counter[str]:
        """Deliver every item inserted since the last read, then what those queued, and so on."""
        outcomes: Counter[str] = Counter()
        for _ in range(rounds):
            new = self.inserts()
            if not new:
                return outcomes
            for message_id in new:
                outcomes.update(deliver(message_id))
        raise BenchError(f"the outbox still had new items after {rounds} rounds: {dict(outcomes)}")
