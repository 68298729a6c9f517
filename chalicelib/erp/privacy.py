"""The ERP feature's part of GDPR erasure and export (``kernel.privacy``).

A trade contact is keyed by the person's email, which the erasure's own transaction
replaces on the customer: so the contacts with the erased customer's address are deleted
in that transaction (``erasure_steps``, which the privacy feature adds to it), while the
email is still known. The ERP stays the source of its contacts: a later upsert of the
same person brings a contact back unless the ERP erases it too (OPERATIONS.md).
The link itself (``erp_*`` on the customer) is scrubbed by the account's part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import identity
from chalicelib.erp import store
from chalicelib.erp.models import ErpContact
from chalicelib.kernel import privacy
from chalicelib.kernel.clock import iso
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

#: contacts one erasure deletes in its transaction (an address has one per ERP account)
MAX_CONTACTS = 50


def erasure_steps(email: str) -> list[tuple[str, Step]]:
    """Delete every contact with this address, as steps of the erasure's transaction."""
    contacts = store.contacts_of(email)[:MAX_CONTACTS]
    return [("erp_contact", _delete(ErpContact(k.email, k.erp_account))) for k in contacts]


def _delete(contact: ErpContact) -> Step:
    return lambda tx: tx.delete(contact)


def _erased(c: Container, subject: privacy.Subject) -> None:
    """The contacts went in the erasure's own transaction (``erasure_steps``)."""


def _export(c: Container, customer_id: str) -> dict[str, Any]:
    customer = identity.get_customer(customer_id)
    if customer is None or customer.status == "anonymized":
        return {"erp": None}
    link = None
    if customer.erp_account:
        link = {
            "account": customer.erp_account,
            "role": customer.erp_role,
            "company": customer.erp_company,
            "link": customer.erp_link,
            "linked_at": iso(customer.erp_linked_at),
        }
    contacts = [
        {
            "erp_account": k.erp_account,
            "email": k.email,
            "name": k.name,
            "role": k.role,
            "company": k.company,
            "status": k.status,
        }
        for k in store.contacts_of(customer.email)
    ]
    return {"erp": {"link": link, "contacts": contacts}}


privacy.register("erp_contacts", ErpContact, erase=_erased, export=_export)
privacy.not_personal(ErpContact, "the name of the ERP account's company, not of a person", "company")
