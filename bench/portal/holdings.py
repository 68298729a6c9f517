"""The portal's customer and what they hold, set up through the API and ``batch_write``.

One customer, signed in, holds what a busy portal account would: addresses, a wishlist,
shopping lists and saved carts, payment methods (all through the API), a full page of
activity, and ``DOCUMENTS`` documents of mixed types, statuses and dates over two years.
Two documents are recorded through ``POST /admin/customers/{id}/documents`` with a staff
key, the rest with pynamodb's ``batch_write``, filled the way the checkout feature's
documents feed fills them; the set-up checks both kinds carry the same attributes. A
second customer, with payment methods of its own, makes the writes, so the reads' data
stays the same from run to run.
"""

from __future__ import annotations

import datetime
import json
import random
import time
from dataclasses import dataclass
from typing import Any

from bench.harness.world import BenchError, World, expect

DOCUMENTS = 5000
RANGE_DAYS = 90  # the date-range filter: the last 90 days
ADDRESSES, WISHES, LISTS, CARTS, METHODS, ACTIVITY = 5, 25, 8, 2, 3, 80

# (type, id prefix, share, statuses)
KINDS = (
    ("order", "SO", 0.35, ("open", "completed", "cancelled")),
    ("invoice", "IN", 0.30, ("open", "paid", "overdue")),
    ("payment", "PA", 0.20, ("completed", "refunded")),
    ("quotation", "QU", 0.10, ("open", "accepted", "expired")),
    ("subscription", "SU", 0.05, ("active", "cancelled")),
)


def _documents(customer_id: str, today: datetime.date, now: int) -> list[Any]:
    """``DOCUMENTS`` documents over the two years up to ``today``, as the checkout feature's
    documents feed writes them (``date_key``, ``type_date_key``, JSON lines and totals)."""
    from chalicelib.checkout.models import Document

    rng = random.Random(5000)
    kinds = [k for k in KINDS for _ in range(round(k[2] * 100))]
    out = []
    for n in range(DOCUMENTS):
        kind, prefix, _, statuses = rng.choice(kinds)
        document_id = f"{prefix}-{n:05d}"
        date = (today - datetime.timedelta(days=rng.randrange(730))).isoformat()
        lines = []
        if kind in ("order", "invoice", "quotation"):
            lines = [
                {"line_id": str(i), "sku": f"SKU-{rng.randrange(1000)}", "name": f"Item {i}", "quantity": i}
                for i in range(1, rng.randrange(2, 6))
            ]
        gross = round(rng.uniform(5, 500), 2)
        out.append(
            Document(
                customer_id,
                document_id,
                type=kind,
                status=rng.choice(statuses),
                date=date,
                date_key=f"{date}#{document_id}",
                type_date_key=f"{kind}#{date}#{document_id}",
                number=document_id,
                currency="EUR",
                totals=json.dumps(
                    {"net": round(gross / 1.2, 2), "tax": round(gross - gross / 1.2, 2), "gross": gross}
                ),
                lines=json.dumps(lines),
                created_at=now,
                updated_at=now,
            )
        )
    return out


def _activity(customer_id: str, now: float, count: int) -> list[Any]:
    from chalicelib.identity.models import Activity

    kinds = ("sign_in", "address_added", "profile_changed", "password_changed", "sign_in_failed")
    return [
        Activity(
            customer_id,
            f"{int((now - 3600 * (count - n)) * 1000):013d}#{n:08x}",
            kind=kinds[n % len(kinds)],
            actor="customer",
            detail=None,
            expires_at=int(now) + 730 * 86400,
        )
        for n in range(count)
    ]


def address(n: int, **flags: bool) -> dict[str, Any]:
    return {
        "label": f"Address {n}",
        "line1": f"{n} rue de la Paix",
        "city": "Paris",
        "postal_code": "75002",
        "country": "FR",
        **flags,
    }


def payment_method(ref: str) -> dict[str, Any]:
    return {"provider": "stripe", "token_ref": ref, "brand": "visa", "last4": "4242"}


@dataclass
class Holdings:
    """The reading customer's holdings, and what the measurements need to ask for them."""

    token: str  # the reading customer's access token
    writer: str  # the writing customer's
    list_id: str
    order_id: str
    order_lines: list[str]
    invoice_id: str
    documents: list[Any]  # chalicelib.checkout.models.Document
    low: str  # the date range: the last RANGE_DAYS days
    high: str
    seconds: float = 0.0


def set_up(w: World) -> Holdings:
    from chalicelib.checkout.models import Document
    from chalicelib.identity.models import Activity

    started = time.perf_counter()
    w.say(
        f"portal set-up: a customer with {ADDRESSES} addresses, {WISHES} wishes, {LISTS} lists and "
        f"{CARTS} saved carts, {METHODS} payment methods, {ACTIVITY} activity events and "
        f"{DOCUMENTS:,} documents; another for the writes"
    )
    w.use(w.inline)
    me = w.verified_account("bench-portal@example.com")
    writer = w.verified_account("bench-portal-writer@example.com")["access_token"]
    w.use(w.stream)
    token, customer_id = me["access_token"], me["customer_id"]

    def api(method: str, path: str, body: Any = None, code: int = 200, who: str = token) -> Any:
        answer = w.send(method, path, body, who)
        expect(code)(answer)
        return answer.json_body if answer.body else None

    for n in range(ADDRESSES):
        api("POST", "/me/addresses", address(n, default_billing=n == 0, default_shipping=n == 1), 201)
    for n in range(WISHES):
        api("PUT", f"/me/wishlist/SKU-{n:04d}", {"note": f"wish {n}"} if n % 2 else {})
    list_ids = []
    for n in range(LISTS + CARTS):
        lines = [{"product_id": f"SKU-{n}-{i}", "quantity": i + 1} for i in range(10)]
        kind = "cart" if n >= LISTS else "list"
        made = api("POST", "/me/lists", {"name": f"List {n}", "kind": kind, "lines": lines}, 201)
        list_ids.append(made["list_id"])
    for n in range(METHODS):
        api("POST", "/me/payment-methods", payment_method(f"pm_bench_{n}"), 201)
        api("POST", "/me/payment-methods", payment_method(f"pm_writer_{n}"), 201, writer)

    now = w.clock.now()
    today = datetime.datetime.fromtimestamp(now, datetime.UTC).date()
    with Activity.batch_write() as batch:
        for event in _activity(customer_id, now, ACTIVITY):
            batch.save(event)
    documents = _documents(customer_id, today, int(now))
    order = next(d for d in documents if d.type == "order")
    invoice = next(d for d in documents if d.type == "invoice")
    for document in (order, invoice):  # through the API, as the order system records them
        body = {
            "document_id": document.document_id,
            "type": document.type,
            "status": document.status,
            "date": document.date,
            "number": document.number,
            "currency": document.currency,
            "totals": json.loads(document.totals),
            "lines": json.loads(document.lines),
        }
        api("POST", f"/admin/customers/{customer_id}/documents", body, who=w.staff_secret)
    with Document.batch_write() as batch:
        for document in documents:
            if document not in (order, invoice):
                batch.save(document)
    via_api = Document.get(customer_id, order.document_id, consistent_read=True)
    via_batch = Document.get(customer_id, documents[-1].document_id, consistent_read=True)
    if set(via_api.attribute_values) != set(via_batch.attribute_values) or (
        via_api.date_key,
        via_api.type_date_key,
    ) != (order.date_key, order.type_date_key):
        raise BenchError(
            f"batch-written documents differ from recorded ones: {via_api.attribute_values} "
            f"vs {via_batch.attribute_values}"
        )
    return Holdings(
        token=token,
        writer=writer,
        list_id=list_ids[0],
        order_id=order.document_id,
        order_lines=[line["line_id"] for line in json.loads(order.lines)],
        invoice_id=invoice.document_id,
        documents=documents,
        low=(today - datetime.timedelta(days=RANGE_DAYS - 1)).isoformat(),
        high=today.isoformat(),
        seconds=time.perf_counter() - started,
    )
