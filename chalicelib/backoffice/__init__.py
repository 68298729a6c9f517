"""The back office: staff find, create and edit customers, keep notes about them and send
them reset links (``/admin``). Customer records, references and search keys stay identity's;
the address book, profile rules and documents are the portal's, called through its surface.
"""

from chalicelib.backoffice import privacy as privacy  # registers its part of GDPR erasure and export
from chalicelib.backoffice.models import Note

__all__ = ["Note"]
