"""Package one stage as CloudFormation: ``python -m devtools.package STAGE`` (``make package``).

Steps, each one failing loudly:

1. refuse ``local`` (it only runs on moto, ``make run``) and unknown stages;
2. validate the stage's settings;
3. check ``.chalice/policy-STAGE.json`` is exactly the policy ``infra/policy.py`` derives
   from the settings, the models and the app (and grants no Scan, no ``*``);
4. write the merge template (``infra/template.py``) to ``dist/STAGE/infra-merge.json``;
5. ``chalice package --stage STAGE --merge-template ... dist/STAGE`` (-> sam.json, deployment.zip);
6. check the merged template: every merged resource landed on a Chalice resource, every
   function role carries the stage policy;
7. ``cfn-lint dist/STAGE/sam.json``, failing on any finding; when ``aws-sam-translator`` is
   installed, the SAM transform is run offline too and its output linted.

``python -m devtools.package --write-policies`` rewrites every stage's policy file;
``--write-golden`` rewrites the templates the tests hold the generated ones against
(``tests/unit/golden/``), for a change that means to alter the infrastructure.
Nothing here calls AWS; building the zip downloads Linux wheels from PyPI on first use.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # app.py, chalicelib and infra live at the root
    sys.path.insert(0, str(ROOT))

from chalicelib.kernel.errors import SettingsError  # noqa: E402
from chalicelib.kernel.stage_config import load_config, stage_names  # noqa: E402
from devtools.slim_zip import prune_locale_data  # noqa: E402
from infra import policy as policies  # noqa: E402
from infra.stage import Stage, load_stage, pool_problems  # noqa: E402
from infra.template import merge_template  # noqa: E402


def is_local(stage: str) -> bool:
    """``local`` and ``local-…`` stages run on moto (``make run``) and are never deployed."""
    return stage == "local" or stage.startswith("local-")


BIN = Path(sys.executable).parent
#: chalice package only needs *a* region to load its config; the template uses ${AWS::Region}.
PLACEHOLDER_REGION = "us-east-1"


class PackagingFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def _tool(name: str) -> str:
    candidate = BIN / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise PackagingFailed(f"{name} not found (run `make install`)")
    return found


def policy_path(stage: str) -> Path:
    config = load_config()
    stage_config = config["stages"][stage]
    filename = stage_config.get("iam_policy_file", config.get("iam_policy_file"))
    if not filename:
        raise PackagingFailed(
            f'stage {stage} has no "iam_policy_file" in .chalice/config.json: add '
            f'"iam_policy_file": "policy-{stage}.json" and "autogen_policy": false to its block, then '
            "run `.venv/bin/python -m devtools.package --write-policies` (docs/OPERATIONS.md, Add a website)"
        )
    autogen = stage_config.get("autogen_policy", config.get("autogen_policy", True))
    if autogen:
        raise PackagingFailed(f"stage {stage} must set autogen_policy: false (its policy is {filename})")
    return ROOT / ".chalice" / str(filename)


def write_policies() -> int:
    paths = {name: policy_path(name) for name in stage_names()}  # every stage names one, or none is written
    for name, path in paths.items():
        path.write_text(policies.render(policies.stage_policy(load_stage(name))), "utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


GOLDEN = ROOT / "tests" / "unit" / "golden"


def golden_path(stage: str) -> Path:
    return GOLDEN / f"template-{stage}.json"


def write_golden() -> int:
    for name in stage_names():
        if is_local(name):
            continue
        path = golden_path(name)
        path.write_text(json.dumps(merge_template(load_stage(name)), indent=1, sort_keys=True), "utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def check_policy(stage: Stage) -> None:
    path = policy_path(stage.name)
    expected = policies.stage_policy(stage)
    hint = "run `.venv/bin/python -m devtools.package --write-policies` and review the diff"
    if not path.exists():
        raise PackagingFailed(f"{path.relative_to(ROOT)} is missing: {hint}")
    actual = json.loads(path.read_text("utf-8"))
    found = policies.problems(actual)
    if found:
        raise PackagingFailed(f"{path.relative_to(ROOT)} is not least-privilege: {'; '.join(found)}")
    if actual != expected:
        raise PackagingFailed(f"{path.relative_to(ROOT)} differs from what the code needs: {hint}")


def chalice_package(stage: Stage, merge_file: Path, out: Path) -> None:
    env = dict(os.environ)
    if not (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")):
        env["AWS_DEFAULT_REGION"] = PLACEHOLDER_REGION
    command = [
        _tool("chalice"),
        "--project-dir",
        str(ROOT),
        "package",
        "--stage",
        stage.name,
        "--merge-template",
        str(merge_file),
        str(out),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        raise PackagingFailed(f"chalice package failed (exit {result.returncode})")


def check_merged(stage: Stage, merged: dict[str, Any], template: dict[str, Any]) -> None:
    """Every merged resource is complete, and Chalice's roles carry the checked policy."""
    resources = template.get("Resources", {})
    incomplete = sorted(lid for lid, r in resources.items() if "Type" not in r)
    if incomplete:
        raise PackagingFailed(
            f"merged into resources Chalice did not create: {', '.join(incomplete)} "
            "(a function or the API was renamed? see infra/stage.py)"
        )
    for f in stage.functions:
        if resources[f.logical_id]["Type"] != "AWS::Serverless::Function":
            raise PackagingFailed(f"{f.logical_id} is not a Lambda function in Chalice's template")
    expected = policies.stage_policy(stage)
    for lid, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Role" and lid not in merged["Resources"]:
            documents = [p["PolicyDocument"] for p in resource["Properties"].get("Policies", [])]
            if documents != [expected]:
                raise PackagingFailed(f"role {lid} does not carry exactly the stage policy")


def cfn_lint(path: Path) -> None:
    result = subprocess.run([_tool("cfn-lint"), str(path)], cwd=ROOT, check=False)
    if result.returncode != 0:
        raise PackagingFailed(
            f"cfn-lint found problems in {path.relative_to(ROOT)} (exit {result.returncode})"
        )


def sam_transform(template: dict[str, Any], out: Path) -> Path | None:
    """The plain CloudFormation the SAM transform makes, computed offline (if installed)."""
    try:
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator
    except ImportError:
        return None
    sam = copy.deepcopy(template)
    for resource in sam["Resources"].values():  # the translator wants S3 code locations
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://deployment-bucket/deployment.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", PLACEHOLDER_REGION)
    translator = Translator(managed_policy_map={}, sam_parser=Parser())
    transformed = translator.translate(sam_template=sam, parameter_values={})
    out.write_text(json.dumps(transformed, indent=2, default=str), "utf-8")
    return out


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1024:,.1f} KiB"


def package(stage_name: str) -> int:
    started = time.monotonic()
    if is_local(stage_name):
        print(
            f"refusing to package stage {stage_name!r}: it is never deployed (it runs on moto with "
            f"`make run`). Package one of: {', '.join(s for s in stage_names() if not is_local(s))}",
            file=sys.stderr,
        )
        return 2
    if stage_name not in stage_names():
        print(
            f"no stage {stage_name!r} in .chalice/config.json; stages: {', '.join(stage_names())}",
            file=sys.stderr,
        )
        return 2
    try:
        step(f"validating the settings of stage {stage_name}")
        stage = load_stage(stage_name)
        print(f"    website {stage.settings.WEBSITE_ID}, tables {stage.settings.TABLE_PREFIX}-*")
        if stage.in_pool:
            role = "owns" if stage.owns_pool else "imports from its owner"
            print(
                f"    pool {stage.settings.ACCOUNT_POOL}: {role} the shared tables "
                f"{stage.settings.POOL_TABLE_PREFIX}-{{customers,logins,budgets}} and the secret"
            )
            problems = pool_problems(stage_name)
            if problems:
                raise PackagingFailed("; ".join(problems))

        step(f"checking .chalice/{policy_path(stage_name).name} (least privilege, up to date)")
        check_policy(stage)

        out = ROOT / "dist" / stage_name
        step(f"writing the merge template to {out.relative_to(ROOT)}/infra-merge.json")
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        merged = merge_template(stage)
        merge_file = out / "infra-merge.json"
        merge_file.write_text(json.dumps(merged, indent=2) + "\n", "utf-8")

        step("chalice package (builds the Lambda zip; Linux wheels come from PyPI on first use)")
        chalice_package(stage, merge_file, out)
        removed = prune_locale_data(out / "deployment.zip")
        print(f"    {removed} CLDR files of languages the service does not speak left out of the zip")
        template_path = out / "sam.json"
        template = json.loads(template_path.read_text("utf-8"))

        step("checking the merged template")
        check_merged(stage, merged, template)

        step(f"cfn-lint {template_path.relative_to(ROOT)}")
        cfn_lint(template_path)
        transformed = sam_transform(template, out / "transformed-for-lint.json")
        if transformed is None:
            print("    (SAM transform check skipped: pip install aws-sam-translator to enable it)")
        else:
            step(f"cfn-lint {transformed.relative_to(ROOT)} (offline SAM transform)")
            cfn_lint(transformed)
    except SettingsError as e:
        print(f"stage {stage_name}: {e.message}", file=sys.stderr)
        return 1
    except PackagingFailed as e:
        print(f"packaging {stage_name} failed: {e}", file=sys.stderr)
        return 1
    zip_path = out / "deployment.zip"
    print(
        f"packaged {stage_name} in {time.monotonic() - started:.1f}s: "
        f"{template_path.relative_to(ROOT)} ({_size(template_path)}, "
        f"{len(template['Resources'])} resources), {zip_path.relative_to(ROOT)} ({_size(zip_path)})"
    )
    print(f"deploy: see docs/OPERATIONS.md (aws cloudformation package/deploy of {template_path.name})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.package", description=__doc__.split("\n")[0])
    parser.add_argument("stage", nargs="?", help="stage name in .chalice/config.json")
    parser.add_argument(
        "--write-policies", action="store_true", help="rewrite .chalice/policy-<stage>.json for every stage"
    )
    parser.add_argument(
        "--write-golden", action="store_true", help="rewrite tests/unit/golden/template-<stage>.json"
    )
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    if not (args.stage or args.write_policies or args.write_golden):
        parser.error("give a stage (or --write-policies)")
    try:
        if args.write_policies:
            return write_policies()
        if args.write_golden:
            return write_golden()
        return package(args.stage)
    except SettingsError as e:
        print(f"error: {e.message}", file=sys.stderr)
    except PackagingFailed as e:
        print(f"error: {e}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
