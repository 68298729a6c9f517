"""The imports table: one partition per import, the import itself and its row results."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.kernel.models import BaseTable


class OpenImportIndex(GlobalSecondaryIndex[Any]):
    """Sparse: unfinished imports of a namespace, oldest first (how the worker finds work)."""

    class Meta:
        index_name = "open"
        projection = KeysOnlyProjection()

    open_in = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class ImportItem(BaseTable):
    """``seq`` 0 is the import; ``seq`` n > 0 holds the results of the rows from n on, written
    in the transaction that works those rows and advances ``next_row``, so a crash or a second
    worker neither skips nor repeats a row.

    Results hold row numbers, statuses, codes and messages, never the file's values (those
    stay in the uploaded file, which S3 expires after 7 days)."""

    TABLE_SUFFIX = "imports"
    TTL_ATTRIBUTE = "expires_at"

    class Meta:
        table_name = "unconfigured"

    import_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    # the import (seq 0)
    namespace = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    # awaiting_upload | queued | running | done | failed
    status = UnicodeAttribute(null=True)
    phase = UnicodeAttribute(null=True)  # while running: count | validate | check | commit
    dry_run = BooleanAttribute(null=True)
    on_error = UnicodeAttribute(null=True)  # stop | skip
    max_errors = NumberAttribute(null=True)
    invite = UnicodeAttribute(null=True)  # now | later | none
    file_format = UnicodeAttribute(null=True)  # csv | xlsx
    size_bytes = NumberAttribute(null=True)
    total = NumberAttribute(null=True)  # data rows, once counted
    next_row = NumberAttribute(null=True)  # the first row the current phase has not worked
    created = NumberAttribute(null=True)
    updated = NumberAttribute(null=True)
    skipped = NumberAttribute(null=True)
    errors = NumberAttribute(null=True)
    invite_rows = NumberAttribute(null=True)  # rows queued in invitation job ``invite_job_id``
    invite_job_id = UnicodeAttribute(null=True)
    invited_at = NumberAttribute(null=True)  # when that job was opened
    columns = UnicodeAttribute(null=True)  # JSON: {"matched": [...], "ignored": [...]}
    reason = UnicodeAttribute(null=True)  # why it failed: a code
    detail = UnicodeAttribute(null=True)
    error_file = UnicodeAttribute(null=True)  # S3 key of the error file
    lease_until = NumberAttribute(null=True)
    pass_started_at = NumberAttribute(null=True)  # for the estimate of the time left
    pass_first_row = NumberAttribute(null=True)
    started_at = NumberAttribute(null=True)
    finished_at = NumberAttribute(null=True)
    open_in = UnicodeAttribute(null=True)  # the namespace while unfinished (index ``open``)
    # results (seq > 0): JSON [[row, status, field, code, message, customer_id], ...]
    results = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()

    open_index = OpenImportIndex()
