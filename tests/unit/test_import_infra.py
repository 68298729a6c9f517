"""The customer-import bucket: made by the template, reached only under its prefix."""

from __future__ import annotations

import pytest

from chalicelib.kernel.stage_config import stage_names
from infra import policy as policies
from infra.stage import load_stage
from infra.template import merge_template

pytestmark = pytest.mark.unit
PACKAGED = [name for name in stage_names() if name != "local"]


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_the_bucket_is_encrypted_private_tls_only_and_expires_files_after_7_days(stage_name: str) -> None:
    stage = load_stage(stage_name)
    resources = merge_template(stage)["Resources"]
    bucket = resources["ImportsBucket"]["Properties"]
    assert bucket["BucketName"] == stage.settings.imports_bucket
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    [expiry] = bucket["LifecycleConfiguration"]["Rules"]
    assert (expiry["Prefix"], expiry["ExpirationInDays"], expiry["Status"]) == ("imports/", 7, "Enabled")
    [deny] = resources["ImportsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize("stage_name", PACKAGED)
def test_the_policy_grants_objects_under_the_prefix_only(stage_name: str) -> None:
    stage = load_stage(stage_name)
    statements = policies.stage_policy(stage)["Statement"]
    s3 = [s for s in statements if any(str(a).startswith("s3:") for a in s["Action"])]
    assert s3 == [
        {
            "Sid": "ImportFiles",
            "Effect": "Allow",
            "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            "Resource": [f"arn:aws:s3:::{stage.settings.imports_bucket}/imports/*"],
        }
    ]
