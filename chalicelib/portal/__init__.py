"""The customer portal: every function acts for the signed-in customer, on their own data.

Reads trust the access token (≤ 15 minutes) and make one ``GetItem`` or ``Query``; writes
read the customer first, so a reset, a change or a status change stops them at once.
Another customer's ids are simply absent from this customer's partition: 404, never 403.
"""

from chalicelib.portal.models import PortalItem

__all__ = ["PortalItem"]
