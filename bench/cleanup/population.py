"""The cleanup's table: 10,000 live customers, and what expired among them.

Its own tables (``TABLE_PREFIX`` + ``-cleanup``) in the bench's moto, its own
``ManualClock`` and container, so the figures count only what is set up here:

- through the API, untimed, on the clock of their day (the tasks that sign-up and register
  later leave in the outbox worked at once, as the outbox stream would): ``EXPIRED_GUESTS`` guests
  (``POST /guests`` with an order, then ``DOCUMENTS_PER_GUEST - 1`` more through
  ``POST /admin/customers/{id}/documents``), each with its register-later token, in
  groups expiring 4, 3, 2 and 1 days and 6 hours before the run; ``REGISTERED`` more
  such guests who then registered later (``POST /register``) and never verified the
  address, so they are pending customers with documents, expired 4 days before the run;
  ``UNVERIFIED`` sign-ups (``POST /signup``) never verified, expired 2 days before;
- written directly (``batch_write``, untimed) at the run's time: the live customers,
  ``ACTIVE_SHARE`` of them active accounts with their login claims, the others live
  guests (``TODAY_GUESTS`` of them expiring later the same day, so they sit in the very
  day#shard buckets the cleanup queries), ``LIVE_GUEST_DOCUMENTS`` of the guests with a
  document; ``LIVE_SESSIONS`` live sessions and ``EXPIRED_SESSIONS`` sessions that expired
  earlier that day (more than a page, ``cleanup.PAGE``, per bucket).

The clock is left at 12:00 UTC on the run's day.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass
from typing import Any

from bench.harness.outbox import Stream
from bench.harness.world import BENCH_SETTINGS, PASSWORD, REGION, BenchError, World, expect

LIVE_CUSTOMERS = 10_000
ACTIVE_SHARE = 0.6
TODAY_GUESTS = 500
LIVE_GUEST_DOCUMENTS = 1_000
LIVE_SESSIONS = 1_000
EXPIRED_GUESTS = 200
DOCUMENTS_PER_GUEST = 3
GUEST_EXPIRED_AGO = (4 * 86400, 3 * 86400, 2 * 86400, 86400, 6 * 3600)  # seconds before the run
UNVERIFIED = 40
REGISTERED = 20  # guests who registered later (POST /register) and never verified the address
UNVERIFIED_EXPIRED_AGO = 2 * 86400
EXPIRED_SESSIONS = 1_200
DAY = 86400
SEED = 20261122


@dataclass
class Expired:
    """What was made through the API and has expired by the run."""

    guests: list[str]  # customer ids
    registered: list[str]  # guests registered later, never verified
    unverified: list[str]  # never-verified sign-ups
    unverified_logins: list[str]  # their login claims' keys
    registered_logins: list[str]


@dataclass
class Live:
    """What was written directly (pynamodb items), and the expired sessions written with it."""

    accounts: list[Any]
    guests: list[Any]
    logins: list[Any]
    documents: list[Any]
    sessions: list[Any]
    expired_sessions: list[Any]


@dataclass
class Population:
    container: Any  # the cleanup's own, on its own tables and clock
    expired: Expired
    live: Live
    expected: dict[str, int]  # what should go, per kind of the cleanup's report
    tables_before: dict[str, int]  # items per table (DescribeTable)
    seconds: float  # the set-up's wall time


def at(clock: Any, when: float) -> None:
    clock.advance(when - clock.now())


def found(model: Any, keys: list[Any], *attributes: str) -> list[Any]:
    """The items of ``keys`` that exist (``BatchGetItem``, keys and ``attributes`` only)."""
    names = [model._hash_key_attribute().attr_name, *attributes]
    if model._range_key_attribute():
        names.append(model._range_key_attribute().attr_name)
    items: list[Any] = []
    for start in range(0, len(keys), 1000):
        items += model.batch_get(keys[start : start + 1000], consistent_read=True, attributes_to_get=names)
    return items


def table_sizes() -> dict[str, int]:
    from chalicelib.checkout.models import Document
    from chalicelib.identity.models import Customer, Login, Session
    from chalicelib.kernel.models import Token
    from chalicelib.mail.models import OutboxMessage

    models = {
        "customers": Customer,
        "logins": Login,
        "tokens": Token,
        "sessions": Session,
        "documents": Document,
        "outbox": OutboxMessage,
    }
    return {name: int(model.describe_table()["ItemCount"]) for name, model in models.items()}


def populate(w: World, live: int) -> Population:
    from chalicelib.kernel.bootstrap import Container
    from chalicelib.kernel.clock import ManualClock
    from chalicelib.kernel.settings import Settings
    from chalicelib.tables import create_tables

    started = time.perf_counter()
    # 12:00 UTC, 34 days from today: guests checked out 30 + 4 days earlier have just expired.
    now = (int(time.time()) // DAY + 34) * DAY + 12 * 3600
    prefix = f"{BENCH_SETTINGS['TABLE_PREFIX']}-cleanup"
    create_tables(prefix, REGION, wait=False)
    settings = Settings(**{**BENCH_SETTINGS, "TABLE_PREFIX": prefix, "MAIL_DISPATCH": "stream"})
    clock = ManualClock(start=now - settings.GUEST_TTL_DAYS * DAY - max(GUEST_EXPIRED_AGO))
    c = Container(settings=settings, clock=clock)
    w.use(c)
    active = int(live * ACTIVE_SHARE)
    w.say(
        f"cleanup at scale, set-up: {EXPIRED_GUESTS + REGISTERED} guests x {DOCUMENTS_PER_GUEST} "
        f"documents ({REGISTERED} registered later) and {UNVERIFIED} sign-ups through the API, then "
        f"{live:,} live customers ({active:,} accounts, {live - active:,} guests) and "
        f"{LIVE_SESSIONS + EXPIRED_SESSIONS:,} sessions by batch_write"
    )
    expired = _through_the_api(w, c, now, started)
    at(clock, now)
    written = _written_directly(c, now, live)
    tables_before = table_sizes()
    expected = {
        "guests": EXPIRED_GUESTS,
        # the cleanup takes a customer's documents with it, guests' and former guests' alike
        "documents": (EXPIRED_GUESTS + REGISTERED) * DOCUMENTS_PER_GUEST,
        # register-later links live as long as their guest (used or not)
        "tokens": EXPIRED_GUESTS + REGISTERED,
        "unverified_signups": UNVERIFIED + REGISTERED,
        "logins": UNVERIFIED + REGISTERED,
        "sessions": EXPIRED_SESSIONS,
    }
    seconds = time.perf_counter() - started
    w.say(
        f"  set-up took {seconds:.1f} s: {tables_before['customers']:,} customers, "
        f"{sum(tables_before.values()):,} items in the six tables; clock at 12:00 UTC"
    )
    return Population(c, expired, written, expected, tables_before, seconds)


def _through_the_api(w: World, c: Any, now: int, started: float) -> Expired:
    """Guests, guests registered later and sign-ups, each made on the clock of its day."""
    from chalicelib.identity import staff_keys, storefront_keys
    from chalicelib.identity.models import Login

    clock, settings = c.clock, c.settings
    ttl = settings.GUEST_TTL_DAYS * DAY
    _, erp = staff_keys.create(c, "bench-erp")
    _, shop = storefront_keys.create(c, "bench-storefront")  # these tables' own

    def checkout(email: str) -> tuple[str, str]:
        """A guest with ``DOCUMENTS_PER_GUEST`` documents; its id and register-later token."""
        order = {"document_id": "D0", "type": "order", "status": "open", "date": "2026-10-01"}
        body = {"email": email, "name": "Old Guest", "order": order}
        answer = w.send("POST", "/guests", body, storefront=shop)
        expect(201)(answer)
        guest_id = answer.json_body["customer_id"]
        for d in range(1, DOCUMENTS_PER_GUEST):
            document = {"document_id": f"D{d}", "type": "invoice", "status": "paid", "date": "2026-10-02"}
            expect(200)(w.send("POST", f"/admin/customers/{guest_id}/documents", document, erp))
        url = answer.json_body["register_later_url"]
        return guest_id, url.split("token=", 1)[1]

    guests: list[str] = []
    per_group = EXPIRED_GUESTS // len(GUEST_EXPIRED_AGO)
    for group, ago in enumerate(GUEST_EXPIRED_AGO):
        at(clock, now - ago - ttl)
        count = per_group if group < len(GUEST_EXPIRED_AGO) - 1 else EXPIRED_GUESTS - len(guests)
        guests += [checkout(f"old-guest-{len(guests) + i}@example.com")[0] for i in range(count)]
    # Registered later, never verified: pending until the guest's own expiry (4 days ago).
    at(clock, now - max(GUEST_EXPIRED_AGO) - ttl)
    made = [checkout(f"late-{i}@example.com") for i in range(REGISTERED)]
    clock.advance(3600)
    stream = Stream()
    for _, token in made:
        answer = w.send("POST", "/register", {"token": token, "password": PASSWORD})
        expect(202)(answer)
        if answer.json_body.get("status") != "email_sent":
            raise BenchError(f"register later answered {answer.json_body}")
    stream.drain()  # the register-later tasks: each guest becomes a pending account
    registered = [guest_id for guest_id, _ in made]
    made_in = time.perf_counter() - started
    w.say(f"  {len(guests) + len(registered)} guests with their documents in {made_in:.1f} s")

    at(clock, now - UNVERIFIED_EXPIRED_AGO - settings.SIGNUP_PENDING_DAYS * DAY)
    lazy = [f"lazy-{i}@example.com" for i in range(UNVERIFIED)]
    stream = Stream()
    for email in lazy:
        expect(202)(w.send("POST", "/signup", {"email": email, "password": PASSWORD, "name": "Lazy"}))
    stream.drain()  # the sign-up tasks: the pending accounts
    namespace = settings.account_namespace
    lazy_logins = [f"{namespace}#{email}" for email in lazy]
    lazy_ids = [login.customer_id for login in found(Login, lazy_logins, "customer_id")]
    if len(lazy_ids) != UNVERIFIED:
        raise BenchError(f"{len(lazy_ids)} pending sign-ups stored, not {UNVERIFIED}")
    late_logins = [f"{namespace}#late-{i}@example.com" for i in range(REGISTERED)]
    return Expired(guests, registered, lazy_ids, lazy_logins, late_logins)


def _written_directly(c: Any, now: int, live: int) -> Live:
    """The live customers, their login claims and documents, live and expired sessions."""
    from chalicelib.checkout.models import Document
    from chalicelib.identity.models import Customer, Login, Session
    from chalicelib.kernel.clock import EXPIRY_SHARDS, day_bucket
    from chalicelib.kernel.security import sha256_hex

    settings, rng = c.settings, random.Random(SEED)
    namespace, ttl = settings.account_namespace, settings.GUEST_TTL_DAYS * DAY
    active = int(live * ACTIVE_SHARE)
    password_hash = c.hasher.hash(PASSWORD)
    accounts, guests, logins, documents = [], [], [], []
    for i in range(active):
        email = f"customer-{i}@example.com"
        customer_id = f"cus_live{i:08d}"
        accounts.append(
            Customer(
                customer_id,
                namespace=namespace,
                website_id=settings.WEBSITE_ID,
                email=email,
                name=f"Customer {i}",
                locale="en",
                newsletter=False,
                status="active",
                session_epoch=1,
                created_at=now - 200 * DAY,
                updated_at=now - 100 * DAY,
                verified_at=now - 200 * DAY,
                version=1,
            )
        )
        logins.append(
            Login(
                f"{namespace}#{email}",
                customer_id=customer_id,
                password_hash=password_hash,
                status="active",
                session_epoch=1,
                failed_signins=0,
            )
        )
    for i in range(live - active):
        expires = now + (rng.randint(60, 11 * 3600) if i < TODAY_GUESTS else rng.randint(DAY, ttl))
        guests.append(
            Customer(
                f"cus_guest{i:08d}",
                namespace=namespace,
                website_id=settings.WEBSITE_ID,
                email=f"guest-{i}@example.com",
                name=f"Guest {i}",
                locale="en",
                newsletter=False,
                status="guest",
                session_epoch=0,
                created_at=expires - ttl,
                updated_at=expires - ttl,
                expires_at=expires,
                expiry_bucket=day_bucket(expires, rng.randrange(EXPIRY_SHARDS)),
                version=1,
            )
        )
    for guest in guests[:LIVE_GUEST_DOCUMENTS]:
        documents.append(
            Document(
                guest.customer_id,
                "SO-1",
                type="order",
                status="open",
                date="2026-11-01",
                date_key="2026-11-01#SO-1",
                created_at=guest.created_at,
                updated_at=guest.created_at,
            )
        )

    def session(customer_id: str, expires: int) -> Session:
        return Session(
            f"ses_{secrets.token_hex(16)}",
            customer_id=customer_id,
            refresh_hash=sha256_hex(secrets.token_hex(16)),
            epoch=1,
            created_at=expires - 30 * DAY,
            expires_at=expires,
            expiry_bucket=day_bucket(expires, rng.randrange(EXPIRY_SHARDS)),
        )

    def owner(i: int) -> str:
        return accounts[i % active].customer_id if accounts else "cus_none"

    live_sessions = [session(owner(i), now + rng.randint(60, 30 * DAY)) for i in range(LIVE_SESSIONS)]
    old_sessions = [session(owner(i), now - rng.randint(60, 11 * 3600)) for i in range(EXPIRED_SESSIONS)]
    _batch_save(Customer, accounts + guests)
    _batch_save(Login, logins)
    _batch_save(Document, documents)
    _batch_save(Session, live_sessions + old_sessions)
    return Live(accounts, guests, logins, documents, live_sessions, old_sessions)


def _batch_save(model: Any, items: list[Any]) -> None:
    with model.batch_write() as batch:
        for item in items:
            batch.save(item)
