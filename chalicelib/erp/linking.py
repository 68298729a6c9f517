"""ERP instant accounts: a proven email that matches a live trade contact links its account
to the contact's ERP account, with the contact's role, without staff work.

Identity asks (``identity.links``): at the sign-up task (may this address sign up where
sign-up is by invitation?), in the verify transaction (the link proves the mailbox) and
at a verified account's sign-in (an existing account is linked, never duplicated; a
suspended link comes back when its contact does). A contact leaving the ERP's snapshot
suspends the link (``remove``), not the account. Every link change is one transaction
with its activity (``erp_linked``, ``erp_link_suspended``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib import events, identity
from chalicelib.erp import store
from chalicelib.erp.models import ErpContact
from chalicelib.identity import Customer, activity, links
from chalicelib.kernel.models import is_live
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

ACTOR = "system:erp_match"


def is_eligible(c: Container, contact: ErpContact) -> bool:
    """A live contact whose account is neither a cash account nor an excluded code."""
    s = c.settings
    account = contact.erp_account
    cash = contact.account_type == "cash" or any(fnmatchcase(account, p) for p in s.ERP_CASH_ACCOUNTS)
    return contact.status == "live" and not cash and account not in s.ERP_EXCLUDED_ACCOUNTS


def match(c: Container, contacts: list[ErpContact]) -> ErpContact | None:
    """The contact an address links to: the first eligible one by account code."""
    eligible = sorted((k for k in contacts if is_eligible(c, k)), key=lambda k: k.erp_account)
    return eligible[0] if eligible else None


#: the contact's ERP role -> the company role its membership gets (anything else: buyer)
COMPANY_ROLES = {"admin": "admin", "buyer": "buyer", "viewer": "viewer"}


def company_role(role: str | None) -> str:
    return COMPANY_ROLES.get(role or "", "buyer")


class Memberships(Protocol):
    """The company membership an ERP link adds (``active``) or ends, as steps of the link's
    transaction. Companies sit above erp in the layers, so the wiring registers it
    (``chalicelib.api.wiring``) instead of erp importing companies."""

    def __call__(
        self, c: Container, customer: Customer, erp_account: str, role: str, *, active: bool
    ) -> list[tuple[str, Step]]: ...


_memberships: Memberships | None = None


def register_memberships(memberships: Memberships | None) -> None:
    global _memberships
    _memberships = memberships


def membership_steps(
    c: Container, customer: Customer, contact: ErpContact, *, active: bool
) -> list[tuple[str, Step]]:
    """Add (``active``) or end the customer's membership of the company whose ERP account
    number is ``contact.erp_account``, with ``company_role(contact.role)``."""
    if _memberships is None:
        return []
    return _memberships(c, customer, contact.erp_account, company_role(contact.role), active=active)


def _link_actions(contact: ErpContact, now: int) -> list[Any]:
    return [
        Customer.erp_account.set(contact.erp_account),
        Customer.erp_role.set(contact.role or "buyer"),
        Customer.erp_company.set(contact.company) if contact.company else Customer.erp_company.remove(),
        Customer.erp_link.set("active"),
        Customer.erp_linked_at.set(now),
    ]


def _searchable(customer: Customer, contact: ErpContact) -> tuple[list[Any], list[tuple[str, Step]]]:
    """Staff find the customer by its ERP account number (only the linked one)."""
    former = set(customer.erp_accounts or ()) - {contact.erp_account}
    return identity.erp_account_changes(customer, added=[contact.erp_account], removed=former)


def _linked(
    c: Container, customer: Customer, contact: ErpContact, by: str
) -> tuple[list[Any], list[tuple[str, Step]]]:
    """The customer actions and the further steps of a link: search keys, activity, event,
    membership."""
    customer_id = customer.customer_id
    event = activity.event(
        c, customer_id, "erp_linked", ACTOR, erp_account=contact.erp_account, role=contact.role, by=by
    )
    linked = events.emit(
        c,
        events.CUSTOMER_ERP_LINKED,
        customer_id,
        erp_account=contact.erp_account,
        role=company_role(contact.role),
        by=by,
    )
    actions, search_steps = _searchable(customer, contact)
    return actions, [
        ("erp_activity", activity.step(event)[1]),
        linked,
        *search_steps,
        *membership_steps(c, customer, contact, active=True),
    ]


def _suspended(c: Container, customer: Customer, contact: ErpContact, now: int) -> list[tuple[str, Step]]:
    search_actions, search_steps = identity.erp_account_changes(customer, removed=[contact.erp_account])
    actions = [Customer.erp_link.set("suspended"), Customer.updated_at.set(now), *search_actions]
    event = activity.event(
        c, customer.customer_id, "erp_link_suspended", ACTOR, erp_account=contact.erp_account
    )
    return [
        ("erp_link", lambda tx: tx.update(customer, actions=actions)),
        ("erp_activity", activity.step(event)[1]),
        events.emit(
            c, events.CUSTOMER_ERP_LINK_SUSPENDED, customer.customer_id, erp_account=contact.erp_account
        ),
        *search_steps,
        *membership_steps(c, customer, contact, active=False),
    ]


class ErpLinks:
    """What a proven email earns (registered with ``identity.links`` on import)."""

    def admits(self, c: Container, email: str) -> bool:
        return c.settings.ERP_INSTANT_ACCOUNTS and match(c, store.contacts_of(email)) is not None

    def on_verified(self, c: Container, customer_id: str, email: str) -> links.ProofChange | None:
        if not c.settings.ERP_INSTANT_ACCOUNTS:
            return links.ProofChange()
        contact = match(c, store.contacts_of(email))
        if contact is None:
            return None
        customer = identity.get_customer(customer_id)
        if customer is None:
            return links.ProofChange()
        actions, steps = _linked(c, customer, contact, "verify")
        return links.ProofChange([*_link_actions(contact, int(c.clock.now())), *actions], steps)

    def on_sign_in(self, c: Container, customer_id: str, email: str) -> list[tuple[str, Step]]:
        if not c.settings.ERP_INSTANT_ACCOUNTS:
            return []
        contacts = store.contacts_of(email)
        if not contacts:
            return []  # the ERP never knew the address: nothing to link or suspend
        customer = identity.get_customer(customer_id)
        if customer is None:
            return []
        now, contact = int(c.clock.now()), match(c, contacts)
        if contact is not None:
            if customer.erp_account == contact.erp_account and customer.erp_link == "active":
                return []
            search_actions, steps = _linked(c, customer, contact, "sign_in")
            actions = [*_link_actions(contact, now), Customer.updated_at.set(now), *search_actions]
            return [("erp_link", lambda tx: tx.update(customer, actions=actions)), *steps]
        if customer.erp_link == "active":  # its contact left, or its account is now excluded
            former = next((k for k in contacts if k.erp_account == customer.erp_account), contacts[0])
            return _suspended(c, customer, former, now)
        return []


def remove(c: Container, contact: ErpContact, generation: str, now: int) -> str:
    """Mark a contact the snapshot left out ``removed``; suspend its customer's link in the
    same transaction. ``kept`` if it was sent again meanwhile, else ``removed`` or
    ``suspended``."""
    steps = [store.removal_step(contact, generation, now)]
    login = identity.get_login(identity.login_key(c, contact.email))
    customer = identity.get_customer(login.customer_id) if login and is_live(login, now) else None
    linked = (
        customer is not None and customer.erp_account == contact.erp_account and customer.erp_link == "active"
    )
    if customer is not None and linked:
        steps += _suspended(c, customer, contact, now)
    if not store.apply(steps):
        return "kept"
    return "suspended" if linked else "removed"


links.register(ErpLinks())
