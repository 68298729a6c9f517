"""The customer portal: every function acts for the signed-in customer, on their own data.

Every route first reads the session with the customer (``identity.current_customer``, one
``TransactGetItems``), so sign-out, a reset, a change or a status change stops reads and
writes at once; a read then makes one ``GetItem`` or ``Query``.
Another customer's ids are simply absent from this customer's partition: 404, never 403.

The back office acts on a customer through the same rules: the names below (the address
book, the profile, the documents) take the customer and the actor instead of a session.
"""

from chalicelib.portal import privacy as privacy  # registers its GDPR part
from chalicelib.portal.addresses import add_for as add_address
from chalicelib.portal.addresses import change_for as change_address
from chalicelib.portal.addresses import first_address_steps
from chalicelib.portal.addresses import listing_of as addresses_of
from chalicelib.portal.addresses import remove_for as remove_address
from chalicelib.portal.documents import last_orders, staff_listing
from chalicelib.portal.models import PortalItem
from chalicelib.portal.profile import apply as apply_profile
from chalicelib.portal.schemas import AddressBookIn, ProfileIn

__all__ = [
    "AddressBookIn",
    "PortalItem",
    "ProfileIn",
    "add_address",
    "addresses_of",
    "apply_profile",
    "change_address",
    "first_address_steps",
    "last_orders",
    "remove_address",
    "staff_listing",
]
