"""ERP contacts in DynamoDB: batch upserts, the sync state, and the sparse generation index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.erp.models import STATE_ACCOUNT, STATE_EMAIL, ErpContact
from chalicelib.kernel.dynamo import error_code, translated
from chalicelib.kernel.transactions import Cancelled, Step, run

BASE = "base"  # the generation of contacts sent before any full sync


@translated
def write_contacts(contacts: Sequence[ErpContact]) -> None:
    """Put every contact (BatchWriteItem, 25 a call; pynamodb retries unprocessed items).

    A put replaces the contact whole: the ERP is the source of its content; what the link
    earned lives on the customer, never here, so nothing is read first."""
    with ErpContact.batch_write() as batch:
        for contact in contacts:
            batch.save(contact)


@translated
def contacts_of(email: str) -> list[ErpContact]:
    """Every contact (live or removed) with this address: one ``Query``."""
    return list(ErpContact.query(email, consistent_read=True))


@translated
def state() -> ErpContact:
    try:
        return ErpContact.get(STATE_EMAIL, STATE_ACCOUNT, consistent_read=True)
    except ErpContact.DoesNotExist:
        return ErpContact(STATE_EMAIL, STATE_ACCOUNT, current=BASE, generations={BASE})


@translated
def open_sync(sync_id: str, now: int) -> None:
    """Start a full sync (a newer one replaces an unfinished one, whose contacts a finish
    then treats as absent unless sent again). ``generations`` always holds ``BASE``, the
    generation of contacts upserted outside a sync: a later snapshot judges them too."""
    ErpContact(STATE_EMAIL, STATE_ACCOUNT).update(
        actions=[
            ErpContact.open_sync.set(sync_id),
            ErpContact.current.set(ErpContact.current | BASE),
            ErpContact.generations.add({sync_id, BASE}),
            ErpContact.updated_at.set(now),
        ]
    )


@translated
def left_behind(gen_key: str, limit: int, start: dict[str, Any] | None) -> tuple[list[ErpContact], Any]:
    """One page of the contacts still carrying an older generation (keys only)."""
    query = ErpContact.by_generation.query(gen_key, limit=limit, last_evaluated_key=start)
    items = list(query)
    return items, query.last_evaluated_key


def removal_step(contact: ErpContact, generation: str, now: int) -> tuple[str, Step]:
    """Mark a contact removed, if no newer write reached it meanwhile (same generation)."""
    target = ErpContact(contact.email, contact.erp_account)
    actions = [
        ErpContact.status.set("removed"),
        ErpContact.removed_at.set(now),
        ErpContact.updated_at.set(now),
        ErpContact.gen_key.remove(),
    ]
    condition = (ErpContact.generation == generation) & (ErpContact.status == "live")
    return ("contact", lambda tx: tx.update(target, actions=actions, condition=condition))


@translated
def apply(steps: Sequence[tuple[str, Step]]) -> bool:
    """Run one contact's removal (with its link's suspension); False if the contact was
    written again meanwhile (it stays)."""
    try:
        run(steps)
    except Cancelled as e:
        if "contact" in e.failed:
            return False
        raise
    return True


@translated
def close_sync(sync_id: str, now: int) -> bool:
    """The snapshot is the list now: its generation is the only one live contacts carry."""
    try:
        ErpContact(STATE_EMAIL, STATE_ACCOUNT).update(
            actions=[
                ErpContact.current.set(sync_id),
                ErpContact.generations.set({sync_id, BASE}),
                ErpContact.open_sync.remove(),
                ErpContact.updated_at.set(now),
            ],
            condition=ErpContact.open_sync == sync_id,
        )
    except UpdateError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            return False
        raise
    return True
