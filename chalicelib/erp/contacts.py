"""The ERP's trade contacts: bulk upserts and full syncs (``/admin/erp``).

A contact is put whole (the ERP owns its content) with the *generation* that wrote it:
``base`` outside a full sync, else the sync's id. A full sync is opened, sent in as many
upsert calls as it needs with its ``sync_id``, then finished: the contacts still carrying
an older generation were not in the snapshot and are marked ``removed`` (their customer's
link is suspended, ``linking.remove``). They are found through a sparse index on the
generation, so a finish reads what left, never the whole list.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import TYPE_CHECKING, Any

from chalicelib.erp import linking, store
from chalicelib.erp.models import ErpContact
from chalicelib.erp.schemas import ContactsIn
from chalicelib.erp.store import BASE
from chalicelib.kernel.errors import SyncNotOpen
from chalicelib.kernel.observability import metric

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

SHARDS = 8  # partitions of a generation in the index: a snapshot of 100k contacts spreads
PAGE = 100
FINISH_BUDGET = 10.0  # seconds a finish call works; the caller repeats it until "finished"


def _gen_key(generation: str, email: str) -> str:
    shard = hashlib.sha256(email.encode()).digest()[0] % SHARDS
    return f"{generation}#{shard}"


def upsert(c: Container, data: ContactsIn) -> dict[str, Any]:
    """Put up to 1,000 contacts: one read of the sync state, then 25 contacts a call.
    Idempotent: the same rows again leave the same contacts (a row repeated in one call:
    the last one counts)."""
    now = int(c.clock.now())
    state = store.state()
    if data.sync_id is not None and state.open_sync != data.sync_id:
        raise SyncNotOpen()
    generation = data.sync_id or state.open_sync or BASE
    rows = {(row.email, row.erp_account): row for row in data.contacts}
    contacts = [
        ErpContact(
            row.email,
            row.erp_account,
            name=row.name,
            role=row.role,
            company=row.company,
            account_type=row.account_type,
            status="live",
            generation=generation,
            gen_key=_gen_key(generation, row.email),
            updated_at=now,
        )
        for row in rows.values()
    ]
    store.write_contacts(contacts)
    metric("ErpContactsWritten", len(contacts))
    return {"received": len(data.contacts), "written": len(contacts), "sync_id": data.sync_id}


def start_sync(c: Container) -> dict[str, Any]:
    sync_id = f"syn_{secrets.token_hex(12)}"
    store.open_sync(sync_id, int(c.clock.now()))
    return {"sync_id": sync_id, "status": "open"}


def finish_sync(c: Container, sync_id: str, budget: float = FINISH_BUDGET) -> dict[str, Any]:
    """Mark every contact the snapshot left out ``removed``, then close the sync.

    Works up to ``budget`` seconds: ``finishing`` means call again (what is done stays)."""
    started, now = time.monotonic(), int(c.clock.now())
    state = store.state()
    if state.open_sync != sync_id:
        raise SyncNotOpen()
    removed = suspended = 0
    for generation in sorted(set(state.generations or ()) - {sync_id}):
        for shard in range(SHARDS):
            start: dict[str, Any] | None = None
            while True:
                if time.monotonic() - started > budget:
                    return {
                        "sync_id": sync_id,
                        "status": "finishing",
                        "removed": removed,
                        "suspended": suspended,
                    }
                page, start = store.left_behind(f"{generation}#{shard}", PAGE, start)
                for contact in page:
                    outcome = linking.remove(c, contact, generation, now)
                    removed += outcome != "kept"
                    suspended += outcome == "suspended"
                if start is None:
                    break
    if not store.close_sync(sync_id, now):
        raise SyncNotOpen()
    metric("ErpContactsRemoved", removed)
    return {"sync_id": sync_id, "status": "finished", "removed": removed, "suspended": suspended}


def contacts_view(c: Container, email: str) -> dict[str, Any]:
    """Staff: the contacts with this address, and whether each may open an account."""
    return {
        "contacts": [
            {
                "erp_account": k.erp_account,
                "email": k.email,
                "name": k.name,
                "role": k.role,
                "company": k.company,
                "account_type": k.account_type,
                "status": k.status,
                "eligible": linking.is_eligible(c, k),
            }
            for k in store.contacts_of(email)
        ]
    }
