"""A worker killed mid-import: the next one goes on, and every row is worked exactly once."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from chalicelib.identity import Customer, Login
from chalicelib.imports import ImportItem, passes, store, worker
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from devtools.probes import at_once
from tests.integration.conftest import Api, staff_headers
from tests.integration.test_imports import finished, send

ROWS = 100


class Killed(BaseException):
    """The process dies here (not an Exception: nothing catches it on the way out)."""


def queued(api: Api, container: Container, monkeypatch: pytest.MonkeyPatch, query: str = "") -> str:
    from chalicelib.imports import service

    monkeypatch.setattr(service, "REQUEST_BUDGET", 0.0)  # the request works nothing itself
    text = "email,name,address_line1,city,country\n" + "".join(
        f"r{i}@example.com,R {i},{i} Main St,Springfield,US\n" for i in range(1, ROWS + 1)
    )
    answer = send(api, container, text, "?on_error=skip&invite=now" + query)
    assert answer.status_code == 202
    return str(answer.json_body["import_id"])


def kill_at(monkeypatch: pytest.MonkeyPatch, call: int, *, after_commit: bool) -> None:
    original, calls = store.commit, {"n": 0}

    def commit(steps: Any) -> set[str]:
        calls["n"] += 1
        if calls["n"] == call and not after_commit:
            raise Killed()
        failed = original(steps)
        if calls["n"] == call:
            raise Killed()
        return failed

    monkeypatch.setattr(passes.store, "commit", commit)


def every_row_once(import_id: str) -> None:
    rows = [
        row[0]
        for item in ImportItem.query(import_id, ImportItem.seq > 0)
        for row in json.loads(item.results or "[]")
    ]
    assert sorted(rows) == list(range(1, ROWS + 1)), Counter(rows).most_common(3)
    emails = Counter(c.email for c in Customer.scan() if c.email.startswith("r"))  # the test may scan
    assert len(emails) == ROWS and set(emails.values()) == {1}
    assert sum(1 for login in Login.scan() if login.login_key.startswith("web:test-shop#r")) == ROWS
    addresses = [i for i in passes.portal.PortalItem.scan() if i.item_key != "address#~book"]
    assert len(addresses) == ROWS
    [header] = ImportItem.query(import_id, ImportItem.seq == 0)
    assert (header.created, header.errors, header.invite_rows) == (ROWS, 0, ROWS)


@pytest.mark.parametrize("after_commit", [False, True], ids=["before_a_commit", "after_a_commit"])
def test_a_killed_worker_is_resumed_without_skipping_or_doubling_a_row(
    api: Api, container: Container, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, after_commit: bool
) -> None:
    import_id = queued(api, container, monkeypatch)
    kill_at(monkeypatch, 3, after_commit=after_commit)
    with pytest.raises(Killed):
        worker.work(container, import_id, budget=30)
    monkeypatch.undo()
    assert worker.work(container, import_id, budget=30) == 0  # its lease still holds: no one works
    clock.advance(30 + worker.LEASE_MARGIN + 1)  # the dead worker's lease runs out
    view = finished(api, container, import_id)
    assert view["status"] == "done" and view["counts"]["created"] == ROWS, view
    every_row_once(import_id)


def test_a_worker_killed_in_the_validation_pass_resumes_it(
    api: Api, container: Container, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_id = queued(api, container, monkeypatch, "&on_error=stop")
    kill_at(monkeypatch, 2, after_commit=True)
    with pytest.raises(Killed):
        worker.work(container, import_id, budget=30)
    monkeypatch.undo()
    clock.advance(30 + worker.LEASE_MARGIN + 1)
    view = finished(api, container, import_id)
    assert view["status"] == "done" and view["counts"]["created"] == ROWS, view
    every_row_once(import_id)


def test_concurrent_workers_work_each_row_once(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_id = queued(api, container, monkeypatch)
    worked = at_once(lambda _: worker.work(container, import_id, budget=30), 8)
    assert sum(worked) == ROWS and sorted(worked)[-1] == ROWS  # one worker did it all
    every_row_once(import_id)


def test_a_run_out_of_time_goes_on_where_it_stopped(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_id = queued(api, container, monkeypatch)
    monkeypatch.setattr(passes, "GROUP_ROWS", 7)
    done = 0
    for _ in range(40):
        step = worker.work(container, import_id, budget=0.0001)
        done += step
        view = api.call("GET", f"/admin/imports/{import_id}", **staff_headers(container)).json_body
        if view["status"] == "done":
            break
        assert view["status"] == "running" and 0 <= view["percent"] < 100
    assert done == ROWS
    every_row_once(import_id)


def test_an_import_the_worker_cannot_work_answers_202_and_never_blocks_the_others(
    api: Api, container: Container, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.imports import files

    original = files.rows

    def broken(c: Any, key: str, file_format: str) -> Any:
        if "poison" in str(store.get(key.split("/")[1]).created_by):
            raise RuntimeError("a bug this file triggers")
        return original(c, key, file_format)

    monkeypatch.setattr(files, "rows", broken)
    monkeypatch.setattr(worker.files, "rows", broken)
    from chalicelib.imports import service

    options = service.options({})
    poison = service.from_body(
        container, options, "text/csv", b"email,name\np@example.com,P\n", "staff:poison"
    )
    assert poison["status"] == "queued"  # the request answered; the import waits for the worker
    good = service.from_body(container, options, "text/csv", b"email,name\ng@example.com,G\n", "staff:ok")
    clock.advance(120)
    worker.advance_open(container, budget=30)  # the poisoned import is skipped, the good one done
    assert store.get(good["import_id"]).status == "done"
    assert store.get(poison["import_id"]).status == "queued"
    monkeypatch.undo()
    clock.advance(120)
    worker.advance_open(container, budget=30)
    assert store.get(poison["import_id"]).status == "done"
