"""Cost per 1,000 monthly active customers, from the measured operations, beside Cognito's plans.

``measure`` prices every operation of the usage profile (``bench.cost.model.PROFILE``) from its
measured run; ``sections`` says where the money goes and draws the monthly cost against 10,000
to 1,000,000 active customers (matplotlib, next to the report).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.cost.model import (
    COGNITO_ESSENTIALS,
    COGNITO_LITE,
    PROFILE,
    SENDER,
    OperationCost,
    cognito_month,
    monthly_per_customer,
    operation_cost,
    service_month,
)
from bench.harness.sections import Block, Bullets, Section, Table
from bench.harness.timing import Result

SCALE = (10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
CHART = "cost-per-active-customers.png"


@dataclass(frozen=True)
class Costs:
    operations: dict[str, OperationCost]
    full: dict[str, float]  # dollars per active customer per month, by component
    identity: dict[str, float]  # the same for what Cognito covers


def measure(results: list[Result]) -> Costs:
    by_key = {r.key: r for r in results}
    wanted = {use.key for use in PROFILE} | {SENDER}
    missing = sorted(wanted - by_key.keys())
    if missing:
        raise KeyError(f"the cost profile names unmeasured operations: {', '.join(missing)}")
    operations = {key: operation_cost(by_key[key]) for key in sorted(wanted)}
    return Costs(operations, monthly_per_customer(operations), monthly_per_customer(operations, True))


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 else f"${value:.4f}"


def draw(costs: Costs, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    full, identity = sum(costs.full.values()), sum(costs.identity.values())
    figure, axes = pyplot.subplots(figsize=(8, 4.8), dpi=110)
    lines = (
        ("this service, everything in the profile", [service_month(n, full) for n in SCALE], "-"),
        ("this service, the part Cognito covers", [service_month(n, identity) for n in SCALE], "--"),
        ("Cognito Lite", [cognito_month(n, COGNITO_LITE) for n in SCALE], ":"),
        ("Cognito Essentials", [cognito_month(n, COGNITO_ESSENTIALS) for n in SCALE], "-."),
    )
    for label, values, style in lines:
        axes.plot(SCALE, [max(v, 0.01) for v in values], style, marker="o", label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("monthly active customers")
    axes.set_ylabel("US dollars per month (log)")
    axes.set_title("Monthly cost: this service against Cognito's list prices")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def sections(costs: Costs, chart: Path | None) -> list[Section]:
    full, identity = sum(costs.full.values()), sum(costs.identity.values())
    profile = Table(
        ["Operation (measured row)", "Per active customer a month", "Emails", "Cognito covers it"],
        [
            [
                f"{use.what} (`{use.key}`)",
                f"{use.per_month:g}",
                f"{use.emails:g}",
                "yes" if use.identity else "",
            ]
            for use in PROFILE
        ],
        "lrrl",
    )
    components = sorted(costs.full, key=lambda c: -costs.full[c])
    money = Table(
        ["Where the money goes", "Per 1,000 active customers a month", "Share", "Cognito's part"],
        [
            [
                c,
                _usd(costs.full[c] * 1000),
                f"{costs.full[c] / full:.0%}",
                _usd(costs.identity.get(c, 0) * 1000),
            ]
            for c in components
        ]
        + [["**Total**", f"**{_usd(full * 1000)}**", "100%", f"**{_usd(identity * 1000)}**"]],
        "lrrr",
    )
    scale = Table(
        ["Active customers", "This service", "Its Cognito part", "Cognito Lite", "Cognito Essentials"],
        [
            [
                f"{n:,}",
                _usd(service_month(n, full)),
                _usd(service_month(n, identity)),
                _usd(cognito_month(n, COGNITO_LITE)),
                _usd(cognito_month(n, COGNITO_ESSENTIALS)),
            ]
            for n in SCALE
        ],
        "rrrrr",
    )
    per_op = Table(
        ["Operation", "Read units", "Write units", "Lambda ms (est.)", "$ per million"],
        [
            [
                f"`{key}`",
                f"{op.read_units:g}",
                f"{op.write_units:g}",
                f"{op.lambda_seconds * 1000:.0f}",
                _usd(sum(op.dollars(key != SENDER).values()) * 1e6),
            ]
            for key, op in costs.operations.items()
        ],
        "lrrrr",
    )
    blocks: list[Block] = [
        "What a month of active customers costs on AWS, worked out from the operations measured above "
        "and a stated usage profile: DynamoDB request units from the sizes of the items each call read "
        "or wrote (on-demand), Lambda GB-seconds from each handler's measured time at the configured "
        "1,024 MB, one API Gateway request per call, one SES email and one stream invocation per email, "
        "Secrets Manager calls (one per new container), log volume and storage. Prices: AWS's on-demand "
        "list prices in us-east-1 (`bench/cost/model.py`); Cognito's are its November 2024 plans, "
        "10,000 active users free on Lite and Essentials (pools created before keep 50,000).",
        profile,
        money,
        scale,
        per_op,
        Bullets(
            [
                f"Per 1,000 active customers a month: **{_usd(full * 1000)}** for everything in the profile, "
                f"{_usd(identity * 1000)} for the part Cognito covers; Cognito Essentials charges "
                "$15.00 per 1,000 past its free 10,000, Lite $5.50 then $4.60.",
                "Cognito's price covers sign-up, sign-in, tokens and recovery only: its emails (SES) and "
                "everything else here (orders, addresses, guests, the portal) would be paid on top.",
                "Lambda time is the handler's own time measured here (moto's left out) plus an in-region "
                "round trip per AWS call (5 ms DynamoDB, 30 ms SES); argon2 is scaled to the function's "
                "share of a vCPU at 1,024 MB. Real figures move with traffic shape and cold starts.",
                "Not counted: data transfer, CloudWatch alarms and metrics, WAF (optional), the S3 "
                "artefacts bucket, and free tiers (Lambda's and DynamoDB's would make small shops cheaper).",
            ]
        ),
    ]
    if chart is not None:
        draw(costs, chart)
        blocks.insert(4, f"![Monthly cost against active customers]({chart.name})")
    return [Section("Cost per 1,000 monthly active customers", blocks)]
