"""Per-recipient email budgets: the emails a caller can make us send to an address it may
not own, a few per address and kind an hour and a day; past that they are dropped.

Every email goes through ``compose``, which charges the budget of the templates below:
the charge is one more item of the transaction that queues the email (``transactions.run``),
so a change that does not commit spends nothing, and an email past its budget is never
queued (the answer to the caller is the same either way). Emails to the customer's own,
proven address (password changed, email changed, the notice of an email change) and
staff invitations are not budgeted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.kernel.budgets import Budget, Charge, Window, charge

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

#: template -> budget kind. One-time sign-in codes add their template here.
BUDGETED = {
    "verify": "verify",
    "account_exists": "account_exists",
    "reset": "reset",
    "merge_offer": "merge_offer",
    "email_change_confirm": "email_change",
    "sign_in_code": "sign_in_code",
    "erasure_confirm": "erasure",
    "company_invitation": "company_invitation",  # a company admin invites any address
    "email_change_taken": "email_change",  # instead of the confirmation, to a taken address
}


def recipient_budget(c: Container, kind: str) -> Budget:
    s = c.settings
    per_hour = s.EMAIL_BUDGET_PER_HOUR
    if kind == "sign_in_code":  # the codes' own cap (5 an hour) is the tighter rule for them
        per_hour = max(per_hour, s.CODE_SENDS_PER_HOUR)
    hourly, daily = Window(3600, per_hour), Window(86400, max(s.EMAIL_BUDGET_PER_DAY, per_hour))
    return Budget(f"mail:{kind}", hourly, daily)


def recipient_charge(c: Container, template: str, to: str) -> Charge | None:
    """The charge on ``to``'s budget for an email of ``template`` (None: not budgeted)."""
    kind = BUDGETED.get(template)
    return None if kind is None else charge(c, recipient_budget(c, kind), to)
