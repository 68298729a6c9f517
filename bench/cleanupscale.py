"""The scheduled cleanup on a table of 10,000 live customers and what expired among them.

Its own tables (``TABLE_PREFIX`` + ``-cleanup``) in the bench's moto, its own
``ManualClock`` and container, so the figures count only what is set up here:

- through the API, untimed, on the clock of their day: ``EXPIRED_GUESTS`` guests
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

The clock is then set to 12:00 UTC on the run's day, and ``chalicelib.cleanup.run`` is
called: once as a dry run, then for real until its report says ``complete``. Every
call is counted, with the items DynamoDB read to answer it. Then what a removed
customer costs afterwards (the customers stream's handler, ``children_of_removed``) is
run on the REMOVE records the deletions would produce, and every live record and every
expired one is looked up (``BatchGetItem``, untimed).
"""

from __future__ import annotations

import gc
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.harness.awscalls import RECORDER, Call
from bench.scenarios import BENCH_SETTINGS, PASSWORD, REGION, BenchError, World, expect

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
MAX_RUNS = 5
DAY = 86400
SEED = 20261122


@dataclass
class Pass:
    """One call of ``cleanup.run`` (or of the stream handler) and every AWS call it made."""

    label: str
    report: dict[str, Any]
    calls: tuple[Call, ...]
    seconds: float  # wall time, in-process
    in_calls: float  # of which inside AWS calls (botocore and moto)

    def dynamodb(self) -> list[Call]:
        return [c for c in self.calls if c.service == "dynamodb"]

    def removed(self) -> int:
        """What the report says it removed (or would remove); the stream handler's is flat."""
        counts = self.report.get("removed", self.report.get("would_remove", self.report))
        return sum(n for n in counts.values() if isinstance(n, int) and not isinstance(n, bool))

    def items_read(self) -> int:
        """The report's own ``items_read``."""
        return int(self.report.get("items_read", 0))

    def dynamodb_read(self) -> int:
        """Items DynamoDB read to answer the calls (Query's ScannedCount, items found by gets)."""
        return sum(c.read for c in self.dynamodb())

    def dynamodb_deleted(self) -> int:
        """Delete requests that DynamoDB applied: DeleteItem without error, BatchWriteItem deletes."""
        single = sum(1 for c in self.dynamodb() if c.operation == "DeleteItem" and not c.error)
        return single + sum(c.batch_deletes for c in self.dynamodb())

    def scans(self) -> int:
        return sum(1 for c in self.dynamodb() if c.operation == "Scan")


@dataclass
class CleanupScale:
    live_customers: int
    active_accounts: int
    live_guests: int
    today_guests: int
    live_guest_documents: int
    live_sessions: int
    expected: dict[str, int]  # what should go, per kind of the cleanup's report
    tables_before: dict[str, int]  # items per table (DescribeTable)
    tables_after: dict[str, int]
    setup_seconds: float
    dry: Pass
    runs: list[Pass]
    stream: Pass
    kept: dict[str, tuple[int, int]] = field(default_factory=dict)  # found, of
    left: dict[str, tuple[int, int]] = field(default_factory=dict)  # expired yet found, of
    documents_per_guest: int = DOCUMENTS_PER_GUEST
    registered: int = 0  # guests registered later, never verified: pending customers with documents
    orphans: tuple[int, int] = (0, 0)  # their documents found between the run and the stream handler

    def removed(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for run in self.runs:
            total.update(run.report.get("removed", {}))
        return total

    def total_removed(self) -> int:
        return sum(self.removed().values())

    def items_read(self) -> int:
        """Items read by the real runs: the larger of the reports' count and DynamoDB's."""
        return max(sum(r.items_read() for r in self.runs), sum(r.dynamodb_read() for r in self.runs))

    def scans(self) -> int:
        return sum(r.scans() for r in (self.dry, *self.runs, self.stream))

    def lost_live(self) -> int:
        return sum(of - found for found, of in self.kept.values())

    def left_expired(self) -> int:
        return sum(found for found, _ in self.left.values())

    def customers_before(self) -> int:
        return self.tables_before.get("customers", 0)


def _at(clock: Any, when: float) -> None:
    clock.advance(when - clock.now())


def _batch_save(model: Any, items: list[Any]) -> None:
    with model.batch_write() as batch:
        for item in items:
            batch.save(item)


def _found(model: Any, keys: list[Any], *attributes: str) -> list[Any]:
    """The items of ``keys`` that exist (``BatchGetItem``, keys and ``attributes`` only)."""
    names = [model._hash_key_attribute().attr_name, *attributes]
    if model._range_key_attribute():
        names.append(model._range_key_attribute().attr_name)
    found: list[Any] = []
    for start in range(0, len(keys), 1000):
        found += model.batch_get(keys[start : start + 1000], consistent_read=True, attributes_to_get=names)
    return found


def _table_sizes() -> dict[str, int]:
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


def _pass(label: str, work: Any) -> Pass:
    gc.collect()
    gc.freeze()
    with RECORDER.window() as calls:
        before, started = RECORDER.call_seconds, time.perf_counter()
        report = work()
        seconds, in_calls = time.perf_counter() - started, RECORDER.call_seconds - before
    return Pass(label, report, tuple(calls), seconds, in_calls)


def measure(w: World, live: int = LIVE_CUSTOMERS) -> CleanupScale:
    """Set up, run the cleanup until complete, check what stayed; moto's query sped up meanwhile."""
    from bench.harness import moto_queries as motoquery

    motoquery.install()
    try:
        return _measure(w, live)
    finally:
        motoquery.uninstall()


def _measure(w: World, live: int) -> CleanupScale:
    from chalicelib import jobs
    from chalicelib.checkout.models import Document
    from chalicelib.cleanup import service as cleanup
    from chalicelib.identity import staff_keys as staff
    from chalicelib.identity.models import Customer, Login, Session
    from chalicelib.kernel.bootstrap import Container
    from chalicelib.kernel.clock import EXPIRY_SHARDS, ManualClock, day_bucket
    from chalicelib.kernel.models import configure_tables
    from chalicelib.kernel.security import sha256_hex
    from chalicelib.kernel.settings import Settings
    from chalicelib.tables import create_tables

    say = w.say
    rng = random.Random(SEED)
    set_up = time.perf_counter()
    # 12:00 UTC, 34 days from today: guests checked out 30 + 4 days earlier have just expired.
    now = (int(time.time()) // DAY + 34) * DAY + 12 * 3600
    prefix = f"{BENCH_SETTINGS['TABLE_PREFIX']}-cleanup"
    create_tables(prefix, REGION, wait=False)
    settings = Settings(**{**BENCH_SETTINGS, "TABLE_PREFIX": prefix, "MAIL_DISPATCH": "stream"})
    ttl = settings.GUEST_TTL_DAYS * DAY
    clock = ManualClock(start=now - ttl - max(GUEST_EXPIRED_AGO))
    c = Container(settings=settings, clock=clock)
    w.use(c)
    _, erp = staff.create(c, "bench-erp")
    active = int(live * ACTIVE_SHARE)
    guests_live = live - active
    say(
        f"cleanup at scale, set-up: {EXPIRED_GUESTS + REGISTERED} guests x {DOCUMENTS_PER_GUEST} "
        f"documents ({REGISTERED} registered later) and {UNVERIFIED} sign-ups through the API, then "
        f"{live:,} live customers ({active:,} accounts, {guests_live:,} guests) and "
        f"{LIVE_SESSIONS + EXPIRED_SESSIONS:,} sessions by batch_write"
    )

    def checkout(email: str) -> tuple[str, str]:
        """A guest with ``DOCUMENTS_PER_GUEST`` documents; its id and register-later token."""
        order = {"document_id": "D0", "type": "order", "status": "open", "date": "2026-10-01"}
        answer = w.send("POST", "/guests", {"email": email, "name": "Old Guest", "order": order})
        expect(201)(answer)
        guest_id = answer.json_body["customer_id"]
        for d in range(1, DOCUMENTS_PER_GUEST):
            document = {"document_id": f"D{d}", "type": "invoice", "status": "paid", "date": "2026-10-02"}
            expect(200)(w.send("POST", f"/admin/customers/{guest_id}/documents", document, erp))
        url = answer.json_body["register_later_url"]
        return guest_id, url.split("token=", 1)[1]

    expired_guests: list[str] = []
    per_group = EXPIRED_GUESTS // len(GUEST_EXPIRED_AGO)
    for group, ago in enumerate(GUEST_EXPIRED_AGO):
        _at(clock, now - ago - ttl)
        count = per_group if group < len(GUEST_EXPIRED_AGO) - 1 else EXPIRED_GUESTS - len(expired_guests)
        expired_guests += [
            checkout(f"old-guest-{len(expired_guests) + i}@example.com")[0] for i in range(count)
        ]
    # Registered later, never verified: pending until the guest's own expiry (4 days ago).
    _at(clock, now - max(GUEST_EXPIRED_AGO) - ttl)
    made = [checkout(f"late-{i}@example.com") for i in range(REGISTERED)]
    clock.advance(3600)
    for _, token in made:
        answer = w.send("POST", "/register", {"token": token, "password": PASSWORD})
        expect(202)(answer)
        if answer.json_body.get("status") != "verification_sent":
            raise BenchError(f"register later answered {answer.json_body}")
    registered = [guest_id for guest_id, _ in made]
    say(
        f"  {len(expired_guests) + len(registered)} guests with their documents in "
        f"{time.perf_counter() - set_up:.1f} s"
    )

    _at(clock, now - UNVERIFIED_EXPIRED_AGO - settings.SIGNUP_PENDING_DAYS * DAY)
    lazy = [f"lazy-{i}@example.com" for i in range(UNVERIFIED)]
    for email in lazy:
        expect(202)(w.send("POST", "/signup", {"email": email, "password": PASSWORD, "name": "Lazy"}))
    namespace = settings.account_namespace
    lazy_logins = [f"{namespace}#{email}" for email in lazy]
    lazy_ids = [login.customer_id for login in _found(Login, lazy_logins, "customer_id")]
    if len(lazy_ids) != UNVERIFIED:
        raise BenchError(f"{len(lazy_ids)} pending sign-ups stored, not {UNVERIFIED}")
    late_logins = [f"{namespace}#late-{i}@example.com" for i in range(REGISTERED)]

    _at(clock, now)
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
    for i in range(guests_live):
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
    tables_before = _table_sizes()
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
    setup_seconds = time.perf_counter() - set_up
    say(
        f"  set-up took {setup_seconds:.1f} s: {tables_before['customers']:,} customers, "
        f"{sum(tables_before.values()):,} items in the six tables; clock at 12:00 UTC"
    )

    budget = jobs.CLEANUP_BUDGET
    dry = _pass("dry run", lambda: cleanup.run(c, budget=budget, dry_run=True))
    say(
        f"  dry run: would remove {dry.removed():,} ({dry.report.get('would_remove')}), "
        f"{len(dry.dynamodb())} DynamoDB calls, {dry.seconds:.1f} s"
    )
    runs: list[Pass] = []
    while not runs or not runs[-1].report.get("complete"):
        if len(runs) == MAX_RUNS:
            raise BenchError(f"the cleanup was not complete after {MAX_RUNS} runs")
        run = _pass(f"run {len(runs) + 1}", lambda: cleanup.run(c, budget=budget))
        runs.append(run)
        say(
            f"  {run.label}: removed {run.removed():,} ({run.report.get('removed')}), read "
            f"{run.items_read():,} (DynamoDB: {run.dynamodb_read():,}), {len(run.dynamodb())} DynamoDB "
            f"calls, {run.seconds:.1f} s, complete={run.report.get('complete')}"
        )

    removed_ids = expired_guests + registered + lazy_ids  # what the customers stream hands its handler

    def stream_handler() -> dict[str, Any]:
        total: Counter[str] = Counter()
        for start in range(0, len(removed_ids), 100):  # the stream's batch size
            records = [
                {"eventName": "REMOVE", "dynamodb": {"Keys": {"customer_id": {"S": customer_id}}}}
                for customer_id in removed_ids[start : start + 100]
            ]
            total.update(cleanup.children_of_removed({"Records": records}))
        return dict(total)

    late_keys = [(g, f"D{d}") for g in registered for d in range(DOCUMENTS_PER_GUEST)]
    orphans = (len(_found(Document, late_keys)), len(late_keys))  # what only the stream removes
    stream = _pass("customers stream (REMOVE)", stream_handler)

    kept = {
        "active accounts": (
            sum(
                1
                for x in _found(Customer, [a.customer_id for a in accounts], "status")
                if x.status == "active"
            ),
            active,
        ),
        "live guests": (
            sum(
                1 for x in _found(Customer, [g.customer_id for g in guests], "status") if x.status == "guest"
            ),
            guests_live,
        ),
        "login claims": (len(_found(Login, [x.login_key for x in logins])), len(logins)),
        "documents of live guests": (
            len(_found(Document, [(d.customer_id, d.document_id) for d in documents])),
            len(documents),
        ),
        "live sessions": (len(_found(Session, [s.session_id for s in live_sessions])), LIVE_SESSIONS),
    }
    document_keys = [(g, f"D{d}") for g in expired_guests for d in range(DOCUMENTS_PER_GUEST)]
    left = {
        "expired guests": (len(_found(Customer, expired_guests)), EXPIRED_GUESTS),
        "documents of expired guests": (len(_found(Document, document_keys)), len(document_keys)),
        "never-verified sign-ups": (len(_found(Customer, lazy_ids)), UNVERIFIED),
        "login claims of never-verified sign-ups": (len(_found(Login, lazy_logins)), UNVERIFIED),
        "guests registered later, never verified": (len(_found(Customer, registered)), REGISTERED),
        "login claims of guests registered later": (len(_found(Login, late_logins)), REGISTERED),
        "documents of guests registered later (after the stream handler)": (
            len(_found(Document, late_keys)),
            len(late_keys),
        ),
        "expired sessions": (len(_found(Session, [s.session_id for s in old_sessions])), EXPIRED_SESSIONS),
    }
    result = CleanupScale(
        live_customers=live,
        active_accounts=active,
        live_guests=guests_live,
        today_guests=min(TODAY_GUESTS, guests_live),
        live_guest_documents=len(documents),
        live_sessions=LIVE_SESSIONS,
        expected=expected,
        tables_before=tables_before,
        tables_after=_table_sizes(),
        setup_seconds=setup_seconds,
        dry=dry,
        runs=runs,
        stream=stream,
        kept=kept,
        left=left,
        registered=REGISTERED,
        orphans=orphans,
    )
    say(
        f"  kept {sum(f for f, _ in kept.values()):,} of {sum(o for _, o in kept.values()):,} live records; "
        f"{result.left_expired()} expired ones left; stream handler: {len(stream.dynamodb())} DynamoDB calls"
    )
    configure_tables(BENCH_SETTINGS["TABLE_PREFIX"], REGION)  # back to the bench's own tables
    w.use(w.stream)
    return result
