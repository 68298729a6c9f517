"""DynamoDB streams for ``make run``: what the stream Lambdas do on AWS.

On AWS the outbox table's stream feeds ``outbox_sender`` (emails and deferred tasks, right
after the commit) and the customers table's stream feeds ``customer_removed``. Locally a
thread per table reads the same stream from the moto server and hands the same events to
the same handlers, so the local stage sends from the stream like a deployed one
(``MAIL_DISPATCH=stream``): a request makes the calls it makes on AWS, no more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import boto3

POLL_SECONDS = 0.1
Handler = Callable[[dict[str, Any]], object]


class StreamReader(threading.Thread):
    """Reads every shard of one table's stream from its start and hands each batch to ``handler``."""

    def __init__(self, table_name: str, handler: Handler, region: str, endpoint_url: str) -> None:
        super().__init__(name=f"stream:{table_name}", daemon=True)
        self.table_name = table_name
        self.handler = handler
        self.region = region
        self.endpoint_url = endpoint_url
        self.stopped = threading.Event()
        self.errors: list[str] = []

    def stop(self) -> None:
        self.stopped.set()

    def run(self) -> None:
        dynamodb = boto3.client("dynamodb", region_name=self.region, endpoint_url=self.endpoint_url)
        streams = boto3.client("dynamodbstreams", region_name=self.region, endpoint_url=self.endpoint_url)
        arn = dynamodb.describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"]
        iterators: dict[str, str | None] = {}
        while not self.stopped.is_set():
            for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                if shard["ShardId"] not in iterators:
                    iterators[shard["ShardId"]] = streams.get_shard_iterator(
                        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                    )["ShardIterator"]
            busy = False
            for shard_id, iterator in list(iterators.items()):
                if iterator is None:
                    continue
                answer = streams.get_records(ShardIterator=iterator, Limit=100)
                iterators[shard_id] = answer.get("NextShardIterator")
                if answer["Records"]:
                    busy = True
                    self._hand_over(answer["Records"])
            if not busy:
                self.stopped.wait(POLL_SECONDS)

    def _hand_over(self, records: list[dict[str, Any]]) -> None:
        try:
            self.handler({"Records": records})
        except Exception as e:  # the Lambda would be retried; the sweeper retries what is left
            self.errors.append(f"{type(e).__name__}: {e}")
            time.sleep(POLL_SECONDS)
