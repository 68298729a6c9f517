"""An import meets the other features: references and search keys, lifecycle events, erasure."""

from __future__ import annotations

import pytest

from chalicelib.events.models import LifecycleEvent
from chalicelib.identity import get_customer, references
from chalicelib.imports import passes
from chalicelib.kernel.bootstrap import Container
from chalicelib.privacy import store as privacy_store
from tests.integration.conftest import Api, staff_headers
from tests.integration.test_imports import by_row, run


def test_an_imported_customer_has_a_reference_is_found_and_announced(api: Api, container: Container) -> None:
    view = run(api, container, "Email,Name\nimogen.import@example.com,Imogen Import\n", "?invite=none")
    customer_id = by_row(view)[1]["customer_id"]
    customer = get_customer(customer_id)
    assert customer is not None and customer.reference
    found = api.call("GET", "/admin/customers?q=imogen", **staff_headers(container)).json_body["items"]
    assert [c["customer_id"] for c in found] == [customer_id]
    types = [e.type for e in LifecycleEvent.scan() if e.customer_id == customer_id]  # the test reads all
    assert types == ["customer.created"]


def test_an_erased_address_is_not_imported_again(api: Api, container: Container) -> None:
    staff = staff_headers(container)
    first = by_row(run(api, container, "Email,Name\neve.erased@example.com,Eve Erased\n", "?invite=none"))[1]
    erased = api.client.http.post(f"/admin/customers/{first['customer_id']}/anonymize", headers=staff)
    assert erased.status_code == 200, erased.body
    again = by_row(run(api, container, "Email,Name\neve.erased@example.com,Eve Erased\n", "?invite=none"))[1]
    assert (again["status"], again["code"]) == ("skipped", "erased")
    assert api.call("GET", "/admin/customers?q=eve.erased", **staff).json_body["items"] == []


def test_containers_sharing_the_process_each_get_an_s3_client(container: Container) -> None:
    """boto3 registers its S3 helpers on the botocore session it wraps: a second wrapper of
    pynamodb's session (a second container: the bench, ``make run``) made S3 clients fail."""
    from chalicelib.kernel.bootstrap import Container as Fresh
    from tests.support import make_settings

    other = Fresh(settings=make_settings())
    assert container.s3 is not None and other.s3 is not None
    assert other.boto_session is container.boto_session


def test_an_import_reads_tombstones_and_takes_references_per_group_not_per_row(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = staff_headers(container)
    first = by_row(run(api, container, "Email,Name\nrow7@example.com,Erased Seven\n", "?invite=none"))[1]
    assert (
        api.client.http.post(f"/admin/customers/{first['customer_id']}/anonymize", headers=staff).status_code
        == 200
    )
    monkeypatch.setattr(passes, "GROUP_ROWS", 32)  # two groups
    counter_writes: list[int] = []
    tombstone_reads: list[int] = []
    advance, tombstones = references._advance, privacy_store.tombstones
    monkeypatch.setattr(references, "_advance", lambda *a: counter_writes.append(1) or advance(*a))
    monkeypatch.setattr(
        privacy_store,
        "tombstones",
        lambda ns, hashes: tombstone_reads.append(len(hashes)) or tombstones(ns, hashes),
    )
    rows = "".join(f"row{i}@example.com,Row {i}\n" for i in range(64))
    view = run(api, container, "Email,Name\n" + rows, "?invite=none")
    assert view["counts"]["created"] == 63 and by_row(view)[8]["code"] == "erased"
    made = [get_customer(r["customer_id"]) for r in view["results"] if r["status"] == "created"]
    assert len({c.reference for c in made if c is not None}) == 63
    assert len(counter_writes) == 2  # one per group of 32 rows written
    assert tombstone_reads and max(tombstone_reads) > 1 and sum(tombstone_reads) <= 64 * 2  # by groups
    assert len(tombstone_reads) <= 4
