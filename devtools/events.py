"""``make events``: the lifecycle events the local stage put on its EventBridge bus, newest first.

``make run`` creates the stage's bus on the moto server with one rule that copies every
event to the log group ``LOG_GROUP``; this command reads that group (as a rule on AWS would
feed a queue, a Lambda or a log group). ``--type T`` keeps one type, ``--customer ID`` one
customer's, ``--limit N`` the newest N, ``--json`` prints the envelopes as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

REGION = "us-east-1"
LOG_GROUP = "/local/customer-accounts/events"
RULE = "local-all-events"
ACCOUNT = "123456789012"  # moto's default account


def _client(service: str, endpoint_url: str | None, region: str) -> Any:
    """A client of moto: the local server at ``endpoint_url``, or the in-process mock."""
    import boto3

    local = {"aws_access_key_id": "local", "aws_secret_access_key": "local"} if endpoint_url else {}
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url, **local)


def create_bus(bus_name: str, endpoint_url: str | None = None, region: str = REGION) -> None:
    """The stage's bus, and a rule copying every event to ``LOG_GROUP`` (idempotent)."""
    from botocore.exceptions import ClientError

    events, logs = _client("events", endpoint_url, region), _client("logs", endpoint_url, region)
    for create in (
        lambda: events.create_event_bus(Name=bus_name),
        lambda: logs.create_log_group(logGroupName=LOG_GROUP),
    ):
        try:
            create()
        except ClientError as e:
            if e.response["Error"]["Code"] not in ("ResourceAlreadyExistsException",):
                raise
    events.put_rule(
        Name=RULE, EventBusName=bus_name, EventPattern=json.dumps({"source": ["customer-accounts"]})
    )
    target = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{LOG_GROUP}"
    events.put_targets(Rule=RULE, EventBusName=bus_name, Targets=[{"Id": "local-log", "Arn": target}])


def fetch(endpoint_url: str | None = None, region: str = REGION) -> list[dict[str, Any]]:
    """Every event that reached the bus, as EventBridge delivered it, newest first."""
    logs = _client("logs", endpoint_url, region)
    found: list[tuple[int, dict[str, Any]]] = []
    kwargs: dict[str, Any] = {"logGroupName": LOG_GROUP}
    while True:
        page = logs.filter_log_events(**kwargs)
        found += [(e["timestamp"], json.loads(e["message"])) for e in page.get("events", [])]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    found.sort(key=lambda item: (item[1].get("detail", {}).get("occurred_at", ""), item[0]), reverse=True)
    return [event for _, event in found]


def describe(event: dict[str, Any]) -> str:
    detail = event.get("detail", {})
    data = json.dumps(detail.get("data", {}), sort_keys=True)
    kind, at = event.get("detail-type", "?"), detail.get("occurred_at", "?")
    who = detail.get("customer_id", "?")
    return f"{at}  {kind:<28} {who}  {data}  ({detail.get('id')})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make events", description=__doc__.split("\n")[0])
    parser.add_argument("--type", help="only events of this type (e.g. customer.created)")
    parser.add_argument("--customer", help="only this customer's events")
    parser.add_argument("--limit", type=int, help="only the newest N")
    parser.add_argument("--json", action="store_true", help="print the envelopes as JSON")
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT") or 5000))
    args = parser.parse_args(argv)
    try:
        found = fetch(f"http://127.0.0.1:{args.aws_port}")
    except Exception as e:  # no server, or no bus yet: say how to get one
        print(
            f"No local events on 127.0.0.1:{args.aws_port} ({type(e).__name__}). Start `make run`.",
            file=sys.stderr,
        )
        return 1
    found = [e for e in found if not args.type or e.get("detail-type") == args.type]
    found = [e for e in found if not args.customer or e.get("detail", {}).get("customer_id") == args.customer]
    found = found[: args.limit] if args.limit else found
    if args.json:
        print(json.dumps([e.get("detail") for e in found], indent=2))
    elif not found:
        print("No events yet.")
    else:
        print(f"{len(found)} event(s), newest first\n")
        print("\n".join(describe(e) for e in found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
