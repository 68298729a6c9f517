"""The packaged infrastructure: tables as the models define them, least-privilege policies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.kernel.stage_config import load_config, stage_names
from devtools.package import is_local
from infra import policy as policies
from infra.stage import load_stage, table_names
from infra.template import merge_template

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = [name for name in stage_names() if not is_local(name)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_file(stage: str) -> dict[str, Any]:
    config = load_config()
    filename = config["stages"][stage].get("iam_policy_file", config.get("iam_policy_file"))
    return json.loads((ROOT / ".chalice" / filename).read_text("utf-8"))


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_the_template_creates_every_table_as_the_models_define_it(stage_name: str) -> None:
    stage = load_stage(stage_name)
    resources = merge_template(stage)["Resources"]
    tables = {
        r["Properties"]["TableName"]: r for r in resources.values() if r.get("Type") == "AWS::DynamoDB::Table"
    }
    shared = stage.settings.shared_table_prefix
    names = table_names(stage.settings.TABLE_PREFIX, shared)  # what configure_tables sets
    owned = [t.model for t in stage.tables if t.owned]  # a pool member imports the shared ones
    assert set(tables) == {names[model] for model in owned}

    for model in owned:
        table = tables[names[model]]
        props = table["Properties"]
        prefix = shared if shared and model.SHARED_IN_POOL else stage.settings.TABLE_PREFIX
        assert names[model] == f"{prefix}-{model.TABLE_SUFFIX}"
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {"SSEEnabled": True}
        assert props["DeletionProtectionEnabled"] is True
        key_schema = [{"AttributeName": model._hash_keyname, "KeyType": "HASH"}]
        if model._range_keyname:
            key_schema.append({"AttributeName": model._range_keyname, "KeyType": "RANGE"})
        assert props["KeySchema"] == key_schema

        defined = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        expected_gsis = {}
        for index_name, index in model._indexes.items():
            keys = {a.attr_name: a for a in index.Meta.attributes.values() if a.is_hash_key or a.is_range_key}
            hash_key = next(n for n, a in keys.items() if a.is_hash_key)
            range_keys = [n for n, a in keys.items() if a.is_range_key]
            expected_gsis[index_name] = (
                [{"AttributeName": hash_key, "KeyType": "HASH"}]
                + [{"AttributeName": n, "KeyType": "RANGE"} for n in range_keys],
                index.Meta.projection.projection_type,
            )
            for name, attribute in keys.items():
                assert defined[name] == attribute.attr_type, (model.__name__, name)
        gsis = {
            g["IndexName"]: (g["KeySchema"], g["Projection"]["ProjectionType"])
            for g in props.get("GlobalSecondaryIndexes", [])
        }
        assert gsis == expected_gsis, model.__name__
        # Only key attributes may be defined (CloudFormation rejects the others).
        table_keys = {model._hash_keyname} | ({model._range_keyname} if model._range_keyname else set())
        key_names = table_keys | {k["AttributeName"] for ks, _ in gsis.values() for k in ks}
        assert set(defined) == key_names

        if model.TTL_ATTRIBUTE:
            assert props["TimeToLiveSpecification"] == {"AttributeName": model.TTL_ATTRIBUTE, "Enabled": True}
        else:
            assert "TimeToLiveSpecification" not in props
        if model.STREAM:
            assert props["StreamSpecification"] == {"StreamViewType": model.STREAM_VIEW}
            assert ("NEW_IMAGE" if model.TABLE_SUFFIX == "events" else "KEYS_ONLY") == model.STREAM_VIEW
        else:
            assert "StreamSpecification" not in props


def test_the_expected_indexes_exist() -> None:
    """The access paths the code relies on (SPEC §4: no Scan, cleanup through a sparse index)."""
    stage = load_stage("shop-b2c")  # a standalone website: every table its own
    props = {
        r["Properties"]["TableName"].removeprefix(stage.settings.TABLE_PREFIX + "-"): r["Properties"]
        for r in merge_template(stage)["Resources"].values()
        if r.get("Type") == "AWS::DynamoDB::Table"
    }
    indexes = {t: {g["IndexName"] for g in p.get("GlobalSecondaryIndexes", [])} for t, p in props.items()}
    assert indexes["outbox"] == {"due", "expiry"}
    assert indexes["staff-keys"] == {"by_kind"}
    for table in ("customers", "logins", "tokens", "sessions"):
        assert "expiry" in indexes[table]


def _source(arn: dict[str, Any]) -> str:
    """The table a stream mapping reads: its own (``GetAtt``) or the pool's (``ImportValue``)."""
    if "Fn::ImportValue" in arn:
        return str(arn["Fn::ImportValue"]).rsplit("-", 1)[1].removesuffix("StreamArn")
    return str(arn["Fn::GetAtt"][0])


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_each_consumed_stream_feeds_its_function(stage_name: str) -> None:
    resources = merge_template(load_stage(stage_name))["Resources"]
    mappings = {
        _source(r["Properties"]["EventSourceArn"]): r["Properties"]
        for r in resources.values()
        if r.get("Type") == "AWS::Lambda::EventSourceMapping"
    }
    assert set(mappings) == {"OutboxTable", "CustomersTable", "EventsTable"}  # both use MAIL_DISPATCH=stream
    assert mappings["OutboxTable"]["FunctionName"] == {"Ref": "OutboxSender"}
    assert mappings["EventsTable"]["FunctionName"] == {"Ref": "EventPublisher"}
    assert '"INSERT"' in mappings["EventsTable"]["FilterCriteria"]["Filters"][0]["Pattern"]
    # an event is never skipped: a failing batch is retried until the stream drops it (24 h)
    assert mappings["EventsTable"]["MaximumRetryAttempts"] == -1
    assert mappings["EventsTable"]["MaximumRecordAgeInSeconds"] == -1
    assert mappings["CustomersTable"]["FunctionName"] == {"Ref": "CustomerRemoved"}
    assert '"INSERT"' in mappings["OutboxTable"]["FilterCriteria"]["Filters"][0]["Pattern"]
    assert '"REMOVE"' in mappings["CustomersTable"]["FilterCriteria"]["Filters"][0]["Pattern"]
    for table, props in mappings.items():
        assert props["BisectBatchOnFunctionError"] is True
        assert props["MaximumRetryAttempts"] >= 0 or table == "EventsTable"


@pytest.mark.parametrize("stage_name", stage_names())
def test_no_policy_grants_scan_or_star(stage_name: str) -> None:
    policy = _policy_file(stage_name)
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        actions = [a.lower() for a in _as_list(statement["Action"])]
        assert "dynamodb:scan" not in actions
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement["Sid"]
        assert "*" not in _as_list(statement["Resource"]), statement["Sid"]
    assert policies.problems(policy) == []


@pytest.mark.parametrize("stage_name", stage_names())
def test_each_policy_names_only_its_own_stage(stage_name: str) -> None:
    stage = load_stage(stage_name)
    policy = _policy_file(stage_name)
    assert policy == policies.stage_policy(stage)  # else: python -m devtools.package --write-policies
    dynamodb = [
        r for s in policy["Statement"] for r in _as_list(s["Resource"]) if r.startswith("arn:aws:dynamodb:")
    ]
    own = {f"table/{t.name}" for t in stage.tables}
    # a pool website reads the documents of the websites it opted in to show (POOL_DOCUMENTS_FROM)
    own |= {f"table/{prefix}-documents" for _, prefix in stage.settings.POOL_DOCUMENTS_FROM}
    assert dynamodb and all(
        r.split(":", 5)[5].split("/index/")[0].split("/stream/")[0] in own for r in dynamodb
    )


def test_the_local_stage_is_never_packaged(capsys: pytest.CaptureFixture[str]) -> None:
    from devtools.package import package

    assert package("local") == 2
    assert "never deployed" in capsys.readouterr().err


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_the_template_is_the_one_kept_in_the_repo(stage_name: str) -> None:
    """Moving code between features changes no resource: the generated template (tables, indexes,
    streams, policies' inputs) is byte-for-byte the golden one. A change that means to alter
    the infrastructure rewrites it with `python -m devtools.package --write-golden`."""
    generated = json.dumps(merge_template(load_stage(stage_name)), indent=1, sort_keys=True)
    golden = (ROOT / "tests" / "unit" / "golden" / f"template-{stage_name}.json").read_text("utf-8")
    assert generated == golden


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_the_stage_throttles_every_method_with_its_settings(stage_name: str) -> None:
    stage = load_stage(stage_name)
    api = merge_template(stage)["Resources"]["RestAPI"]["Properties"]
    assert api["MethodSettings"] == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": stage.settings.API_THROTTLE_RATE,
            "ThrottlingBurstLimit": stage.settings.API_THROTTLE_BURST,
        }
    ]
    assert "GatewayResponses" in api  # merged alongside, not replaced


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_an_optional_waf_rate_rule_guards_the_stage(stage_name: str) -> None:
    """``EnableWaf=true`` attaches a web ACL whose one rule blocks an IP past ``WafRateLimit``
    requests in 5 minutes with the service's 429; by default nothing is created."""
    template = merge_template(load_stage(stage_name))
    params, resources = template["Parameters"], template["Resources"]
    assert params["EnableWaf"]["Default"] == "false"
    assert params["EnableWaf"]["AllowedValues"] == ["true", "false"]
    assert params["WafRateLimit"]["Type"] == "Number" and params["WafRateLimit"]["MinValue"] >= 100
    assert template["Conditions"]["WafEnabled"] == {"Fn::Equals": [{"Ref": "EnableWaf"}, "true"]}

    acl, association = resources["WebAcl"], resources["WebAclAssociation"]
    assert acl["Type"] == "AWS::WAFv2::WebACL" and association["Type"] == "AWS::WAFv2::WebACLAssociation"
    assert acl["Condition"] == association["Condition"] == "WafEnabled"
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL" and props["DefaultAction"] == {"Allow": {}}
    (rule,) = props["Rules"]
    assert rule["Statement"] == {
        "RateBasedStatement": {"Limit": {"Ref": "WafRateLimit"}, "AggregateKeyType": "IP"}
    }
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = json.loads(props["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "too_many_requests"
    assert {"Name": "Retry-After", "Value": "300"} in response["ResponseHeaders"]
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("/restapis/${RestAPI}/stages/${RestAPI.Stage}")
    # only conditional resources: a stage without the parameter deploys no WAF
    waf = [r for r in resources.values() if str(r.get("Type", "")).startswith("AWS::WAFv2::")]
    assert all(r.get("Condition") == "WafEnabled" for r in waf)


def test_a_stage_without_a_policy_file_is_told_what_to_add(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new website's block without ``iam_policy_file``: writing the policies says what to add
    (no traceback) and writes none."""
    import devtools.package as packaging
    from chalicelib.kernel.stage_config import load_config

    config = load_config()
    config["stages"]["new-site"] = dict(config["stages"]["shop-b2c"])
    del config["stages"]["new-site"]["iam_policy_file"]
    monkeypatch.setattr(packaging, "load_config", lambda: config)
    monkeypatch.setattr(packaging, "stage_names", lambda: sorted(config["stages"]))
    written: list[str] = []
    monkeypatch.setattr(packaging.Path, "write_text", lambda path, *a, **k: written.append(str(path)))
    assert packaging.main(["--write-policies"]) == 1
    told = capsys.readouterr()
    assert '"iam_policy_file": "policy-new-site.json"' in told.err and "wrote" not in told.out
    assert written == []


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_each_stage_has_its_event_bus_and_may_put_events_on_it_alone(stage_name: str) -> None:
    stage = load_stage(stage_name)
    bus = merge_template(stage)["Resources"]["EventBus"]
    assert bus["Type"] == "AWS::Events::EventBus"
    assert bus["Properties"]["Name"] == stage.settings.event_bus_name == f"accounts-{stage_name}-events"
    [grant] = [s for s in _policy_file(stage_name)["Statement"] if "events:PutEvents" in s["Action"]]
    assert grant["Action"] == ["events:PutEvents"]
    assert grant["Resource"] == [f"arn:aws:events:*:*:event-bus/{stage.settings.event_bus_name}"]


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_no_packaged_stage_lets_webhooks_reach_local_addresses(stage_name: str) -> None:
    settings = load_stage(stage_name).settings
    assert settings.WEBHOOK_LOCAL_TARGETS is False and settings.PUBLIC_API_URL.startswith("https://")
    from chalicelib.kernel.errors import SettingsError
    from chalicelib.kernel.settings import load_settings
    from chalicelib.kernel.stage_config import stage_environment

    with pytest.raises(SettingsError, match="WEBHOOK_LOCAL_TARGETS"):
        load_settings({**stage_environment(stage_name), "WEBHOOK_LOCAL_TARGETS": "true"})
    assert settings.WEBHOOK_RETRY_SECONDS >= 60
    with pytest.raises(SettingsError, match="WEBHOOK_RETRY_SECONDS"):
        load_settings({**stage_environment(stage_name), "WEBHOOK_RETRY_SECONDS": "2"})


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_the_policy_allows_the_batch_writes_the_code_makes(stage_name: str) -> None:
    """Bulk invitation rows, ERP contacts, erasure and cleanup write 25 items a call
    (``BatchWriteItem``): denied on AWS unless the stage's policy grants it on their tables."""
    stage = load_stage(stage_name)
    granted = {
        resource
        for statement in _policy_file(stage_name)["Statement"]
        if "dynamodb:BatchWriteItem" in _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"])
    }
    jobs = next(t.name for t in stage.tables if t.model.TABLE_SUFFIX == "invitation-jobs")
    assert any(r.endswith(f"table/{jobs}") for r in granted)
