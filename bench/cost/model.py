"""The money: AWS list prices, a month of an active customer, and what it costs from the measures.

Every figure comes from a measured operation (``Result``): its DynamoDB request units (from
item sizes, ``bench.harness.capacity``), its SES and Secrets Manager calls, and its handler
time. The prices are AWS's public on-demand list prices in us-east-1 (see ``PRICES``): check
them before deciding anything, they change.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bench.harness.timing import Result

LAMBDA_MEMORY_MB = 1024  # .chalice/config.json lambda_memory_size
FULL_VCPU_MB = 1769  # Lambda gives a whole vCPU at 1,769 MB: argon2 runs slower below it
AWS_CALL_SECONDS = {"dynamodb": 0.005, "sesv2": 0.030, "secretsmanager": 0.020}  # in-region round trips
REQUESTS_PER_CONTAINER = 1_000  # a container's requests before it is recycled: one secret fetch each
LOG_BYTES_PER_REQUEST = 1_500  # one structured JSON line and its metrics (EMF)
STORED_BYTES_PER_CUSTOMER = 12_000  # customer, login, activity, addresses, a few documents


@dataclass(frozen=True)
class Prices:
    """US dollars, us-east-1, on-demand list prices (AWS pricing pages, late 2024 to 2026)."""

    dynamodb_write_unit: float = 0.625 / 1e6  # on-demand write request unit (after the Nov 2024 cut)
    dynamodb_read_unit: float = 0.125 / 1e6  # on-demand read request unit
    dynamodb_gb_month: float = 0.25
    lambda_gb_second: float = 0.0000166667  # x86
    lambda_request: float = 0.20 / 1e6
    api_gateway_request: float = 3.50 / 1e6  # REST API, first 333 million a month
    ses_email: float = 0.10 / 1000
    secret_month: float = 0.40
    secret_call: float = 0.05 / 10_000
    log_gb: float = 0.50  # CloudWatch Logs ingestion


PRICES = Prices()

#: Cognito user pools since November 2024: (MAU up to, price per MAU in that band)
COGNITO_LITE = ((10_000, 0.0), (100_000, 0.0055), (1_000_000, 0.0046), (10_000_000, 0.00325))
COGNITO_ESSENTIALS = ((10_000, 0.0), (10_000_000, 0.015))


@dataclass(frozen=True)
class Use:
    """One operation in the month of an average active customer."""

    key: str  # the measured Result
    per_month: float  # times per active customer per month
    what: str
    emails: float = 0.0  # emails it sends (each one more stream invocation: the `outbox_stream` row)
    identity: bool = False  # part of what Cognito covers (sign-up, sign-in, tokens, recovery, profile)
    via_api: bool = True  # an API Gateway request (the outbox stream's sender is not)


#: The stated usage profile: what a month of one active customer asks of the service.
PROFILE = (
    Use("signin_ok", 2, "sign-ins (two visits)", identity=True),
    Use("refresh", 12, "token refreshes (15-minute access tokens, about 45 minutes a visit)", identity=True),
    Use("me", 10, "GET /me (account header, checkout prefill)", identity=True),
    Use("signout", 1, "sign-outs", identity=True),
    Use("shop_signed_in", 8, "GET /shop/access (may this visitor see prices)"),
    Use("portal_documents", 3, "order history pages"),
    Use("portal_document", 2, "one order opened"),
    Use("portal_addresses", 1, "address book"),
    Use("portal_profile", 0.2, "profile edits", identity=True),
    Use("signup_stream", 0.1, "sign-ups (a tenth of active customers are new)", emails=1, identity=True),
    Use("signup_task", 0.1, "their deferred work (the account, on the stream)", identity=True, via_api=False),
    Use("verify", 0.1, "email verifications", identity=True),
    Use("forgot", 0.05, "forgotten passwords", emails=1, identity=True),
    Use("reset", 0.05, "password resets", emails=1, identity=True),
    Use("guest_checkout", 0.2, "guest checkouts by the storefront's server"),
    Use("register", 0.02, "guests registering later", emails=1),
)
SENDER = "outbox_stream"  # the stream's sender: one invocation per email


@dataclass(frozen=True)
class OperationCost:
    """One operation's resources, from its measured run, and their price."""

    key: str
    read_units: float
    write_units: float
    lambda_seconds: float
    emails: int
    secret_calls: int

    def dollars(self, via_api: bool, p: Prices = PRICES) -> dict[str, float]:
        gb_seconds = self.lambda_seconds * LAMBDA_MEMORY_MB / 1024
        return {
            "DynamoDB reads": self.read_units * p.dynamodb_read_unit,
            "DynamoDB writes": self.write_units * p.dynamodb_write_unit,
            "Lambda compute": gb_seconds * p.lambda_gb_second,
            "Lambda requests": p.lambda_request,
            "API Gateway": p.api_gateway_request if via_api else 0.0,
            "SES": self.emails * p.ses_email,
            "Secrets Manager calls": (self.secret_calls + 1 / REQUESTS_PER_CONTAINER) * p.secret_call,
            "CloudWatch Logs": LOG_BYTES_PER_REQUEST / 1e9 * p.log_gb,
        }


def operation_cost(result: Result) -> OperationCost:
    """What one run of ``result`` uses on AWS: the handler's own time measured here (moto's left
    out), argon2 scaled to the function's share of a vCPU, plus an in-region round trip per call."""
    latency = statistics.median(result.latencies)
    in_aws = statistics.median(result.aws_seconds) if result.aws_seconds else 0.0
    argon2 = statistics.median(result.argon2_seconds) if result.argon2_seconds else 0.0
    own = max(latency - in_aws - argon2, 0.0)
    cpu_share = min(LAMBDA_MEMORY_MB / FULL_VCPU_MB, 1.0)
    trips = sum(AWS_CALL_SECONDS.get(c.service, 0.01) for c in result.calls)
    dynamodb = result.dynamodb()
    return OperationCost(
        result.key,
        read_units=sum(c.read_units for c in dynamodb),
        write_units=sum(c.write_units for c in dynamodb),
        lambda_seconds=own + argon2 / cpu_share + trips,
        emails=sum(1 for c in result.calls if c.service == "sesv2" and c.operation.startswith("Send")),
        secret_calls=sum(1 for c in result.calls if c.service == "secretsmanager"),
    )


def monthly_per_customer(costs: dict[str, OperationCost], identity_only: bool = False) -> dict[str, float]:
    """Dollars per active customer per month, by component, for the profile (or its identity part)."""
    total: dict[str, float] = {}
    for use in PROFILE:
        if identity_only and not use.identity:
            continue
        parts = [
            (costs[use.key], use.per_month, use.via_api),
            (costs[SENDER], use.per_month * use.emails, False),
        ]
        for cost, times, via_api in parts:
            for component, dollars in cost.dollars(via_api).items():
                total[component] = total.get(component, 0.0) + dollars * times
    total["DynamoDB storage"] = STORED_BYTES_PER_CUSTOMER / 1e9 * PRICES.dynamodb_gb_month
    return total


def service_month(customers: int, per_customer: float) -> float:
    """A month for ``customers`` active customers: their use plus the stage's secret."""
    return customers * per_customer + PRICES.secret_month


def cognito_month(customers: int, bands: tuple[tuple[int, float], ...]) -> float:
    """Cognito's MAU price for ``customers`` active users, band by band."""
    dollars, below = 0.0, 0
    for upto, price in bands:
        if customers <= below:
            break
        dollars += (min(customers, upto) - below) * price
        below = upto
    return dollars
