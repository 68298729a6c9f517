"""Identity's part of GDPR erasure and export (``kernel.privacy``): sessions, activity.

The customer record and its email claim are the privacy feature's own transaction (the
account's part); sessions end at once there (a new epoch) and are deleted here; activity
events stay as a record of what happened (kind, actor, time) without their details.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.identity import activity
from chalicelib.identity.activity_store import all_activity
from chalicelib.identity.models import Activity, Customer, SearchEntry, Session, StaffKey
from chalicelib.identity.search import keys_of
from chalicelib.identity.store import get_customer
from chalicelib.kernel import privacy
from chalicelib.kernel.clock import iso

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def _erase_sessions(c: Container, subject: privacy.Subject) -> None:
    privacy.delete_items(privacy.keys_by_customer(Session, subject.customer_id))


def _export_sessions(c: Container, customer_id: str) -> dict[str, Any]:
    sessions = [s for s in privacy.items_by_customer(Session, customer_id) if isinstance(s, Session)]
    return {
        "sessions": [
            {
                "created_at": iso(s.created_at),
                "refreshed_at": iso(s.refreshed_at),
                "expires_at": iso(s.expires_at),
            }
            for s in sorted(sessions, key=lambda s: int(s.created_at))
        ]
    }


def _erase_activity(c: Container, subject: privacy.Subject) -> None:
    """Events keep their kind, actor and time; their details (fields, ids, notes) go."""
    detailed = [item for item in all_activity(subject.customer_id) if item.detail is not None]
    for item in detailed:
        item.detail = None
    privacy.put_items(detailed)


def _export_activity(c: Container, customer_id: str) -> dict[str, Any]:
    return {"activity": [activity.view(item) for item in all_activity(customer_id)]}


def _search_erased(c: Container, subject: privacy.Subject) -> None:
    """The search keys of the email, the name and the phone go in the erasure's account
    transaction (``privacy.store.account_steps``), computed from the customer as the
    transaction's version check proves it is; the reference's and ERP accounts' keys stay."""


def _export_search(c: Container, customer_id: str) -> dict[str, Any]:
    customer = get_customer(customer_id)
    keys = keys_of(customer) if customer is not None else {}
    return {"search_keys": [{"kind": kind, "key": key} for key, kind in sorted(keys.items())]}


privacy.register("sessions", Session, erase=_erase_sessions, export=_export_sessions)
privacy.register("activity", Activity, erase=_erase_activity, export=_export_activity)
privacy.register("search", SearchEntry, erase=_search_erased, export=_export_search)
privacy.not_personal(StaffKey, "the label ops gave a staff or storefront key", "name")
privacy.not_personal(Customer, "the ERP account's company name (a business), not a person's", "erp_company")
