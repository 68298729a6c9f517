"""Checkout: guest checkout, the documents feed, register later, merging a guest, shop access.

``MAIL_DISPATCH=stream`` for the measured requests, ``inline`` for set-up whose email the
bench must read (merge links from moto's SES). Checkouts come from the storefront's server,
with its key. Each run gets fresh inputs prepared untimed: a new address to check out with,
a guest and its register-later link, an account of its own (an address gets 3 merge offers
an hour) with a guest holding ``MERGE_DOCUMENTS`` documents and the merge link its checkout
sent the account's owner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.harness.awscalls import sequence
from bench.harness.operations import (
    OPERATION,
    READ_CALLS,
    READS_BY_OPERATION,
    STANDARD,
    WRITE_CALLS,
    WRITES_BY_OPERATION,
    CallTarget,
    notes,
    operations_table,
    target_column,
    writes_besides_budget,
)
from bench.harness.sections import Bullets, Section
from bench.harness.timing import Result
from bench.harness.world import PASSWORD, Answer, BenchError, World, expect, settle

MERGE_DOCUMENTS = 10  # documents a merged guest holds: its checkout's order and 9 more from the feed
NEW_PASSWORD = "guest turned customer 77"


def order(document_id: str, **fields: Any) -> dict[str, Any]:
    """An order as the storefront sends it at checkout (three lines, totals)."""
    lines = [
        {"line_id": str(n), "sku": f"SKU-{n}", "name": f"Item {n}", "quantity": n, "unit_price": 9.5}
        for n in (1, 2, 3)
    ]
    return {
        "document_id": document_id,
        "type": "order",
        "status": "open",
        "date": "2026-11-20",
        "currency": "EUR",
        "number": document_id,
        "totals": {"net": 57.0, "tax": 11.4, "gross": 68.4},
        "lines": lines,
        **fields,
    }


def checkout_body(email: str, document_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "email": email,
        "name": "Gus Guest",
        "phone": "+33 1 23 45 67 89",
        "address": {"line1": "1 rue de la Paix", "city": "Lyon", "postal_code": "69001", "country": "FR"},
        "order": order(document_id),
        **extra,
    }


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def answers(code: int, /, **fields: Any) -> Callable[[Answer], None]:
    """``expect(code)``, and these fields in the JSON answer."""

    def check(answer: Answer) -> None:
        expect(code)(answer)
        body = answer.json_body
        wrong = {k: body.get(k) for k, v in fields.items() if body.get(k) != v}
        if wrong:
            raise BenchError(f"expected {fields}, got {wrong} in {body}")

    return check


def offered(answer: Answer) -> None:
    """A guest, and a register-later link whatever the address holds (the answer must not tell)."""
    answers(201, kind="guest")(answer)
    if "register_later_url" not in answer.json_body:
        raise BenchError(f"a checkout answered no register-later link: {answer.json_body}")


def measure(w: World) -> list[Result]:
    say, total, staff_secret = w.say, w.total, w.staff_secret
    owner_email = "bench-owner@example.com"
    # one account per run: each gets a merge offer in the set-up and one in the offer row
    owners = [f"bench-mia-{i}@example.com" for i in range(total)]

    say(
        f"set-up: {total} guests to register, {total} accounts each with a guest of "
        f"{MERGE_DOCUMENTS} documents to merge (merge links read from moto's SES)"
    )
    w.use(w.inline)
    w.verified_account(owner_email)
    signed_in_owners = [w.verified_account(email)["access_token"] for email in owners]
    merge_tokens = []
    for i, email in enumerate(owners):
        answer = w.send("POST", "/guests", checkout_body(email, f"SO-M{i}-0"), storefront=True)
        offered(answer)
        merge_tokens.append(w.token_in_mail(email, "/merge?token="))
        guest_id = answer.json_body["customer_id"]
        for n in range(1, MERGE_DOCUMENTS):
            kind = ("invoice", "payment", "order")[n % 3]
            document = order(f"SO-M{i}-{n}", type=kind, status="completed")
            expect(200)(w.send("POST", f"/admin/customers/{guest_id}/documents", document, staff_secret))

    w.use(w.stream)
    register_tokens = []
    for i in range(total):
        answer = w.send(
            "POST", "/guests", checkout_body(f"bench-later-{i}@example.com", f"SO-R{i}"), storefront=True
        )
        offered(answer)
        register_tokens.append(token_of(answer.json_body["register_later_url"]))
    feed_guest = w.send("POST", "/guests", checkout_body("bench-feed@example.com", "SO-F"), storefront=True)
    offered(feed_guest)
    feed_guest_id = feed_guest.json_body["customer_id"]
    signed_in = w.sign_in(owner_email)["access_token"]

    settle()
    return [
        w.measure(
            "guest_checkout",
            "POST /guests (guest checkout with an order)",
            lambda i: w.prepared(
                "POST",
                "/guests",
                checkout_body(f"bench-guest-{i}@example.com", f"SO-G{i}"),
                storefront=True,
            ),
            offered,
            note=(
                "a new address, from the storefront's server: its key is read, the source budget "
                "spent, the login-claim read finds no account; guest, order and register-later "
                "token in one transaction"
            ),
        ),
        w.measure(
            "guest_checkout_offer",
            "POST /guests (address of an account: merge offer)",
            lambda i: w.prepared("POST", "/guests", checkout_body(owners[i], f"SO-O{i}"), storefront=True),
            offered,
            note=(
                "the address has an active account (one per run, its second merge offer of the "
                "hour): its customer is read too, and the merge offer (token, activity, outbox "
                "email, the recipient's email budget) joins the guest's transaction"
            ),
        ),
        w.measure(
            "guest_account",
            "POST /guests (create_account, new email, stream)",
            lambda i: w.prepared(
                "POST",
                "/guests",
                checkout_body(
                    f"bench-buyer-{i}@example.com", f"SO-A{i}", create_account={"password": PASSWORD}
                ),
                storefront=True,
            ),
            answers(201, kind="account", status="pending"),
            note=(
                "a pending account with the order, made in the request (no task); its verify email "
                "leaves through the outbox stream"
            ),
        ),
        w.measure(
            "document",
            "POST /admin/customers/{id}/documents (guest)",
            lambda i: w.prepared(
                "POST",
                f"/admin/customers/{feed_guest_id}/documents",
                order(f"SO-F{i}", type="invoice", status="completed"),
                staff_secret,
            ),
            answers(200, customer_id=feed_guest_id),
            note=(
                "a new invoice for a guest, with a staff key: the authorizer's staff-key lookup, the "
                "customer read, then document, its activity event and guest expiry restart in one transaction"
            ),
        ),
        w.measure(
            "register",
            "POST /register (JSON, register later)",
            lambda i: w.prepared(
                "POST", "/register", {"token": register_tokens[i], "password": NEW_PASSWORD}
            ),
            answers(202, status="email_sent"),
            note=(
                "a fresh guest per run: the request checks the link, hashes the password and spends "
                "the link in the transaction that writes the register-later task; the task, after "
                "the answer, makes the pending account (see No enumeration)"
            ),
        ),
        w.measure(
            "merge",
            f"POST /me/merges ({MERGE_DOCUMENTS} documents)",
            lambda i: w.prepared("POST", "/me/merges", {"token": merge_tokens[i]}, signed_in_owners[i]),
            answers(200, status="merged", documents_moved=MERGE_DOCUMENTS),
            note=(
                f"a fresh guest per run holding {MERGE_DOCUMENTS} documents, merged by the signed-in "
                "owner (an account per run): session check, start, documents moved a page at a time "
                "(put + delete each), guest archived"
            ),
        ),
        w.measure(
            "shop_anonymous",
            "GET /shop/access (no token)",
            lambda i: w.prepared("GET", "/shop/access"),
            answers(200, signed_in=False, shop_visible=True),
        ),
        w.measure(
            "shop_signed_in",
            "GET /shop/access (signed in)",
            lambda i: w.prepared("GET", "/shop/access", token=signed_in),
            answers(200, signed_in=True, shop_visible=True),
            note="SHOP_ACCESS=public; the access token is checked and the customer read",
        ),
    ]


def _writes_and_reads(target: CallTarget, found: list[Result]) -> str:
    """``1 write (TransactWriteItems[3]), 1 read (GetItem)`` per operation, ``; ``-joined."""

    def one(r: Result) -> str:
        writes, reads = r.writes(), r.reads()
        read_part = f"{len(reads)} read ({sequence(reads, 'dynamodb')})" if reads else "0 read"
        return f"{len(writes)} write ({sequence(writes, 'dynamodb') or '—'}), {read_part}"

    return "; ".join(one(r) for r in found)


TARGETS = (
    CallTarget(
        "Guest checkout: 1 DynamoDB write call besides the per-source budget's UpdateItem",
        ("guest_checkout", "guest_checkout_offer"),
        "= 1 write (+ 1 budget)",
        lambda n: n == 1,
        count=writes_besides_budget,
        describe=_writes_and_reads,
    ),
)
SPLIT = (OPERATION, WRITE_CALLS, WRITES_BY_OPERATION, READ_CALLS, READS_BY_OPERATION)


def sections(results: list[Result]) -> list[Section]:
    return [
        Section(
            "Checkout: guests, documents, register later, merge",
            [
                operations_table(results, [*STANDARD, target_column(TARGETS)]),
                Bullets(notes(results)),
                "The same operations, writes apart from reads. Write operations: `PutItem`, "
                "`UpdateItem`, `DeleteItem`, `BatchWriteItem`, `TransactWriteItems`; everything else "
                "is a read. Every checkout reads the storefront key first (`GetItem`), then spends "
                "the per-source budget (`UpdateItem`). `MAIL_DISPATCH=stream`: an email (merge offer, "
                "verify link) is an outbox item inside the request's transaction, sent afterwards by "
                "the stream's Lambda.",
                operations_table(results, SPLIT),
            ],
            verdicts=[t.verdict(results) for t in TARGETS],
        )
    ]
