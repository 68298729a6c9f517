"""The customer portal: every function acts for the signed-in customer, on their own data.

Every route first reads the session with the customer (``identity.current_customer``, one
``TransactGetItems``), so sign-out, a reset, a change or a status change stops reads and
writes at once; a read then makes one ``GetItem`` or ``Query``.
Another customer's ids are simply absent from this customer's partition: 404, never 403.
"""

from chalicelib.portal.addresses import first_address_steps
from chalicelib.portal.models import PortalItem
from chalicelib.portal.schemas import AddressBookIn

__all__ = ["AddressBookIn", "PortalItem", "first_address_steps"]
