"""Customer imports from CSV and XLSX files: staff send or upload a file, a worker imports it
through the same code for the dry run and the real run (``service``, ``worker``, ``passes``)."""

from chalicelib.imports import privacy as privacy  # declares its part of GDPR
from chalicelib.imports.models import ImportItem

__all__ = ["ImportItem"]
