"""The one place that wires dependencies.

``get_container()`` builds the container on first use from the stage environment
(clients are created lazily, after moto or the Lambda runtime is ready). Tests and
tools hand in their own pieces through ``use_container(Container(...))``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.kernel.clock import Clock, SystemClock
from chalicelib.kernel.models import configure_tables
from chalicelib.kernel.observability import metrics
from chalicelib.kernel.security import derive_key, password_hasher
from chalicelib.kernel.settings import Settings, load_settings

if TYPE_CHECKING:
    from argon2 import PasswordHasher


class SecretSource(Protocol):
    def master_secret(self) -> str: ...


class SecretsManagerSource:
    """The stage's master secret from Secrets Manager, cached for five minutes."""

    def __init__(self, secret_id: str, session: Callable[[], Any] | None = None) -> None:
        self.secret_id = secret_id
        self._session = session
        self._provider: Any = None

    def master_secret(self) -> str:
        from aws_lambda_powertools.utilities import parameters

        if self._provider is None:
            session = self._session() if self._session else None
            self._provider = parameters.SecretsProvider(boto3_session=session)
        value = self._provider.get(self.secret_id, max_age=300)
        return value if isinstance(value, str) else bytes(value).decode("utf-8")


class StaticSecret:
    """A fixed secret (benchmarks and unit tests that need no AWS)."""

    def __init__(self, value: str) -> None:
        self.value = value

    def master_secret(self) -> str:
        return self.value


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


@dataclass
class Container:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    secrets: SecretSource | None = None
    ses_client: Any = None
    eventbridge_client: Any = None
    s3_client: Any = None
    #: what a feature keeps for the life of the container (a Lambda's warm start), by name:
    #: e.g. identity's block of customer references
    state: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        configure_tables(
            self.settings.TABLE_PREFIX, _region(), shared_prefix=self.settings.shared_table_prefix
        )
        if self.secrets is None:
            self.secrets = SecretsManagerSource(self.settings.SECRET_ID, lambda: self.boto_session)

    @cached_property
    def boto_session(self) -> Any:
        """pynamodb's botocore session for every client: service data loads once per cold start.

        One boto3 session per botocore session, whatever the number of containers in the
        process (tests, the bench, ``make run``): boto3 registers its S3 helpers on the
        botocore session it wraps, and a second wrapper makes every new S3 client fail."""
        import boto3

        from chalicelib.kernel.models import Token

        botocore_session = Token._get_connection().connection.session
        wrapped = _boto3_sessions.get(id(botocore_session))
        if wrapped is None or wrapped._session is not botocore_session:
            wrapped = boto3.Session(botocore_session=botocore_session, region_name=_region())
            _boto3_sessions[id(botocore_session)] = wrapped
        return wrapped

    @cached_property
    def hasher(self) -> PasswordHasher:
        return password_hasher(self.settings.ARGON2_MEMORY_KIB, self.settings.ARGON2_TIME_COST)

    def key(self, label: str) -> bytes:
        assert self.secrets is not None
        return derive_key(self.secrets.master_secret(), label)

    @property
    def ses(self) -> Any:
        if self.ses_client is None:
            self.ses_client = self.boto_session.client("sesv2")
        return self.ses_client

    @property
    def eventbridge(self) -> Any:
        if self.eventbridge_client is None:
            self.eventbridge_client = self.boto_session.client("events")
        return self.eventbridge_client

    @property
    def s3(self) -> Any:
        """S3 (customer-import files), with SigV4 so presigned URLs work in every region."""
        if self.s3_client is None:
            from botocore.config import Config

            self.s3_client = self.boto_session.client("s3", config=Config(signature_version="s3v4"))
        return self.s3_client


_container: Container | None = None
_boto3_sessions: dict[int, Any] = {}


def get_container() -> Container:
    """The process-wide container; settings are validated here, once per cold start."""
    global _container
    if _container is None:
        _container = Container(settings=load_settings())
        metrics.set_default_dimensions(website=_container.settings.WEBSITE_ID)
    return _container


def use_container(container: Container | None) -> None:
    """Install ``container`` (or forget the current one so the next call rebuilds it)."""
    global _container
    _container = container
