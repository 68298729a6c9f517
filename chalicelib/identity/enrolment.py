"""Building accounts that staff create: the one place a customer and its email claim are
assembled for a ``TransactWriteItems`` (imports today; the back office adds its keys here).

Callers get labelled steps and run them in their own transaction with what else belongs
there (an import's progress, an address, an invitation row), so a customer is created
or updated in exactly one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pynamodb.expressions.update import Action

from chalicelib import events
from chalicelib.identity import activity, creation, search
from chalicelib.identity import references as creation_references
from chalicelib.identity.models import Customer, Login
from chalicelib.identity.store import claim_free
from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

#: what staff may set on an existing customer through these steps
PROFILE_FIELDS = ("name", "locale", "phone", "newsletter")
BATCH_GET_MAX = 100  # DynamoDB's BatchGetItem limit


#: a customer record of this website (not yet written), with its reference (given, from
#: ``references(c, n)``, or the container's next one)
new_customer = creation.new_customer


def references(c: Container, n: int) -> list[str]:
    """``n`` customer references for a batch of creations (at most one counter write)."""
    return creation_references.take(c, n)


def creation_steps(
    c: Container, customer: Customer, *, password_hash: str | None, actor: str, **detail: Any
) -> list[tuple[str, Step]]:
    """The customer, its email claim (fails as ``login`` when the address is taken) and the
    ``account_created`` activity event."""
    now = int(c.clock.now())
    login = Login(
        customer.login_key,
        customer_id=customer.customer_id,
        password_hash=password_hash,
        status=customer.status,
        session_epoch=0,
        failed_signins=0,
    )
    event = activity.event(c, customer.customer_id, "account_created", actor, **detail)
    return [
        *creation.creation_steps(customer),  # the customer and its search keys
        ("login", lambda tx: tx.save(login, condition=claim_free(now))),
        activity.step(event),
        events.emit(c, events.CUSTOMER_CREATED, customer.customer_id, status=str(customer.status)),
    ]


def profile_steps(
    c: Container, customer: Customer, changes: dict[str, Any], *, actor: str
) -> list[tuple[str, Step]]:
    """Staff's changes to ``PROFILE_FIELDS`` of a read customer (guarded by its version) and
    the ``profile_updated`` event naming the fields. No change: no step."""
    changed = {k: v for k, v in changes.items() if k in PROFILE_FIELDS and getattr(customer, k) != v}
    if not changed:
        return []
    actions: list[Action] = [getattr(Customer, k).set(v) for k, v in changed.items()]
    actions.append(Customer.updated_at.set(int(c.clock.now())))
    event = activity.event(c, customer.customer_id, "profile_updated", actor, fields=sorted(changed))
    after = search.changed(customer, **changed)
    return [
        ("customer", lambda tx: tx.update(customer, actions=actions)),
        activity.step(event),
        *search.index_steps(customer, after),
        events.emit(c, events.CUSTOMER_UPDATED, customer.customer_id, fields=sorted(changed)),
    ]


@translated
def logins(keys: Iterable[str]) -> dict[str, Login]:
    """The email claims at ``keys`` (strongly consistent ``BatchGetItem``, 100 a call)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Login] = {}
    for start in range(0, len(wanted), BATCH_GET_MAX):
        for login in Login.batch_get(wanted[start : start + BATCH_GET_MAX], consistent_read=True):
            found[login.login_key] = login
    return found


@translated
def customers(ids: Sequence[str]) -> dict[str, Customer]:
    """The customers with ``ids`` (strongly consistent ``BatchGetItem``, 100 a call)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Customer] = {}
    for start in range(0, len(wanted), BATCH_GET_MAX):
        for customer in Customer.batch_get(wanted[start : start + BATCH_GET_MAX], consistent_read=True):
            found[customer.customer_id] = customer
    return found
