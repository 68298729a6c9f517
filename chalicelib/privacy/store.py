"""The privacy feature's DynamoDB access: the account's erasure transaction, erasure records
and tombstones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pynamodb.expressions.update import Action

from chalicelib import identity
from chalicelib.identity import Customer, Login
from chalicelib.kernel.dynamo import take_lease, translated
from chalicelib.kernel.models import Token
from chalicelib.kernel.transactions import Step, run
from chalicelib.mail import OutboxMessage
from chalicelib.privacy.models import Erasure, Tombstone

ANONYMIZED_DOMAIN = "anonymized.invalid"  # RFC 2606: never a real mailbox


def anonymous_email(customer_id: str) -> str:
    return f"{customer_id}@{ANONYMIZED_DOMAIN}"


def account_steps(
    customer: Customer, claim: str | None, tombstone: Tombstone | None, erasure: Erasure, now: int
) -> list[tuple[str, Step]]:
    """The account's part of an erasure, as steps of one transaction.

    The customer keeps its id, website, status history and documents, and loses every
    personal field; its email becomes ``<id>@anonymized.invalid``. A new session epoch
    refuses every older access token at once. The email claim (``claim``, the login key
    when this customer holds it) is deleted, so the address can sign up again at once.
    The search keys of the email, the name's words and the phone go with them (the
    reference and ERP account numbers stay: staff still find the orders by them).
    ``version`` guards the update: a concurrent profile change makes one of the two fail.
    """
    epoch = int(customer.session_epoch) + 1
    actions: list[Action] = [
        Customer.email.set(anonymous_email(customer.customer_id)),
        Customer.name.set(""),
        Customer.phone.remove(),
        Customer.address.remove(),
        Customer.preferences.remove(),
        Customer.newsletter.set(False),
        Customer.status.set("anonymized"),
        Customer.anonymized_at.set(now),
        Customer.session_epoch.set(epoch),
        Customer.updated_at.set(now),
        Customer.expires_at.remove(),
        Customer.expiry_bucket.remove(),
        Customer.invitation_id.remove(),
        Customer.origin.remove(),
        Customer.websites.remove(),  # a pool's per-website phone and preferences
        Customer.erp_account.remove(),  # the ERP link (its contacts: ``erp.erasure_steps``);
        Customer.erp_role.remove(),  # ``erp_accounts`` stays until the search keys go
        Customer.erp_company.remove(),
        Customer.erp_link.remove(),
        Customer.erp_linked_at.remove(),
    ]
    steps: list[tuple[str, Step]] = [
        (
            "customer",
            lambda tx: tx.update(customer, actions=actions, condition=Customer.status != "anonymized"),
        ),
        ("erasure", lambda tx: tx.save(erasure)),
    ]
    erased = identity.customer_as(customer, email=None, name="", phone=None)
    steps += identity.search_index_steps(customer, erased)
    if claim is not None:
        owned = Login.customer_id == customer.customer_id
        steps.append(("login", lambda tx: tx.delete(Login(claim), condition=owned)))
    if tombstone is not None:  # one item per address: another erasure under it adds its id
        marks: list[Action] = [
            Tombstone.customer_ids.add({customer.customer_id}),
            Tombstone.erased_at.set(now),
        ]
        steps.append(("tombstone", lambda tx: tx.update(tombstone, actions=marks)))
    return steps


@translated
def run_account_steps(steps: Sequence[tuple[str, Step]]) -> None:
    """One transaction; ``transactions.Cancelled`` names the failed conditions."""
    run(steps)


def consume_step(token: Token, now: int) -> Step:
    """Spend the customer's confirmation link in the erasure's own transaction."""
    condition = Token.used_at.does_not_exist() & (Token.expires_at > now)
    return lambda tx: tx.update(token, actions=[Token.used_at.set(now)], condition=condition)


@translated
def issue_link(token: Token, message: OutboxMessage, event: tuple[str, Step]) -> None:
    """The confirmation link, its email and the request's event: one transaction (an email
    over the address's budget drops the whole request silently)."""
    steps: list[tuple[str, Step]] = [
        ("token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist())),
        event,
    ]
    run(steps, [message])


@translated
def get_erasure(customer_id: str) -> Erasure | None:
    try:
        return Erasure.get(customer_id, consistent_read=True)
    except Erasure.DoesNotExist:
        return None


@translated
def lease(customer_id: str, now: int, until: int, *, sweep: bool = False) -> bool:
    """Hold an erasure for one run (the worker and a request never overlap): an unfinished
    one, or (``sweep``) a completed one whose second pass is due."""
    due = (
        (Erasure.status == "completed") & (Erasure.sweep_after <= now)
        if sweep
        else (Erasure.status == "running")
    )
    return take_lease(Erasure(customer_id), Erasure.lease_until, now, until, due)


@translated
def progress(customer_id: str, done: set[str], *, finished: bool, now: int, sweep_after: int) -> None:
    """Note the steps done; a finished erasure waits for its second pass (``sweep_after``)."""
    actions: list[Action] = [Erasure.lease_until.set(0)]
    if done:
        actions.append(Erasure.done.add(done))
    if finished:
        actions += [
            Erasure.status.set("completed"),
            Erasure.finished_at.set(now),
            Erasure.sweep_after.set(sweep_after),
        ]
    Erasure(customer_id).update(actions=actions, condition=Erasure.customer_id.exists())


@translated
def close(customer_id: str) -> None:
    """The second pass is done: the erasure leaves the worker's index."""
    actions: list[Action] = [
        Erasure.lease_until.set(0),
        Erasure.sweep_after.remove(),
        Erasure.open_in.remove(),
    ]
    Erasure(customer_id).update(actions=actions, condition=Erasure.customer_id.exists())


@translated
def open_erasures(namespace: str, limit: int = 100) -> list[str]:
    return [e.customer_id for e in Erasure.open_index.query(namespace, limit=limit)]


@translated
def tombstone(namespace: str, email_hash: str) -> Tombstone | None:
    """One ``GetItem``."""
    try:
        return Tombstone.get(namespace, email_hash)
    except Tombstone.DoesNotExist:
        return None


@translated
def tombstones(namespace: str, email_hashes: Iterable[str]) -> list[Tombstone]:
    """``BatchGetItem``: one call per 100 hashes."""
    return list(Tombstone.batch_get([(namespace, h) for h in set(email_hashes)]))


@translated
def erased_customers(namespace: str) -> list[str]:
    """The customers named by the namespace's tombstones (the re-apply command): one
    ``Query``, page by page; a few dozen bytes a tombstone."""
    found = Tombstone.query(namespace, attributes_to_get=["customer_ids"])
    return sorted({customer_id for t in found for customer_id in t.customer_ids})
