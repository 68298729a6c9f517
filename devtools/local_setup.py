"""Set up the local stage on a running moto server: tables, secret, sender, staff and
storefront keys.

``python -m devtools.local_setup`` works on ``127.0.0.1:${AWS_PORT:-5000}``;
``devtools.run_local`` calls :func:`set_up` itself. Re-running it is harmless: what
exists is kept (above all the secret, which encrypts the queued emails). The staff key's
secret is ``$LOCAL_STAFF_KEY`` and the storefront key's ``$LOCAL_STOREFRONT_KEY`` when
set, else new ones are generated and printed.
"""

from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from devtools.events import create_bus

#: The stage ``make run`` serves: ``local`` (a website with its own accounts), or with
#: ``LOCAL_STAGE=local-brand-a`` / ``local-brand-b`` one website of the local pool (run
#: the second with another ``PORT`` and the same ``AWS_PORT``: it reuses the moto server).
STAGE = os.environ.get("LOCAL_STAGE") or "local"
REGION = "us-east-1"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
STAFF_KEY_NAME = "local-dev"
STOREFRONT_KEY_NAME = "local-storefront"
#: Settings ``make run`` takes from ``LOCAL_<name>`` in its environment, over the stage's:
#: every caller of a local server is 127.0.0.1 (a storefront's server, its browsers, the e2e
#: tier), so it may need larger per-source budgets than one address on the internet.
LOCAL_OVERRIDES = ("SOURCE_BUDGET_PER_MINUTE", "SOURCE_BUDGET_PER_HOUR")


def aws_environment(aws_port: int) -> dict[str, str]:
    """Fake credentials and every AWS client pointed at the local moto server."""
    return {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


def _stray_aws_variables(environ: dict[str, str]) -> list[str]:
    """Variables that would take a client to a real account or past the local endpoint."""
    fixed = {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE"}
    return [n for n in environ if n in fixed or n.startswith("AWS_ENDPOINT_URL_")]


def _no_proxy(environ: dict[str, str]) -> dict[str, str]:
    """Keep calls to the local servers off any HTTP proxy the environment configures."""
    hosts = [h for h in (environ.get("NO_PROXY") or environ.get("no_proxy") or "").split(",") if h]
    value = ",".join(dict.fromkeys([*hosts, *LOCAL_HOSTS]))
    return {"NO_PROXY": value, "no_proxy": value}


def local_environ(base: dict[str, str], aws_port: int) -> dict[str, str]:
    """``base`` with the local AWS settings: never a real account, even with one configured."""
    env = {k: v for k, v in base.items() if k not in _stray_aws_variables(base)}
    return {**env, **aws_environment(aws_port), **_no_proxy(base)}


def use_local_aws(aws_port: int) -> None:
    """Point this process's AWS clients at the local moto server."""
    for name in _stray_aws_variables(dict(os.environ)):
        del os.environ[name]
    os.environ.update({**aws_environment(aws_port), **_no_proxy(dict(os.environ))})


def _on_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    if parts.hostname not in LOCAL_HOSTS:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{port}"))


def stage_settings(port: int, storefront_url: str | None = None) -> dict[str, str]:
    """The ``local`` stage's environment, its local URLs moved to the API's real port.

    ``storefront_url`` replaces ``STOREFRONT_URL`` (a storefront served locally elsewhere);
    ``LOCAL_<name>`` variables replace the settings of ``LOCAL_OVERRIDES``.
    """
    from chalicelib.kernel.stage_config import stage_environment

    env = stage_environment(STAGE)
    for name in LOCAL_OVERRIDES:
        if os.environ.get(f"LOCAL_{name}"):
            env[name] = os.environ[f"LOCAL_{name}"]
    for name in ("PUBLIC_API_URL", "STOREFRONT_URL"):
        env[name] = _on_port(env[name], port)
    if storefront_url:
        env["STOREFRONT_URL"] = storefront_url
    return env


@dataclass(frozen=True)
class SetupResult:
    staff_key: str
    staff_key_id: str
    staff_key_from_env: bool
    storefront_key: str = ""
    storefront_key_from_env: bool = False


def set_up(
    stage_env: dict[str, str],
    endpoint_url: str,
    staff_secret: str | None = None,
    storefront_secret: str | None = None,
) -> SetupResult:
    """Create what the stage needs on the moto server at ``endpoint_url`` (idempotent)."""
    import boto3

    from chalicelib.tables import create_tables

    shared = stage_env.get("POOL_TABLE_PREFIX") if stage_env.get("ACCOUNT_SCOPE") == "shared" else None
    create_tables(stage_env["TABLE_PREFIX"], REGION, host=endpoint_url, shared_prefix=shared)
    _create_secret(boto3.client("secretsmanager", region_name=REGION, endpoint_url=endpoint_url), stage_env)
    _create_sender(boto3.client("sesv2", region_name=REGION, endpoint_url=endpoint_url), stage_env)
    create_bus(f"{stage_env['TABLE_PREFIX']}-events", endpoint_url, REGION)  # Settings.event_bus_name
    _create_imports_bucket(boto3.client("s3", region_name=REGION, endpoint_url=endpoint_url), stage_env)
    key_id, secret = create_staff_key(stage_env, staff_secret)
    storefront = create_storefront_key(stage_env, storefront_secret)
    return SetupResult(
        staff_key=secret,
        staff_key_id=key_id,
        staff_key_from_env=staff_secret is not None,
        storefront_key=storefront,
        storefront_key_from_env=storefront_secret is not None,
    )


def _create_secret(client: object, stage_env: dict[str, str]) -> None:
    from botocore.exceptions import ClientError

    try:
        client.create_secret(Name=stage_env["SECRET_ID"], SecretString=secrets.token_urlsafe(48))  # type: ignore[attr-defined]
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceExistsException":
            raise  # keep an existing secret: queued emails are encrypted with it


def _create_sender(client: object, stage_env: dict[str, str]) -> None:
    from botocore.exceptions import ClientError

    try:
        client.create_email_identity(EmailIdentity=stage_env["MAIL_FROM"])  # type: ignore[attr-defined]
    except ClientError as e:
        if e.response["Error"]["Code"] != "AlreadyExistsException":
            raise


def _create_imports_bucket(client: object, stage_env: dict[str, str]) -> None:
    """The bucket of customer-import files, as the template makes it on AWS."""
    from botocore.exceptions import ClientError

    from chalicelib.kernel.settings import load_settings

    try:
        client.create_bucket(Bucket=load_settings(stage_env).imports_bucket)  # type: ignore[attr-defined]
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise


def create_staff_key(stage_env: dict[str, str], secret: str | None) -> tuple[str, str]:
    """A staff key named ``local-dev`` (the one with ``secret`` if it exists already)."""
    from chalicelib.identity import staff_keys as staff
    from chalicelib.kernel.bootstrap import Container
    from chalicelib.kernel.settings import load_settings

    container = Container(settings=load_settings(stage_env))
    key, value = staff.create(container, STAFF_KEY_NAME, secret)
    return key.key_id, value


def create_storefront_key(stage_env: dict[str, str], secret: str | None) -> str:
    """A storefront key named ``local-storefront`` (the one with ``secret`` if it exists)."""
    from chalicelib.identity import storefront_keys
    from chalicelib.kernel.bootstrap import Container
    from chalicelib.kernel.settings import load_settings

    container = Container(settings=load_settings(stage_env))
    return storefront_keys.create(container, STOREFRONT_KEY_NAME, secret)[1]


def main(argv: list[str] | None = None) -> int:
    from chalicelib.kernel.errors import DomainError
    from devtools.moto_server import default_port

    parser = argparse.ArgumentParser(
        prog="python -m devtools.local_setup", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--aws-port", type=int, default=default_port(), help="default: $AWS_PORT or 5000")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT") or 8000), help="the API's port"
    )
    args = parser.parse_args(argv)
    use_local_aws(args.aws_port)
    try:
        result = set_up(
            stage_settings(args.port, os.environ.get("LOCAL_STOREFRONT_URL")),
            os.environ["AWS_ENDPOINT_URL"],
            os.environ.get("LOCAL_STAFF_KEY") or None,
            os.environ.get("LOCAL_STOREFRONT_KEY") or None,
        )
    except DomainError as e:
        print(f"error: {e.message}")
        return 1
    source = " (from $LOCAL_STAFF_KEY)" if result.staff_key_from_env else ""
    shop_source = " (from $LOCAL_STOREFRONT_KEY)" if result.storefront_key_from_env else ""
    print(f"local stage ready on {os.environ['AWS_ENDPOINT_URL']}; staff key{source}: {result.staff_key}")
    print(f"storefront key{shop_source}: {result.storefront_key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
