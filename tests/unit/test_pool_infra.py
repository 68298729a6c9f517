"""A shared pool deploys: one stage owns the shared tables and secret, the others import them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.kernel.stage_config import load_config, stage_environment
from infra import policy as policies
from infra import stage as stage_module
from infra.stage import load_stage, pool_problems
from infra.template import merge_template

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
OWNER, MEMBER, SOLO = "brand-a", "brand-b", "shop-b2c"
SHARED = {"CustomersTable", "LoginsTable", "BudgetsTable"}


def _physical_names(template: dict[str, Any]) -> set[str]:
    """Names that must be unique in an account and region (tables, secrets, functions, logs, alarms)."""
    keys = ("TableName", "Name", "FunctionName", "LogGroupName", "AlarmName", "EmailIdentity")
    names = set()
    for resource in template["Resources"].values():
        for key in keys:
            value = resource.get("Properties", {}).get(key)
            if isinstance(value, str) and resource.get("Type") != "AWS::SES::EmailIdentity":
                names.add(value)
    return names


def test_the_owner_creates_and_exports_the_shared_tables_and_secret() -> None:
    template = merge_template(load_stage(OWNER))
    resources, outputs = template["Resources"], template["Outputs"]
    for table in SHARED:
        name = resources[table]["Properties"]["TableName"]
        assert name.startswith("accounts-brands-")
        assert outputs[f"{table}Name"]["Export"] == {"Name": f"customer-accounts-pool-brands-{table}Name"}
    assert resources["MasterSecret"]["Properties"]["Name"] == "customer-accounts/brands/master"
    assert outputs["MasterSecretArn"]["Export"]["Name"] == "customer-accounts-pool-brands-MasterSecretArn"
    stream = outputs["CustomersTableStreamArn"]
    assert stream["Export"]["Name"] == "customer-accounts-pool-brands-CustomersTableStreamArn"
    assert "Export" not in outputs["SessionsTableName"]  # a website's own table stays its own


def test_a_member_imports_them_and_creates_only_its_own() -> None:
    template = merge_template(load_stage(MEMBER))
    resources = template["Resources"]
    assert not SHARED & set(resources) and "MasterSecret" not in resources
    tables = {
        r["Properties"]["TableName"] for r in resources.values() if r.get("Type") == "AWS::DynamoDB::Table"
    }
    assert tables and all(t.startswith("accounts-brand-b-") for t in tables)
    mapping = resources["CustomersTableStreamMapping"]["Properties"]
    assert mapping["EventSourceArn"] == {
        "Fn::ImportValue": "customer-accounts-pool-brands-CustomersTableStreamArn"
    }
    # every REMOVE of the shared customers (any website's cleanup): this website's documents go too
    assert json.loads(mapping["FilterCriteria"]["Filters"][0]["Pattern"]) == {"eventName": ["REMOVE"]}
    assert not any("Export" in o for o in template["Outputs"].values())


def test_the_pool_s_stacks_and_a_standalone_one_duplicate_no_resource() -> None:
    names = [_physical_names(merge_template(load_stage(s))) for s in (OWNER, MEMBER, SOLO)]
    assert not names[0] & names[1] and not names[0] & names[2] and not names[1] & names[2]


def test_each_website_of_the_pool_has_its_own_least_privilege_policy() -> None:
    owner, member = load_stage(OWNER), load_stage(MEMBER)
    policy = policies.stage_policy(member)
    assert policies.problems(policy) == []
    tables = next(s for s in policy["Statement"] if s["Sid"] == "StageTableItems")["Resource"]
    names = {arn.rsplit("table/", 1)[1] for arn in tables}
    assert {"accounts-brands-customers", "accounts-brands-logins", "accounts-brands-budgets"} <= names
    assert not any(name.startswith("accounts-brand-a-") for name in names)  # not the owner's own
    assert "accounts-brand-b-sessions" in names and "accounts-brands-sessions" not in names
    secret = next(s for s in policy["Statement"] if s["Sid"] == "ReadStageSecret")["Resource"]
    assert (
        secret
        == next(s for s in policies.stage_policy(owner)["Statement"] if s["Sid"] == "ReadStageSecret")[
            "Resource"
        ]
    )
    streams = next(s for s in policy["Statement"] if s["Sid"] == "ConsumedStreams")["Resource"]
    assert "arn:aws:dynamodb:*:*:table/accounts-brands-customers/stream/*" in streams


def test_the_example_pool_is_consistent() -> None:
    for name in load_config()["stages"]:
        assert pool_problems(name) == [], name


def test_a_pool_without_one_owner_or_with_two_secrets_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config()
    b_env = dict(stage_environment(MEMBER))
    environments = {OWNER: {**stage_environment(OWNER), "POOL_OWNER": "false"}, MEMBER: b_env}
    monkeypatch.setattr(
        stage_module, "load_config", lambda: {**config, "stages": dict.fromkeys(environments)}
    )
    monkeypatch.setattr(stage_module, "stage_environment", lambda name: environments[name])
    assert any("exactly one POOL_OWNER" in p for p in pool_problems(MEMBER))
    environments[OWNER]["POOL_OWNER"] = "true"
    b_env["SECRET_ID"] = "customer-accounts/brand-b/master"
    assert any("differ on SECRET_ID" in p for p in pool_problems(MEMBER))


def test_a_website_reads_only_the_documents_index_of_the_websites_it_opted_in_to_show() -> None:
    policy = policies.stage_policy(load_stage(OWNER))
    (statement,) = [s for s in policy["Statement"] if s["Sid"] == "PoolWebsitesDocuments"]
    assert statement["Action"] == ["dynamodb:Query"]
    assert statement["Resource"] == ["arn:aws:dynamodb:*:*:table/accounts-brand-b-documents/index/by_date"]
    assert not any(
        s["Sid"] == "PoolWebsitesDocuments" for s in policies.stage_policy(load_stage(SOLO))["Statement"]
    )
