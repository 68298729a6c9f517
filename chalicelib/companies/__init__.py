"""Companies (group accounts): a company with a status and members with a role; requests to
create or join one, approved by staff or the company's admins; invitations; acting for a
company (its id, role and status in the access token); its documents seen by role.

The surface for other features (ERP instant accounts):

- ``member_steps(c, company_id, customer, role, actor)``: the steps that make a customer a
  member, for a transaction of the caller's own; ``add_member(...)`` commits them alone;
- ``company_for_erp_account(number)``: the company staff linked to an ERP account number;
- ``erp_membership_steps(...)``: the membership an ERP link adds or ends (``api.wiring``).
"""

from chalicelib.companies import privacy as privacy  # registers its part of GDPR erasure and export
from chalicelib.companies.members import (
    add_member,
    company_for_erp_account,
    erp_membership_steps,
    member_steps,
)
from chalicelib.companies.models import CompanyItem

__all__ = [
    "CompanyItem",
    "add_member",
    "company_for_erp_account",
    "erp_membership_steps",
    "member_steps",
]
