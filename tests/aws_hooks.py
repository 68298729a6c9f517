"""Hooks at the AWS boundary, installed in every botocore session the tests create.

- ``calls``: every AWS operation made (service, operation), to count DynamoDB calls and
  prove no handler scans.
- ``faults``: make the next N calls of an operation answer an AWS error (throttling,
  outage) the way the service would, before anything reaches moto.

Registered through ``botocore.handlers.BUILTIN_HANDLERS`` so sessions made later
(pynamodb makes one per connection; the tests hand SES a fresh one) all carry them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import botocore.handlers
from botocore.awsrequest import AWSResponse


@dataclass
class Fault:
    service: str
    operation: str
    code: str
    status: int
    remaining: int
    skip: int = 0  # matching calls to let through first


@dataclass
class Hooks:
    calls: list[tuple[str, str]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def reset(self) -> None:
        self.calls.clear()
        self.faults.clear()

    def fail(
        self, service: str, operation: str, code: str, *, status: int = 400, times: int = 1, after: int = 0
    ) -> None:
        """The next ``times`` calls of ``operation``, once ``after`` of them went through, fail."""
        self.faults.append(Fault(service, operation, code, status, times, after))

    def operations(self, service: str = "dynamodb") -> list[str]:
        return [op for svc, op in self.calls if svc == service]

    def before_call(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        service = model.service_model.endpoint_prefix
        if service == "email":
            service = "sesv2"
        self.calls.append((service, model.name))
        for fault in self.faults:
            if fault.remaining > 0 and fault.service == service and fault.operation == model.name:
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.remaining -= 1
                response = AWSResponse("https://fault.invalid", fault.status, {}, None)
                parsed = {
                    "Error": {"Code": fault.code, "Message": "injected by the test"},
                    "ResponseMetadata": {"HTTPStatusCode": fault.status},
                }
                return response, parsed
        return None


HOOKS = Hooks()
_EVENT = ("before-call", HOOKS.before_call)
if _EVENT not in botocore.handlers.BUILTIN_HANDLERS:
    botocore.handlers.BUILTIN_HANDLERS.append(_EVENT)
