"""Budgets: how often one subject (an email address, a source IP) may do one kind of thing.

A budget allows ``short.limit`` uses per short window and ``long.limit`` per long window
(3 an hour and 10 a day per recipient; 30 a minute and 600 an hour per source IP).
Windows are fixed, aligned on the epoch: across one boundary a subject may use the short
limit twice in a row, never more than the long limit.

Counting is one item per (kind, subject, long window) and one conditional ``UpdateItem``,
``ADD total 1, w<n> 1`` if both are below their limits (``w<n>`` counts short window n of
the long one). DynamoDB applies each update alone, so concurrent requests cannot overspend,
and the happy path reads nothing. The subject is stored only as an HMAC under a key
derived from the stage secret: the table holds no address and no IP.

The update is either a request of its own (``spend``, the per-source budgets answered 429)
or one item of the caller's transaction (``Charge.step``: the outbox charges a recipient's
budget in the transaction that queues the email, so a change that does not commit spends
nothing; see ``transactions.run``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.kernel.dynamo import error_code, translated
from chalicelib.kernel.errors import TooManyRequests
from chalicelib.kernel.models import BudgetCounter
from chalicelib.kernel.observability import logger, metric

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

#: Route groups with a per-source budget: the routes that hash passwords or send email.
SOURCE_GROUPS = ("sign_up", "sign_in", "password", "invitation", "code")
#: The storefront servers' calls (checkout, hand-off): their source is their key, not an IP
#: that all of a shop's customers share when the storefront calls from its server.
STOREFRONT = "storefront"


@dataclass(frozen=True)
class Window:
    seconds: int
    limit: int


@dataclass(frozen=True)
class Budget:
    kind: str  # "mail:reset", "source:sign_in": the counter's namespace
    short: Window
    long: Window

    def __post_init__(self) -> None:
        if self.long.seconds % self.short.seconds:
            raise ValueError("the long window must be a whole number of short windows")


@dataclass(frozen=True)
class Charge:
    """One use of ``budget`` by one subject at ``now``: its counter item and short window."""

    budget: Budget
    counter_key: str
    now: int

    @property
    def window_end(self) -> int:
        long = self.budget.long.seconds
        return (self.now // long + 1) * long

    @property
    def short_end(self) -> int:
        short = self.budget.short.seconds
        return (self.now // short + 1) * short

    def _slot(self) -> Path:
        return Path(f"w{(self.now % self.budget.long.seconds) // self.budget.short.seconds}")

    def _actions(self) -> list[Action]:
        return [
            BudgetCounter.total.add(1),
            self._slot().add(1),
            BudgetCounter.expires_at.set(self.window_end),
        ]

    def _condition(self) -> Condition:
        total, slot = BudgetCounter.total, self._slot()
        below_long: Condition = total.does_not_exist() | (total < self.budget.long.limit)
        below_short: Condition = slot.does_not_exist() | (slot < self.budget.short.limit)
        both: Condition = below_long & below_short
        return both

    def step(self, tx: TransactWrite) -> None:
        """The counter's update as one item of a transaction (fails its condition when spent)."""
        tx.update(BudgetCounter(self.counter_key), actions=self._actions(), condition=self._condition())


def charge(c: Container, budget: Budget, subject: str) -> Charge:
    """A use of ``budget`` by ``subject`` now, keyed by an HMAC of the subject."""
    digest = hmac.new(c.key("budget-subjects"), subject.encode("utf-8"), hashlib.sha256).hexdigest()
    now = int(c.clock.now())
    return Charge(budget, f"{budget.kind}#{digest[:32]}#{now // budget.long.seconds}", now)


def spend(item: Charge) -> int | None:
    """Spend one use now: None when it fitted, else the seconds until the budget allows one."""
    if _add(item):
        return None
    counter = _get(item.counter_key)
    spent = counter is None or (counter.total or 0) >= item.budget.long.limit
    return max(1, math.ceil((item.window_end if spent else item.short_end) - item.now))


def source_budget(c: Container, group: str) -> Budget:
    s = c.settings
    if group == STOREFRONT:
        per_minute, per_hour = s.STOREFRONT_BUDGET_PER_MINUTE, s.STOREFRONT_BUDGET_PER_HOUR
    else:
        per_minute, per_hour = s.SOURCE_BUDGET_PER_MINUTE, s.SOURCE_BUDGET_PER_HOUR
    return Budget(f"source:{group}", Window(60, per_minute), Window(3600, per_hour))


def spend_source(c: Container, group: str, source_ip: str) -> None:
    """Count one request of ``group`` from ``source_ip``; past its budget, ``TooManyRequests``."""
    assert group in (*SOURCE_GROUPS, STOREFRONT), group
    wait = spend(charge(c, source_budget(c, group), source_ip))
    if wait is not None:
        metric("RequestsOverBudget")
        logger.info("source over budget", extra={"group": group, "retry_after": wait})
        raise TooManyRequests(retry_after=wait)


@translated
def _add(item: Charge) -> bool:
    try:
        BudgetCounter(item.counter_key).update(actions=item._actions(), condition=item._condition())
    except UpdateError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            return False
        raise
    return True


@translated
def _get(counter_key: str) -> BudgetCounter | None:
    try:
        return BudgetCounter.get(counter_key, consistent_read=True)
    except BudgetCounter.DoesNotExist:
        return None
