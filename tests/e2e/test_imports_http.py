"""Customer imports over HTTP: a CSV sent as the body, an XLSX, a file uploaded through the
presigned S3 URL, and an import worker killed with SIGKILL mid-way then resumed."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import bcrypt
import boto3
import openpyxl
import pytest

from tests.e2e.helpers import Api, LocalService, Mailbox, local_session, new_address, token_from

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def send(api: Api, body: bytes, query: str = "", kind: str = "text/csv") -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {api.staff_key}", "Content-Type": kind}
    answer = api.http.post(f"{api.base}/admin/imports{query}", data=body, headers=headers, timeout=30)
    assert answer.status_code == 202, answer.text
    result: dict[str, Any] = answer.json()
    return result


def finished(api: Api, import_id: str, timeout: float = TIMEOUT) -> dict[str, Any]:
    """The import once done or failed (the request or the local worker, every 5 s, works it)."""
    deadline = time.monotonic() + timeout
    while True:
        view: dict[str, Any] = api.staff("GET", f"/admin/imports/{import_id}").json()
        if view["status"] in ("done", "failed"):
            return view
        assert time.monotonic() < deadline, view
        time.sleep(0.25)


def all_results(api: Api, view: dict[str, Any]) -> list[dict[str, Any]]:
    rows, cursor = list(view["results"]), view["next_cursor"]
    while cursor:
        page = api.staff("GET", f"/admin/imports/{view['import_id']}?cursor={cursor}").json()
        rows += page["results"]
        cursor = page["next_cursor"]
    return rows


def test_a_csv_imports_customers_who_sign_in_with_their_old_password_and_get_invitations(
    api: Api, mailbox: Mailbox
) -> None:
    migrated, invited, bad = new_address("migrated"), new_address("invited"), "not-an-address"
    old_hash = bcrypt.hashpw(b"my old shop password", bcrypt.gensalt(4)).decode()
    body = f"Email,Name,Password Hash\n{migrated},Mia,{old_hash}\n{invited},Ivo,\n{bad},Bad,\n".encode()
    view = finished(api, send(api, body, "?invite=now&on_error=skip")["import_id"])
    assert view["status"] == "done" and view["counts"] == {
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "errors": 1,
    }
    assert api.sign_in(migrated, "my old shop password").status_code == 200
    assert api.sign_in(migrated, "my old shop password").status_code == 200  # now argon2id
    link = mailbox.wait(invited).link("/invitations?token=")  # sent by the invitation worker
    accepted = api.call(
        "POST", "/invitations/accept", {"token": token_from(link), "password": "a new good passphrase"}
    )
    assert accepted.status_code == 200, accepted.text
    error_file = local_session().get(view["error_file"], timeout=10)
    assert error_file.status_code == 200
    assert error_file.text.splitlines()[1].startswith("not-an-address,Bad,,email,invalid_email")


def test_an_xlsx_body_imports(api: Api) -> None:
    book = openpyxl.Workbook()
    address = new_address("xlsx")
    book.active.append(["email", "name"])
    book.active.append([address, "Xena"])
    out = io.BytesIO()
    book.save(out)
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    view = finished(api, send(api, out.getvalue(), "?invite=none", kind)["import_id"])
    assert view["counts"]["created"] == 1, view


def test_a_file_uploaded_to_the_presigned_url_imports(api: Api) -> None:
    answer = api.staff("POST", "/admin/imports?invite=none&dry_run=true", {"upload": True, "format": "csv"})
    assert answer.status_code == 202, answer.text
    created = answer.json()
    rows = "".join(f"{new_address(f'up{i}')},Up {i}\n" for i in range(50))
    put = local_session().put(
        created["upload"]["url"], data=("email,name\n" + rows).encode(), headers=created["upload"]["headers"]
    )
    assert put.status_code == 200, put.text
    assert api.staff("POST", created["start"]).status_code == 202
    view = finished(api, created["import_id"])
    assert view["dry_run"] is True and view["counts"]["created"] == 50
    assert [r["row"] for r in all_results(api, view)] == list(range(1, 51))


WORKER = """
import sys, time
from chalicelib.imports import store, worker
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.settings import load_settings

worker.LEASE_MARGIN = 2  # a short lease, so the next worker takes over soon after the kill
commit = store.commit
def slow(steps):
    time.sleep(0.05)
    return commit(steps)
store.commit = slow
container = Container(settings=load_settings())
while worker.work(container, sys.argv[1], budget=20) == 0:  # until it holds the lease
    time.sleep(0.05)
"""


def test_an_import_worker_killed_mid_way_is_resumed_and_every_row_is_worked_once(
    api: Api, local_service: LocalService, tmp_path: Path
) -> None:
    from devtools.local_setup import aws_environment, stage_settings

    count = 240
    prefix = new_address("kill").split("@")[0]
    rows = "".join(f"{prefix}-{i}@example.com,K {i}\n" for i in range(1, count + 1))
    import_id = send(api, ("email,name\n" + rows).encode(), "?invite=none&on_error=skip")["import_id"]
    aws_port = int(urlsplit(local_service.aws_url).port or 0)
    env = {
        **os.environ,
        **stage_settings(int(urlsplit(local_service.api_url).port or 0)),
        **aws_environment(aws_port),
    }
    process = subprocess.Popen([sys.executable, "-c", WORKER, import_id], cwd=ROOT, env=env)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:  # let it work some rows, then kill it wherever it is
        view = api.staff("GET", f"/admin/imports/{import_id}").json()
        if view["status"] == "running" and view["counts"]["created"] >= 32:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert view["status"] == "running", "the import ended before the worker could be killed"
    view = finished(api, import_id, timeout=300)  # the local worker takes over once the lease ends
    assert view["status"] == "done" and view["counts"]["created"] == count, view
    assert [r["row"] for r in all_results(api, view)] == list(range(1, count + 1))
    dynamodb = boto3.client("dynamodb", endpoint_url=local_service.aws_url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    stage = stage_settings(0)
    emails: list[str] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=f"{stage['TABLE_PREFIX']}-customers"):
        emails += [i["email"]["S"] for i in page["Items"] if i["email"]["S"].startswith(f"{prefix}-")]
    assert len(emails) == len(set(emails)) == count  # a scan in the test, never in the service
