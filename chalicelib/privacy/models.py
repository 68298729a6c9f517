"""The privacy feature's tables: tombstones of erased addresses, and the erasures themselves."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.kernel.models import BaseTable


class Tombstone(BaseTable):
    """An erased address, as an HMAC under a key derived from the stage secret.

    Partition: the account namespace (one Query lists them all, for the re-apply command);
    sort key: the keyed hash of the address, so checking an address is one ``GetItem`` and
    checking an import's group of addresses one ``BatchGetItem``. ``customer_ids`` names
    every record erased under the address (a person may sign up again after an erasure and
    ask again); ``erased_at`` is the last erasure. Never the address itself: the keyed hash
    only matches an address someone already has.
    """

    TABLE_SUFFIX = "tombstones"
    SHARED_IN_POOL = True  # an erased address is erased for the whole pool
    PERSONAL = ("tombstone_key",)  # a keyed hash of the address: kept to re-apply the erasure
    CUSTOMER_KEY = "customer_ids"

    class Meta:
        table_name = "unconfigured"

    namespace = UnicodeAttribute(hash_key=True)
    tombstone_key = UnicodeAttribute(range_key=True)
    customer_ids = UnicodeSetAttribute()
    erased_at = NumberAttribute()


class OpenErasureIndex(GlobalSecondaryIndex[Any]):
    """Sparse: only unfinished erasures carry ``open_in`` (their namespace)."""

    class Meta:
        index_name = "open"
        projection = KeysOnlyProjection()

    open_in = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class Erasure(BaseTable):
    """One customer's erasure: the account's transaction wrote it, the features' steps follow.

    ``done`` names the steps finished when a run stopped short (the steps are idempotent, so
    a crash between two only repeats one); the worker finds unfinished ones by ``open_in``.
    A completed erasure stays there until ``sweep_after``, when the worker runs every step
    once more: a request that checked the session just before the erasure may still write
    (an address, a session) after the steps ran; by then no such request is in flight.
    """

    TABLE_SUFFIX = "erasures"
    CUSTOMER_KEY = "customer_id"

    class Meta:
        table_name = "unconfigured"

    customer_id = UnicodeAttribute(hash_key=True)
    namespace = UnicodeAttribute()
    status = UnicodeAttribute()  # running | completed
    requested_by = UnicodeAttribute()  # "customer", "staff:<key id>" or "tombstone"
    created_at = NumberAttribute()
    finished_at = NumberAttribute(null=True)
    done = UnicodeSetAttribute(null=True)
    lease_until = NumberAttribute(null=True)
    sweep_after = NumberAttribute(null=True)  # the second pass, once in-flight requests are done
    open_in = UnicodeAttribute(null=True)

    open_index = OpenErasureIndex()
