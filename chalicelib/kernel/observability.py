"""Structured JSON logs with a correlation id, and EMF metrics, via Powertools.

Nothing personal is logged: addresses go through ``mask_email``; passwords and
tokens are never passed to the logger at all.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "customer-accounts"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CustomerAccounts", service=SERVICE)


def metric(name: str, value: float = 1) -> None:
    """Count one event (``SignUps``, ``SignIns``, ``SignInFailures``, ``EmailsSent``...)."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush_metrics() -> None:
    """Publish what this invocation counted (nothing to publish: nothing printed)."""
    if metrics.metric_set:
        metrics.flush_metrics(raise_on_empty_metrics=False)


def mask_email(address: str) -> str:
    """``jane.doe@example.com`` -> ``j***@e***.com``: enough for operators, not a person."""
    local, _, domain = address.partition("@")
    name, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{name[:1]}***.{tld}" if tld else f"{local[:1]}***@***"
