"""Privacy (GDPR): erasure by anonymisation, tombstones, and the export of everything held.

Built on the registry in ``kernel.privacy``, which every feature fills with its part (what
it erases, what it keeps and why, what it exports). Public surface for the importer and the
ERP sync: ``is_erased(c, email)``, ``erased_among(c, emails)``, ``last_erased_at(c, email)``
and ``reapply(c, email)``.
"""

from chalicelib.privacy import parts as parts  # registers the account's and the erasure's parts
from chalicelib.privacy.erasure import advance_open, anonymize
from chalicelib.privacy.export import for_customer, for_staff
from chalicelib.privacy.models import Erasure, Tombstone
from chalicelib.privacy.requests import confirm, pending, request
from chalicelib.privacy.tombstones import erased_among, is_erased, last_erased_at, reapply, reapply_all

__all__ = [
    "Erasure",
    "Tombstone",
    "advance_open",
    "anonymize",
    "confirm",
    "erased_among",
    "for_customer",
    "for_staff",
    "is_erased",
    "last_erased_at",
    "pending",
    "reapply",
    "reapply_all",
    "request",
]
