"""Find customers: ``GET /admin/customers?q=&status=&created_from=&created_to=&cursor=&limit=``.

Without ``q``: one ``Query`` on the customers' ``by_created`` or ``by_status`` index (DynamoDB
keeps them as customers are created and change status), at most ``limit`` items read.
With ``q``: one ``Query`` of the search keys that start with its first word (at most
``limit`` keys read), then one ``BatchGetItem`` of those customers, so status and names shown
are the live ones. The status filter and further words narrow the page: a page may come back
short (follow ``next_cursor``). A customer found through two of its keys is listed once: at
the first key (in key order) that matches.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from chalicelib import identity
from chalicelib.backoffice import store
from chalicelib.identity import Customer
from chalicelib.kernel.clock import iso
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.errors import ValidationFailed
from chalicelib.kernel.models import is_live

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PAGE, MAX_PAGE = 50, 100
MAX_QUERY = 200
STATUSES = (
    "guest",
    "pending",
    "invited",
    "active",
    "inactive",
    "blocked",
    "archived",
    "merging",
    "anonymized",
)
EVER = (0, 99_999_999_999)


def listed(customer: Customer) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "reference": customer.reference,
        "email": customer.email,
        "name": customer.name,
        "status": customer.status,
        "phone": customer.phone,
        "locale": customer.locale,
        "created_at": iso(customer.created_at),
    }


def find(c: Container, params: dict[str, str]) -> dict[str, Any]:
    q = (params.get("q") or "").strip()
    status = params.get("status") or None
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"status must be one of: {', '.join(STATUSES)}.", fields={"status": "choice"})
    if len(q) > MAX_QUERY:
        raise ValidationFailed(f"q holds at most {MAX_QUERY} characters.", fields={"q": "length"})
    limit = _limit(params.get("limit"))
    created = (
        _time(params.get("created_from"), "created_from", 0),
        _time(params.get("created_to"), "created_to", 1),
    )
    if created[0] > created[1]:
        raise ValidationFailed("created_from is after created_to.", fields={"created_from": "range"})
    namespace = c.settings.account_namespace
    words = identity.search_query_words(q)
    scope = seal(c, "customers", namespace, " ".join(words), status or "", *map(str, created))
    cursor = params.get("cursor")
    if not words:
        found, next_cursor = store.listing_page(
            namespace, status, (created[0], created[1]), limit, cursor, scope
        )
        now = c.clock.now()
        return {"items": [listed(x) for x in found if is_live(x, now)], "next_cursor": next_cursor}
    ranged = None if (created[0], created[1]) == EVER else (created[0], created[1])
    entries, next_cursor = store.search_page(namespace, words[0], ranged, limit, cursor, scope)
    records = store.customers([e.customer_id for e in entries if e.customer_id])
    items = []
    now = c.clock.now()
    for entry in entries:
        customer = records.get(entry.customer_id or "")
        if customer is None or customer.namespace != namespace or not is_live(customer, now):
            continue  # removed meanwhile
        if status is not None and customer.status != status:
            continue
        if _first_match(customer, words[0]) != entry.term.rsplit(" ", 1)[0]:
            continue  # listed at its first matching key, on this page or another
        if not _matches_rest(customer, words[1:]):
            continue
        items.append(listed(customer))
    return {"items": items, "next_cursor": next_cursor}


def _first_match(customer: Customer, prefix: str) -> str | None:
    return min((k for k in identity.search_keys_of(customer) if k.startswith(prefix)), default=None)


def _matches_rest(customer: Customer, words: list[str]) -> bool:
    keys = identity.search_keys_of(customer)
    return all(any(k.startswith(w) for k in keys) for w in words)


def _limit(value: str | None) -> int:
    if value is None or value == "":
        return PAGE
    try:
        limit = int(value)
    except ValueError as e:
        raise ValidationFailed("limit must be a number.", fields={"limit": "number"}) from e
    if limit < 1:
        raise ValidationFailed("limit must be at least 1.", fields={"limit": "range"})
    return min(limit, MAX_PAGE)


def _time(value: str | None, name: str, end: int) -> int:
    """An ISO date or date-time as epoch seconds; a bare date's ``created_to`` is its last second."""
    if not value:
        return EVER[end]
    try:
        if len(value) == 10:
            day = datetime.date.fromisoformat(value)
            start = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
            return int(start.timestamp()) + (86399 if end else 0)
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return int(moment.timestamp())
    except (ValueError, OverflowError) as e:
        raise ValidationFailed(f"{name} must be an ISO date or date-time.", fields={name: "date"}) from e
