"""transactions.run names the step whose condition failed, whatever kinds the steps mix.

pynamodb sends checks, deletes, puts, then updates, so the order of DynamoDB's
cancellation reasons is not the order of the steps.
"""

from __future__ import annotations

import pytest

from chalicelib.identity.models import StaffKey
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.transactions import Cancelled, run


def _key(key_hash: str) -> StaffKey:
    return StaffKey(key_hash, key_id=key_hash, name="n", created_at=1)


@pytest.mark.parametrize("failing", ["put", "update", "delete"])
def test_the_failed_label_is_the_failing_step(container: Container, failing: str) -> None:
    for name in ("a", "b", "c"):
        _key(name).save()
    present, absent = StaffKey.key_hash.exists(), StaffKey.key_hash.does_not_exist()
    updated = _key("a" if failing != "update" else "missing")
    put = _key("b" if failing == "put" else "new")
    deleted = _key("c" if failing != "delete" else "gone")
    steps = [
        ("update", lambda tx: tx.update(updated, actions=[StaffKey.name.set("x")], condition=present)),
        ("put", lambda tx: tx.save(put, condition=absent)),
        ("delete", lambda tx: tx.delete(deleted, condition=present)),
    ]
    with pytest.raises(Cancelled) as raised:
        run(steps)
    assert raised.value.failed == {failing}
