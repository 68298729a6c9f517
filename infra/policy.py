"""The least-privilege IAM policy of a stage's Lambda functions (``.chalice/policy-<stage>.json``).

Chalice reads the policy as static JSON, so ARNs cannot name the account: region and
account are ``*``, everything else is exact (each table, index, stream, secret, identity
and log group by name). No ``Scan``, no table-management actions: the code reads by key
(``BatchGetItem``: a back-office search page's customers, an import's email claims 100 a
call; ``BatchWriteItem``: bulk invitation rows, ERP contacts, erasure and cleanup deletes) and
queries indexes; ``TransactWriteItems`` is authorised per item by
``PutItem``/``UpdateItem``/``DeleteItem``/``ConditionCheckItem``, ``TransactGetItems`` (the
session check) by ``GetItem``. S3: objects under ``imports/`` of the stage's import bucket only.
"""

from __future__ import annotations

import json
from typing import Any

from infra.stage import Stage

ITEM_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",  # bulk rows, erasure's and cleanup's deletes (25 items a call)
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
]
INDEX_ACTIONS = ["dynamodb:Query"]
STREAM_ACTIONS = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
]
SEND_ACTIONS = ["ses:SendEmail", "ses:SendRawEmail"]
#: import files: read, written (the request's body, the error file), uploaded through a
#: presigned URL signed with the function's role (HeadObject is GetObject's), deleted (a
#: file that holds plaintext passwords)
IMPORT_FILE_ACTIONS = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
#: Never granted, whatever the code grows into (SPEC §4: no Scan anywhere).
FORBIDDEN_ACTIONS = frozenset({"dynamodb:Scan", "dynamodb:*", "*"})


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:*:*:{resource}"


def stage_policy(stage: Stage) -> dict[str, Any]:
    """The policy document for every Lambda function of ``stage``."""
    s = stage.settings
    tables = [_arn("dynamodb", f"table/{t.name}") for t in stage.tables]
    indexes = [
        _arn("dynamodb", f"table/{t.name}/index/{index.Meta.index_name}")
        for t in stage.tables
        for index in t.model._indexes.values()
    ]
    statements: list[dict[str, Any]] = [
        {"Sid": "StageTableItems", "Effect": "Allow", "Action": ITEM_ACTIONS, "Resource": tables},
        {"Sid": "StageTableIndexes", "Effect": "Allow", "Action": INDEX_ACTIONS, "Resource": indexes},
    ]
    others = [  # a pool's other websites whose documents this one shows (POOL_DOCUMENTS_FROM)
        _arn("dynamodb", f"table/{prefix}-documents/index/by_date") for _, prefix in s.POOL_DOCUMENTS_FROM
    ]
    if others:
        statements.append(
            {"Sid": "PoolWebsitesDocuments", "Effect": "Allow", "Action": INDEX_ACTIONS, "Resource": others}
        )
    streams = [_arn("dynamodb", f"table/{t.name}/stream/*") for t in stage.consumed_stream_tables]
    if streams:
        statements.append(
            {"Sid": "ConsumedStreams", "Effect": "Allow", "Action": STREAM_ACTIONS, "Resource": streams}
        )
    domain = s.MAIL_FROM.rsplit("@", 1)[1]
    statements += [
        {
            "Sid": "SendFromStageIdentity",
            "Effect": "Allow",
            "Action": SEND_ACTIONS,
            # The address identity (created by the stack) or its verified domain.
            "Resource": [_arn("ses", f"identity/{s.MAIL_FROM}"), _arn("ses", f"identity/{domain}")],
        },
        {
            "Sid": "PutStageEvents",
            "Effect": "Allow",
            "Action": ["events:PutEvents"],
            "Resource": [_arn("events", f"event-bus/{s.event_bus_name}")],
        },
        {
            "Sid": "ImportFiles",
            "Effect": "Allow",
            "Action": IMPORT_FILE_ACTIONS,
            "Resource": [f"arn:aws:s3:::{s.imports_bucket}/imports/*"],
        },
        {
            "Sid": "ReadStageSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            # Secrets Manager appends "-" and six random characters to the name.
            "Resource": [_arn("secretsmanager", f"secret:{s.SECRET_ID}-??????")],
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": LOG_ACTIONS,
            "Resource": [
                arn
                for f in stage.functions
                for arn in (
                    _arn("logs", f"log-group:/aws/lambda/{f.name}"),
                    _arn("logs", f"log-group:/aws/lambda/{f.name}:*"),
                )
            ],
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def render(policy: dict[str, Any]) -> str:
    """The policy as written to ``.chalice/policy-<stage>.json``."""
    return json.dumps(policy, indent=2) + "\n"


def problems(policy: dict[str, Any]) -> list[str]:
    """What makes ``policy`` not least-privilege: forbidden actions, ``*`` resources."""
    found: list[str] = []
    for statement in policy.get("Statement", []):
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        sid = statement.get("Sid", "?")
        if statement.get("Effect") != "Allow":
            continue
        found += [f"{sid}: grants {a}" for a in actions if a in FORBIDDEN_ACTIONS or a.endswith(":*")]
        found += [f"{sid}: resource {r!r} names nothing" for r in resources if r == "*" or r.endswith(":*:*")]
        if "NotAction" in statement or "NotResource" in statement:
            found.append(f"{sid}: NotAction/NotResource")
    return found
