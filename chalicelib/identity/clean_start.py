"""A sign-up over an unverified record that a checkout made starts clean.

A checkout call (register later, or an account at checkout) writes whatever its caller
chose: name, phone, address and documents, under someone's address. Until the mailbox
owner verifies it, such a record (``origin`` ``checkout``) holds only a pending claim. A
normal sign-up by the owner must not adopt it (a forged invoice, a stranger's phone): the
claim moves to a fresh customer holding only what this sign-up sent, and the checkout's
record goes back to being a guest with its documents (its verify links die with its
version). The owner can still take its orders through the usual merge link, confirmed by
their password once their account is active.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.expressions.update import Action

from chalicelib.identity import store
from chalicelib.identity.creation import creation_steps
from chalicelib.identity.models import Customer, Login
from chalicelib.kernel.errors import ServiceUnavailable
from chalicelib.kernel.models import Token
from chalicelib.kernel.transactions import Step
from chalicelib.mail import OutboxMessage

if TYPE_CHECKING:
    pass

CHECKOUT = "checkout"  # Customer.origin of a record made by a checkout call


def made_by_checkout(customer: Customer) -> bool:
    return customer.status == "pending" and customer.origin == CHECKOUT


def take_over(
    previous: Customer,
    customer: Customer,
    password_hash: str,
    token: Token,
    outbox: OutboxMessage,
    now: int,
    *extra: tuple[str, Step],
) -> None:
    """One transaction: ``customer`` and its verify token, the claim moved to it with the new
    password, and ``previous`` a guest again (its version moves on: its verify links die)."""
    claim: list[Action] = [
        Login.customer_id.set(customer.customer_id),
        Login.password_hash.set(password_hash),
        Login.session_epoch.set(0),
        Login.failed_signins.set(0),
        Login.locked_until.remove(),
        Login.expires_at.set(customer.expires_at),
        Login.expiry_bucket.set(customer.expiry_bucket),
    ]
    back_to_guest: list[Action] = [
        Customer.status.set("guest"),
        Customer.origin.remove(),
        Customer.updated_at.set(now),
    ]
    held = (Login.customer_id == previous.customer_id) & (Login.status == "pending")
    steps: list[tuple[str, Step]] = [
        *creation_steps(customer),
        ("login", lambda tx: tx.update(Login(previous.login_key), actions=claim, condition=held)),
        (
            "previous",
            lambda tx: tx.update(previous, actions=back_to_guest, condition=Customer.status == "pending"),
        ),
        ("token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist())),
        *extra,
    ]
    try:
        store.run_create(steps, [outbox])
    except store.EmailTaken as e:  # verified or taken over meanwhile
        raise ServiceUnavailable("The address is changing state; retry.") from e
