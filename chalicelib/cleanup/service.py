"""Scheduled cleanup: expired guests, never-verified sign-ups, tokens, sessions, old
outbox entries and ended sign-in code windows, with everything that hangs off them.

Every ephemeral item carries an ``expiry_bucket`` ("YYYY-MM-DD#shard"); the sparse
``expiry`` index of each table is queried bucket by bucket for items whose time has
passed, so the work grows with what expired, never with the table. Runs are bounded
(a time budget and pages of ``PAGE`` items) and continue on the next run. DynamoDB TTL
stays on as the backstop; when TTL removes a customer first, the customers stream's
handler (``children_of_removed``) removes its documents.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DeleteError

from chalicelib import identity
from chalicelib.cleanup import store
from chalicelib.codes import SignInCode
from chalicelib.identity import Customer, Login, Session
from chalicelib.kernel.clock import EXPIRY_SHARDS, day_bucket
from chalicelib.kernel.dynamo import error_code, translated
from chalicelib.kernel.models import BaseTable, Token
from chalicelib.kernel.observability import metric
from chalicelib.kernel.transactions import run_steps
from chalicelib.kernel.workers import each_item, stream_records
from chalicelib.mail import OutboxMessage

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PAGE = 100
LOOKBACK_DAYS = 7  # older buckets are left to TTL, which has removed them by then
#: kinds of expiring record, and the table whose ``expiry`` index finds them
TABLES: tuple[tuple[str, type[BaseTable]], ...] = (
    ("customers", Customer),
    ("logins", Login),
    ("tokens", Token),
    ("sessions", Session),
    ("outbox", OutboxMessage),
    ("sign_in_codes", SignInCode),
)


class Report:
    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.removed: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()  # poison items, left for a later run (or TTL)
        self.read = 0
        self.complete = True

    def as_dict(self) -> dict[str, Any]:
        key = "would_remove" if self.dry_run else "removed"
        poison = {"poison": self.skipped["poison"]} if self.skipped else {}
        return {key: dict(self.removed), "items_read": self.read, "complete": self.complete, **poison}


def buckets(now: float) -> list[str]:
    """Every day#shard bucket from ``LOOKBACK_DAYS`` ago to today."""
    today = datetime.fromtimestamp(now, UTC)
    days = [today - timedelta(days=n) for n in range(LOOKBACK_DAYS, -1, -1)]
    return [day_bucket(d.timestamp(), shard) for d in days for shard in range(EXPIRY_SHARDS)]


def run(c: Container, *, budget: float = 50.0, dry_run: bool = False) -> dict[str, Any]:
    started, now = time.monotonic(), int(c.clock.now())
    report = Report(dry_run)
    for kind, model in TABLES:
        if model.SHARED_IN_POOL and not _cleans_shared_tables(c):
            continue
        for bucket in buckets(now):
            start: dict[str, Any] | None = None
            while True:
                if time.monotonic() - started > budget:
                    report.complete = False
                    return _done(report)
                page, start = store.expired(model, bucket, now, PAGE, start)
                report.read += len(page)
                _remove(c, kind, page, now, report)
                if start is None:
                    break
    return _done(report)


def _cleans_shared_tables(c: Container) -> bool:
    """A pool's shared tables are cleaned by its owner alone; the customers stream then
    removes the documents every website of the pool holds for a removed customer."""
    s = c.settings
    return s.shared_table_prefix is None or s.POOL_OWNER


def _done(report: Report) -> dict[str, Any]:
    if not report.dry_run:
        for kind, count in report.removed.items():
            metric(f"CleanupRemoved_{kind}", count)
    return report.as_dict()


def _remove(c: Container, kind: str, page: list[Any], now: int, report: Report) -> None:
    """Remove one page; an item that fails for its own reasons is skipped (``poison``)."""
    if kind == "customers":
        for customer in page:
            with each_item("cleanup", customer.customer_id, report.skipped):
                _remove_customer(customer, now, report)
    elif kind == "logins":
        for login in page:
            with each_item("cleanup", "login", report.skipped):
                if report.dry_run or store.delete_if_expired(Login(login.login_key), now):
                    report.removed["logins"] += 1
    elif kind == "sign_in_codes":  # a new window re-uses the key: delete only what is still past
        for item in page:
            with each_item("cleanup", "sign_in_code", report.skipped):
                if report.dry_run or store.delete_if_expired(SignInCode(item.code_key), now):
                    report.removed[kind] += 1
    elif page:
        if not report.dry_run:
            store.delete_batch(page)
        report.removed[kind] += len(page)


def _remove_customer(customer: Customer, now: int, report: Report) -> None:
    """A guest, or a never-verified sign-up with its email claim; each with its documents
    (a guest that registered later and never verified has some). Documents go first, so a
    crash never leaves them without an owner; an expired customer cannot come back."""
    if customer.status not in ("guest", "pending"):
        return  # not a kind that expires (the index is sparse; be safe anyway)
    report.removed["documents"] += remove_documents(customer.customer_id, report)
    if not report.dry_run:
        _remove_search_keys(customer.customer_id)
    if customer.status == "pending" and not report.dry_run:  # a dry run counts claims once, below
        key = customer.login_key
        if _delete_pending_claim(key, customer.customer_id, now):
            report.removed["logins"] += 1
    kind = "guests" if customer.status == "guest" else "unverified_signups"
    if report.dry_run or store.delete_if_expired(Customer(customer.customer_id), now):
        report.removed[kind] += 1


def _remove_search_keys(customer_id: str) -> None:
    """The customer's search keys (its name, phone, email), derived from the whole record:
    one read and one transaction per 100 keys, before the customer goes."""
    full = identity.get_customer(customer_id)
    if full is None:
        return
    steps = identity.search_removal_steps(full)
    for start in range(0, len(steps), 100):
        run_steps(steps[start : start + 100])


def remove_documents(customer_id: str, report: Report | None = None) -> int:
    """Every document of a customer, a page at a time (also used by the stream handler)."""
    if report is not None and report.dry_run:
        keys = store.document_keys(customer_id)
        report.read += len(keys)
        return len(keys)
    removed = 0
    while True:
        page = store.documents_of(customer_id, PAGE)
        if report is not None:
            report.read += len(page)
        if page:
            store.delete_batch(page)
            removed += len(page)
        if len(page) < PAGE:  # the last page: no need to ask again
            return removed


@translated
def _delete_pending_claim(key: str, customer_id: str, now: int) -> bool:
    condition = (Login.customer_id == customer_id) & (Login.status == "pending") & (Login.expires_at <= now)
    try:
        Login(key).delete(condition=condition)
    except DeleteError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            return False  # re-used by a new sign-up, or already gone
        raise
    return True


def removed_by_ttl(record: dict[str, Any]) -> bool:
    """TTL deletions carry DynamoDB's own identity; the cleanup already took the children
    of what it deleted itself."""
    identity = record.get("userIdentity") or {}
    return record.get("eventName") == "REMOVE" and identity.get("principalId") == "dynamodb.amazonaws.com"


def children_of_removed(event: Any, *, every_removal: bool = False) -> dict[str, int]:
    """Customers stream: a customer removed by TTL before the cleanup came loses its documents.
    ``every_removal``: a website of a shared pool, whose customers another website's cleanup
    (the pool owner's) may remove: this website's documents of any removed customer go.
    A record that cannot be read or worked is logged and skipped."""
    outcomes: Counter[str] = Counter(documents=0)
    for record in stream_records(event):
        removed = record.get("eventName") == "REMOVE" if every_removal else removed_by_ttl(record)
        if removed:
            with each_item("customer_removed", str(record.get("eventID")), outcomes):
                outcomes["documents"] += remove_documents(record["dynamodb"]["Keys"]["customer_id"]["S"])
    if outcomes["documents"]:
        metric("CleanupRemoved_orphan_documents", outcomes["documents"])
    return dict(outcomes)
