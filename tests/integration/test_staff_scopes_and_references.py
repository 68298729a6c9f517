"""Staff key scopes on every /admin route, and customer references."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest

from chalicelib.api import scoping
from chalicelib.identity import references
from chalicelib.identity import staff_keys as staff
from chalicelib.identity.models import Customer, SearchEntry, StaffKey
from chalicelib.identity.references import COUNTER_SCOPE
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.errors import ValidationFailed
from devtools.probes import at_once
from tests.integration.conftest import Api, last_mail, token_from
from tests.support import STRONG_PASSWORD

REFERENCE = re.compile(r"^C-[0-9]{1,9}$")


def _key(container: Container, *scopes: str) -> str:
    _, secret = staff.create(container, "erp-sync", scopes=scopes)
    return secret


def test_a_key_without_the_scope_gets_403_insufficient_scope(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    path = f"/admin/customers/{pair['customer_id']}"
    documents_only = _key(container, "documents:write")
    refused = api.call("GET", path, token=documents_only)
    assert refused.status_code == 403
    assert refused.json_body["error"]["code"] == "insufficient_scope"
    reader = _key(container, "customers:read")
    assert api.call("GET", path, token=reader).status_code == 200
    write = api.call("PUT", path + "/status", {"status": "blocked"}, token=reader)
    assert write.status_code == 403 and write.json_body["error"]["code"] == "insufficient_scope"
    assert api.call("GET", "/me", token=pair["access_token"]).status_code == 200  # nothing changed


def test_an_erp_key_cannot_invite_or_create(api: Api, container: Container) -> None:
    erp = _key(container, "customers:read", "documents:write")
    body = {"customers": [{"email": "x@example.com", "name": "X"}]}
    assert api.call("POST", "/admin/invitations", body, token=erp).json_body["error"]["code"] == (
        "insufficient_scope"
    )
    created = api.call("POST", "/admin/customers", {"email": "x@example.com", "name": "X"}, token=erp)
    assert created.status_code == 403
    assert Customer.count() == 0


def test_a_key_made_before_scopes_keeps_every_scope(api: Api, container: Container) -> None:
    key, secret = staff.create(container, "old")
    stored = StaffKey.get(key.key_hash)
    stored.update(actions=[StaffKey.scopes.remove()])  # as every key made before scopes
    created = api.call("POST", "/admin/customers", {"email": "x@example.com", "name": "X"}, token=secret)
    assert created.status_code == 201


def test_an_admin_route_that_declares_no_scope_is_refused(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = api.verified_account("ada@example.com")
    monkeypatch.delitem(scoping.ROUTE_SCOPES, ("/admin/customers/{customer_id}", "GET"))
    every = _key(container, "all")
    answer = api.call("GET", f"/admin/customers/{pair['customer_id']}", token=every)
    assert answer.status_code == 403 and answer.json_body["error"]["code"] == "insufficient_scope"


def test_scopes_are_chosen_from_the_one_list(container: Container) -> None:
    with pytest.raises(ValidationFailed):
        staff.create(container, "typo", scopes=["customer:read"])
    with pytest.raises(ValidationFailed):
        staff.create(container, "none", scopes=[])
    key, _ = staff.create(container, "reader", scopes=["customers:read"])
    assert StaffKey.get(key.key_hash).scopes == {"customers:read"}


def test_the_activity_names_the_staff_key(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    _, secret = staff.create(container, "Support desk", scopes=["all"])
    path = f"/admin/customers/{pair['customer_id']}"
    assert api.call("PUT", path + "/status", {"status": "inactive"}, token=secret).status_code == 200
    events = api.call("GET", path + "/activity", token=secret).json_body["activity"]
    changed = next(e for e in events if e["kind"] == "status_changed")
    assert changed["actor"].startswith("staff:key_") and changed["actor_name"] == "Support desk"


def test_every_path_gives_a_customer_a_reference(api: Api, container: Container) -> None:
    api.verified_account("ada@example.com")  # sign-up
    staff_key = _key(container, "all")
    api.call(
        "POST",
        "/admin/invitations",
        {"customers": [{"email": "i@example.com", "name": "I"}]},
        token=staff_key,
    )
    api.storefront("POST", "/guests", {"email": "g@example.com", "name": "Gus"})  # guest checkout
    api.call("POST", "/admin/customers", {"email": "s@example.com", "name": "Sam"}, token=staff_key)
    made = list(Customer.scan())
    assert len(made) == 4
    references = [c.reference for c in made]
    assert all(r and REFERENCE.match(r) and len(r) <= 14 for r in references), references
    assert len(set(references)) == 4


def test_references_step_randomly_and_stay_unique_under_25_concurrent_creations(
    api: Api, configure: Callable[..., Container]
) -> None:
    container = configure(REFERENCE_PREFIX="SHOP", REFERENCE_STEP_MAX=1000)
    secret = _key(container, "all")

    def create(i: int) -> str:
        answer = api.call(
            "POST", "/admin/customers", {"email": f"c{i}@example.com", "name": "C"}, token=secret
        )
        assert answer.status_code == 201, answer.body
        return str(answer.json_body["reference"])

    references = at_once(create, 25)
    assert not [r for r in references if isinstance(r, Exception)], references
    numbers = sorted(int(r.split("-")[1]) for r in references)
    assert all(r.startswith("SHOP-") and len(r) <= 14 for r in references)
    assert len(set(numbers)) == 25
    gaps = {b - a for a, b in itertools.pairwise(numbers)}
    assert len(gaps) > 1  # random steps, not +1
    assert SearchEntry.get(COUNTER_SCOPE, "SHOP").value >= numbers[-1]  # the last block's end


def test_a_warm_container_takes_references_in_growing_blocks_a_cold_one_reserves_one(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = _key(container, "all")
    writes: list[int] = []
    advance = references._advance
    monkeypatch.setattr(references, "_advance", lambda *a: writes.append(a[1]) or advance(*a))

    def create(i: int) -> int:
        body = {"email": f"w{i}@example.com", "name": "W"}
        answer = api.call("POST", "/admin/customers", body, token=secret)
        assert answer.status_code == 201, answer.body
        return int(answer.json_body["reference"].split("-")[1])

    first = create(0)
    assert len(writes) == 1 and SearchEntry.get(COUNTER_SCOPE, "C").value == first  # nothing reserved
    numbers = [first] + [create(i) for i in range(1, 15)]
    assert len(writes) == 4  # 15 creations: blocks of 1, 2, 4 and 8 numbers
    numbers += [create(i) for i in range(15, 31)]
    assert len(writes) == 5  # 16 more: one block of 16
    assert numbers == sorted(numbers) and len(set(numbers)) == 31
    assert len(references.take(container, 40)) == 40 and len(writes) == 6  # a batch: one write


def test_creating_the_same_address_twice_at_once_gives_one_201_and_one_409(
    api: Api, container: Container
) -> None:
    secret = _key(container, "all")
    body = {"email": "twice@example.com", "name": "Twice"}
    answers = at_once(lambda _: api.call("POST", "/admin/customers", body, token=secret), 2)
    assert sorted(a.status_code for a in answers) == [201, 409]
    conflict = next(a for a in answers if a.status_code == 409)
    assert conflict.json_body["error"]["code"] == "address_in_use"
    assert Customer.count() == 1


def test_a_staff_created_customer_claims_the_account_through_a_reset_link(
    api: Api, container: Container
) -> None:
    secret = _key(container, "all")
    created = api.call("POST", "/admin/customers", {"email": "new@example.com", "name": "New"}, token=secret)
    assert created.status_code == 201 and created.json_body["status"] == "pending"
    customer_id = created.json_body["customer_id"]
    sent = api.call("POST", f"/admin/customers/{customer_id}/password-reset", token=secret)
    assert sent.status_code == 202
    token = token_from(last_mail("new@example.com").link("/password/reset"))
    assert (
        api.call("POST", "/password/reset", {"token": token, "password": STRONG_PASSWORD}).status_code == 200
    )
    assert api.sign_in("new@example.com").status_code == 200


def test_the_backfill_gives_a_reference_to_customers_without_one(api: Api, container: Container) -> None:
    from chalicelib.backoffice import backfill

    pair = api.verified_account("ada@example.com")
    customer = Customer.get(pair["customer_id"])
    customer.update(actions=[Customer.reference.remove()])
    for entry in SearchEntry.query("web:test-shop"):
        if entry.kind == "reference":
            entry.delete()
    seen: list[int] = []
    report = backfill.backfill_references(container, progress=seen.append)
    assert report == {"read": 1, "assigned": 1}
    fresh = Customer.get(pair["customer_id"])
    assert fresh.reference and REFERENCE.match(fresh.reference)
    assert seen == [1]
    assert backfill.backfill_references(container) == {"read": 1, "assigned": 0}  # idempotent


def test_a_document_recorded_by_a_staff_key_is_in_the_activity(api: Api, container: Container) -> None:
    pair = api.verified_account("ada@example.com")
    _, secret = staff.create(container, "Order system", scopes=["documents:write", "customers:read"])
    path = f"/admin/customers/{pair['customer_id']}"
    body = {"document_id": "SO-9", "type": "order", "status": "open", "date": "2026-11-20"}
    assert api.call("POST", path + "/documents", body, token=secret).status_code == 200
    events = api.call("GET", path + "/activity", token=secret).json_body["activity"]
    [recorded] = [e for e in events if e["kind"] == "document_recorded"]
    assert recorded["actor_name"] == "Order system" and recorded["detail"] == {
        "document_id": "SO-9",
        "type": "order",
    }
