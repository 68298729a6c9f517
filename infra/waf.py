"""The optional AWS WAF web ACL of a stage's API (template parameter ``EnableWaf``).

One rate-based rule per source IP: past ``WafRateLimit`` requests in 5 minutes, WAF answers
429 in the service's error shape until the address slows down. It is the coarse outer
guard; the per-source budgets of the routes that hash passwords or send email
(``kernel.budgets``) and the stage's throttling stay on either way.
"""

from __future__ import annotations

import json
from typing import Any

from infra.stage import Stage

WAF_CONDITION = "WafEnabled"
WAF_PARAMETERS: dict[str, Any] = {
    "EnableWaf": {
        "Type": "String",
        "AllowedValues": ["true", "false"],
        "Default": "false",
        "Description": "Attach an AWS WAF web ACL with a rate-based rule per IP to the API stage.",
    },
    "WafRateLimit": {
        "Type": "Number",
        "Default": 2000,
        "MinValue": 100,
        "MaxValue": 2000000000,
        "Description": "Requests one IP may make in 5 minutes before WAF answers it 429.",
    },
}
WAF_RETRY_AFTER = "300"  # the rule's window: an address is let through once its rate falls


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def web_acl(stage: Stage, tags: list[dict[str, str]]) -> dict[str, Any]:
    """The optional web ACL (``EnableWaf``): one rate-based rule per source IP, 429 past it."""
    name = f"{stage.app_name}-{stage.name}"
    body = json.dumps(
        {"error": {"code": "too_many_requests", "message": "Too many requests from this address."}}
    )
    block = {
        "CustomResponse": {
            "ResponseCode": 429,
            "CustomResponseBodyKey": "too-many-requests",
            "ResponseHeaders": [{"Name": "Retry-After", "Value": WAF_RETRY_AFTER}],
        }
    }
    rule = {
        "Name": "requests-per-ip",
        "Priority": 0,
        "Action": {"Block": block},
        "Statement": {"RateBasedStatement": {"Limit": {"Ref": "WafRateLimit"}, "AggregateKeyType": "IP"}},
        "VisibilityConfig": _visibility(f"{name}-requests-per-ip"),
    }
    acl = {
        "Name": name,
        "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}},
        "CustomResponseBodies": {"too-many-requests": {"ContentType": "APPLICATION_JSON", "Content": body}},
        "Rules": [rule],
        "VisibilityConfig": _visibility(name),
        "Tags": tags,
    }
    # ``RestAPI.Stage`` is SAM's reference to the stage it creates for the API.
    stage_arn = "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${RestAPI}/stages/"
    stage_arn += "${RestAPI.Stage}"
    return {
        "WebAcl": {"Type": "AWS::WAFv2::WebACL", "Condition": WAF_CONDITION, "Properties": acl},
        "WebAclAssociation": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Condition": WAF_CONDITION,
            "Properties": {
                "ResourceArn": {"Fn::Sub": stage_arn},
                "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]},
            },
        },
    }
