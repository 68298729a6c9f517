"""GDPR erasure: the account's transaction, then every feature's registered step.

1. One ``TransactWriteItems`` (``store.account_steps``): the customer's personal fields go
   and its status becomes ``anonymized`` with a new session epoch (every access token is
   refused at once), its email claim is deleted (the address can sign up again at once), a
   tombstone keeps a keyed hash of the address, the search keys of the email, name and phone
   go, an ``anonymized`` activity event and the ``customer.anonymized`` lifecycle event, and
   the erasure record that the steps follow.
2. The features' parts, registered in ``kernel.privacy`` (sessions, links, activity details,
   invitations, portal items, and whatever a new feature registers): each is idempotent, run
   in order within a time budget; what is left is finished by the erasure worker (every
   minute), which finds unfinished erasures through a sparse index.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib import erp, events, identity
from chalicelib.identity import Customer, activity
from chalicelib.kernel import privacy
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import InvalidState, InvalidToken, NotFound, StaleWrite
from chalicelib.kernel.observability import metric
from chalicelib.kernel.transactions import Cancelled, Step
from chalicelib.privacy import store
from chalicelib.privacy.models import Erasure, Tombstone

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

REQUEST_BUDGET = 3.0  # seconds of steps a request works before leaving the rest to the worker
LEASE_SECONDS = 60  # a run holds an erasure this long (the worker's run is shorter)
#: the second pass: after the longest request that checked the session before the erasure
#: (API Gateway ends a request at 29 s) may have written (an address, a session, a link)
SWEEP_DELAY = 90
NO_CLAIM = ("guest", "merging", "archived")  # records that hold no email claim
ATTEMPTS = 5

Guard = Callable[[Customer], None]


def email_hash(c: Container, namespace: str, email: str) -> str:
    """HMAC-SHA256 of the address under a key derived from the stage secret (128 bits)."""
    key = c.key("privacy:tombstone")
    return hmac.new(key, f"{namespace}#{email}".encode(), hashlib.sha256).hexdigest()[:32]


def customer_for(c: Container, customer_id: str) -> Customer:
    customer = identity.get_customer(customer_id)
    if customer is None or customer.namespace != c.settings.account_namespace:
        raise NotFound("No such customer.")
    return customer


def anonymize(
    c: Container,
    customer_id: str,
    actor: str,
    *,
    guard: Guard | None = None,
    extra: Sequence[tuple[str, Step]] = (),
    budget: float | None = None,
) -> dict[str, Any]:
    """Erase a customer (or finish an erasure begun earlier); the erasure's state."""
    budget = REQUEST_BUDGET if budget is None else budget
    customer = customer_for(c, customer_id)
    if customer.status != "anonymized":
        customer, erasure = _erase_account(c, customer, actor, guard, extra)
        if erasure is not None:
            return view(customer, _continue(c, erasure, time.monotonic() + budget))
    # erased before (or just now, concurrently): carry on with what is left, unless another
    # run holds it
    now = int(c.clock.now())
    leased = store.lease(customer_id, now, now + LEASE_SECONDS)
    erasure = store.get_erasure(customer_id)
    return view(customer, _continue(c, erasure, time.monotonic() + budget) if leased else erasure)


def _erase_account(
    c: Container, customer: Customer, actor: str, guard: Guard | None, extra: Sequence[tuple[str, Step]]
) -> tuple[Customer, Erasure | None]:
    """The account's transaction; a concurrent change (version) makes it read and try again.
    The customer and the erasure as they are now (written here, or by a concurrent erasure)."""
    for _ in range(ATTEMPTS):
        if guard is not None:
            guard(customer)
        if customer.status == "merging":
            raise InvalidState("A guest being merged cannot be erased until the merge ends.")
        now = int(c.clock.now())
        claim = _claim(customer)
        tombstone = Tombstone(customer.namespace, email_hash(c, customer.namespace, customer.email))
        erasure = Erasure(
            customer.customer_id,
            namespace=customer.namespace,
            status="running",
            requested_by=actor,
            created_at=now,
            lease_until=now + LEASE_SECONDS,
            open_in=customer.namespace,
        )
        event = activity.event(c, customer.customer_id, "anonymized", actor)
        steps = store.account_steps(customer, claim, tombstone, erasure, now)
        anonymized = events.emit(c, events.CUSTOMER_ANONYMIZED, customer.customer_id, status="anonymized")
        try:
            # the ERP's contacts are keyed by the address the account loses here (its own only)
            contacts = erp.erasure_steps(customer.email) if claim is not None else []
            store.run_account_steps([*steps, activity.step(event), anonymized, *contacts, *extra])
        except Cancelled as e:
            if "token" in e.failed:
                raise InvalidToken() from e
            fresh = identity.get_customer(customer.customer_id)  # changed meanwhile: read again
            if fresh is None:
                raise NotFound("No such customer.") from e
            if fresh.status == "anonymized":  # a concurrent erasure did it; its run goes on
                return fresh, None
            customer = fresh
            continue
        metric("Erasures")
        customer.status, customer.anonymized_at = "anonymized", now
        return customer, erasure
    raise StaleWrite("The customer kept changing during the erasure; retry.")


def _claim(customer: Customer) -> str | None:
    """The customer's email claim, when it holds one (a guest's address may be someone's)."""
    if customer.status in NO_CLAIM:
        return None
    login = identity.get_login(customer.login_key)
    return customer.login_key if login is not None and login.customer_id == customer.customer_id else None


def _continue(c: Container, erasure: Erasure | None, deadline: float) -> Erasure | None:
    """Run the registered steps not yet done, until done or out of time; note the progress
    (one write) and return the erasure as it now is."""
    if erasure is None or erasure.status == "completed":
        return erasure
    customer_id = erasure.customer_id
    subject = privacy.Subject(customer_id, erasure.namespace)
    done: set[str] = set(erasure.done or ())
    ran: set[str] = set()
    finished = True
    for handler in privacy.handlers():  # every feature's scrubber runs here, in order
        if handler.erase is None or handler.name in done:
            continue
        if time.monotonic() >= deadline:
            finished = False
            break
        handler.erase(c, subject)
        ran.add(handler.name)
    now = int(c.clock.now())
    sweep_after = now + SWEEP_DELAY
    store.progress(
        customer_id, set() if finished else ran, finished=finished, now=now, sweep_after=sweep_after
    )
    erasure.done = None if finished else done | ran
    if finished:
        erasure.status, erasure.finished_at = "completed", now
        metric("ErasuresCompleted")
    return erasure


def advance_open(c: Container, budget: float) -> int:
    """The worker: finish erasures a request left unfinished (or a crash interrupted), and
    run the second pass of those completed ``SWEEP_DELAY`` ago. How many it worked on."""
    started, count = time.monotonic(), 0
    for customer_id in store.open_erasures(c.settings.account_namespace):
        if time.monotonic() - started >= budget:
            break
        erasure, now = store.get_erasure(customer_id), int(c.clock.now())
        if erasure is None:
            continue
        if erasure.status == "running" and store.lease(customer_id, now, now + LEASE_SECONDS):
            _continue(c, erasure, started + budget)
            count += 1
        elif erasure.status == "completed" and store.lease(customer_id, now, now + LEASE_SECONDS, sweep=True):
            _sweep(c, erasure)
            count += 1
    return count


def _sweep(c: Container, erasure: Erasure) -> None:
    """Every step once more (what a request in flight wrote after the first pass), then done."""
    subject = privacy.Subject(erasure.customer_id, erasure.namespace)
    for handler in privacy.handlers():
        if handler.erase is not None:
            handler.erase(c, subject)
    store.close(erasure.customer_id)


def view(customer: Customer, erasure: Erasure | None) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "status": customer.status,
        "anonymized_at": iso(customer.anonymized_at),
        "erasure": None
        if erasure is None
        else {
            "status": erasure.status,
            "requested_by": erasure.requested_by,
            "requested_at": iso(erasure.created_at),
            "finished_at": iso(erasure.finished_at),
        },
    }
