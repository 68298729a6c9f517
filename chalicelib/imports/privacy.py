"""Imports' part of GDPR (``kernel.privacy``): an import's items hold row numbers, statuses,
codes, the service's own messages and customer ids, never the file's values (those stay in
the uploaded file, which S3 expires after 7 days); the items expire with the import."""

from __future__ import annotations

from chalicelib.imports.models import ImportItem
from chalicelib.kernel import privacy

privacy.not_personal(
    ImportItem, "the service's own words on why an import failed, never a row's value", "detail"
)
