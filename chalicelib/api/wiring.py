"""Hooks between features that sit on one layer or the wrong way round for a direct import.

An ERP link (``chalicelib.erp``) makes the customer a member of the company whose ERP
account number matches, and a suspended link ends that membership, in the link's own
transaction. erp sits below companies in the layers, so it declares the hook
(``linking.register_memberships``) and this module, above both, plugs companies in.
Imported by ``app.py`` (every Lambda and the tests load it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import companies, erp
from chalicelib.identity import Customer
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def erp_memberships(
    c: Container, customer: Customer, erp_account: str, role: str, *, active: bool
) -> list[tuple[str, Step]]:
    return companies.erp_membership_steps(c, erp_account, customer, role, erp.ACTOR, active=active)


erp.register_memberships(erp_memberships)
