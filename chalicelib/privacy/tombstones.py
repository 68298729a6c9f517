"""Tombstones: an erased address, kept as a keyed hash, re-applies its erasure.

``is_erased`` tells an importer or an ERP sync that a person asked to be forgotten (so it
does not bring them back from an old source); ``reapply`` erases again whatever record a
restore or a sync brought back: the records named by the tombstones (a restore gives them
back their old id), or the record now holding an erased address, if it existed before the
erasure (a new sign-up after it is the person's own new account, never erased).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from chalicelib import identity
from chalicelib.kernel.schemas import normalize_email
from chalicelib.privacy import store
from chalicelib.privacy.erasure import anonymize, email_hash

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

TOMBSTONE = "tombstone"  # the actor of an erasure re-applied


def last_erased_at(c: Container, email: str) -> int | None:
    """When an address of this namespace was last erased (epoch seconds), or None."""
    namespace = c.settings.account_namespace
    try:
        address = normalize_email(email)
    except ValueError:
        return None  # not an address: nothing was erased under it
    found = store.tombstone(namespace, email_hash(c, namespace, address))
    return int(found.erased_at) if found is not None else None


def is_erased(c: Container, email: str) -> bool:
    """Whether this address's owner had a record erased here (one ``GetItem``)."""
    return last_erased_at(c, email) is not None


def erased_among(c: Container, emails: Iterable[str]) -> set[str]:
    """The normalised addresses among ``emails`` whose owner had a record erased here: one
    ``BatchGetItem`` per 100 addresses (an import checks a group of rows at once)."""
    namespace = c.settings.account_namespace
    hashes: dict[str, str] = {}
    for email in emails:
        try:
            address = normalize_email(email)
        except ValueError:
            continue
        hashes[email_hash(c, namespace, address)] = address
    if not hashes:
        return set()
    return {hashes[str(t.tombstone_key)] for t in store.tombstones(namespace, hashes)}


def reapply(c: Container, email: str) -> list[str]:
    """Erase again the record holding ``email`` if it is older than the address's erasure."""
    erased_at = last_erased_at(c, email)
    if erased_at is None:
        return []
    login = identity.get_login(identity.login_key(c, normalize_email(email)))  # valid: it had a tombstone
    customer = identity.get_customer(login.customer_id) if login is not None else None
    if customer is None or customer.status == "anonymized" or int(customer.created_at) > erased_at:
        return []
    anonymize(c, customer.customer_id, TOMBSTONE)
    return [customer.customer_id]


def reapply_all(c: Container, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Every tombstone of the namespace: its record, if back and not anonymized, is erased
    again (the re-apply command, after a restore). ``progress(done, total)`` after each."""
    customer_ids = store.erased_customers(c.settings.account_namespace)
    total, done, erased = len(customer_ids), 0, 0
    for customer_id in customer_ids:
        customer = identity.get_customer(customer_id)
        if customer is not None and customer.status != "anonymized":
            anonymize(c, customer.customer_id, TOMBSTONE)
            erased += 1
        done += 1
        if progress is not None:
            progress(done, total)
    return {"tombstones": done, "erased_again": erased}
