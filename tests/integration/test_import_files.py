"""Import files are untrusted: limits, broken files, XLSX bombs, the error file."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any
from urllib.parse import urlparse

import boto3
import openpyxl
import pytest

from chalicelib.identity import get_login
from chalicelib.imports import files
from chalicelib.kernel.bootstrap import Container
from tests.integration.conftest import Api
from tests.integration.test_imports import finished, send
from tests.support import make_settings

XLSX = files.XLSX


def workbook(rows: list[list[Any]]) -> bytes:
    """An XLSX of ``rows``; a text starting with ``=`` stays text (a cell typed so)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stored(url: str) -> bytes:
    """The object a presigned link points at (read back from moto)."""
    key = urlparse(url).path.lstrip("/")
    bucket = make_settings().imports_bucket
    if key.startswith(bucket + "/"):
        key = key[len(bucket) + 1 :]
    return bytes(
        boto3.client("s3", region_name="us-east-1").get_object(Bucket=bucket, Key=key)["Body"].read()
    )


def imported(
    api: Api, container: Container, body: bytes | str, query: str = "", kind: str = "text/csv"
) -> dict[str, Any]:
    answer = send(api, container, body, query, kind)
    assert answer.status_code == 202, answer.body
    return finished(api, container, answer.json_body["import_id"])


def test_an_xlsx_file_imports_like_a_csv(api: Api, container: Container) -> None:
    body = workbook([["Email", "Name", "Phone"], ["ada@example.com", "Ada", 33612345678], [None, None, None]])
    view = imported(api, container, body, "?invite=none", XLSX)
    assert view["format"] == "xlsx" and view["counts"]["created"] == 1, view
    assert view["total_rows"] == 1  # the empty row is not a row


def test_the_error_file_has_the_failed_rows_formula_safe_in_the_input_format(
    api: Api, container: Container
) -> None:
    text = (
        'email,name,note\nada@example.com,Ada,ok\n=HYPERLINK("http://evil"),@SUM(A1),+1\nbob@x,-Bob,"=1+2"\n'
    )
    view = imported(api, container, text, "?on_error=skip")
    assert view["counts"]["errors"] == 2
    rows = list(csv.reader(io.StringIO(stored(view["error_file"]).decode())))
    assert rows[0] == ["email", "name", "note", "error_field", "error_code", "error_message"]
    assert rows[1][:3] == ['\'=HYPERLINK("http://evil")', "'@SUM(A1)", "'+1"]
    assert rows[2][:3] == ["bob@x", "'-Bob", "'=1+2"]
    assert rows[1][4] == "invalid_email"
    # the error file, fixed and sent again, reads its protected cells back as they were
    fixed = "\n".join(",".join(r[:3]) for r in [*rows[:1], ["carl@example.com", "'-Carl", "'=x"]]) + "\n"
    again = imported(api, container, fixed, "?invite=none")
    assert again["counts"]["created"] == 1


def test_an_xlsx_error_file_is_xlsx_with_text_cells(api: Api, container: Container) -> None:
    body = workbook([["email", "name"], ["=1+1", "Ada"], ["bob@example.com", "Bob"]])
    view = imported(api, container, body, "?on_error=skip", XLSX)
    book = openpyxl.load_workbook(io.BytesIO(stored(view["error_file"])))
    cells = [[c.value for c in row] for row in book.active.iter_rows()]
    assert cells[1][:2] == ["'=1+1", "Ada"]
    assert all(c.data_type == "s" for row in book.active.iter_rows() for c in row if c.value is not None)


def test_a_zip_bomb_is_refused_before_parsing(api: Api, container: Container) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<a>" + " " * (80 * 1024 * 1024) + "</a>")
    view = imported(api, container, out.getvalue(), "", XLSX)
    assert (view["status"], view["reason"]) == ("failed", "zip_bomb")


def test_xml_entities_in_an_xlsx_are_refused(api: Api, container: Container) -> None:
    body = workbook([["email", "name"], ["ada@example.com", "Ada"]])
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    source, out = zipfile.ZipFile(io.BytesIO(body)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            data = source.read(part)
            if part.filename == "xl/worksheets/sheet1.xml":  # openpyxl writes inline strings
                data = laughs.encode() + data.split(b"?>", 1)[-1].replace(b"Ada", b"&lol2;")
            archive.writestr(part, data)
    view = imported(api, container, out.getvalue(), "", XLSX)
    assert (view["status"], view["reason"]) == ("failed", "bad_file")
    assert get_login("web:test-shop#ada@example.com") is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"email,name\n\xff\xfe bad bytes,X\n", "bad_encoding"),
        (b"name,phone\nAda,1234\n", "missing_column"),
        (b"email,name\n", "empty_file"),
        (b"not a workbook", "bad_file"),
    ],
)
def test_a_broken_file_fails_with_a_reason(api: Api, container: Container, body: bytes, reason: str) -> None:
    kind = XLSX if body == b"not a workbook" else "text/csv"
    view = imported(api, container, body, "", kind)
    assert (view["status"], view["reason"]) == ("failed", reason), view


def test_more_rows_than_the_limit_fail_before_anything_is_written(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_ROWS", 5)
    rows = "".join(f"u{i}@example.com,U\n" for i in range(6))
    view = imported(api, container, "email,name\n" + rows, "?on_error=skip")
    assert (view["status"], view["reason"]) == ("failed", "too_many_rows")
    assert get_login("web:test-shop#u0@example.com") is None


def test_a_body_above_5_mb_is_refused(api: Api, container: Container) -> None:
    body = b"email,name\n" + b"a@example.com,A\n" * (files.MAX_BODY // 16 + 1)
    answer = send(api, container, body)
    assert answer.status_code == 413
    assert "upload" in answer.json_body["error"]["message"]


def test_other_content_types_are_refused(api: Api, container: Container) -> None:
    assert send(api, container, "email", "", "application/pdf").status_code == 415


def test_a_big_file_goes_through_an_upload_url(api: Api, container: Container) -> None:
    from tests.integration.conftest import staff_headers

    headers = staff_headers(container)
    answer = api.call("POST", "/admin/imports?invite=none", {"upload": True, "format": "csv"}, **headers)
    assert answer.status_code == 202, answer.body
    import_id, upload = answer.json_body["import_id"], answer.json_body["upload"]
    assert upload["method"] == "PUT" and upload["headers"] == {"Content-Type": "text/csv"}
    early = api.call("POST", f"/admin/imports/{import_id}/start", **headers)
    assert (early.status_code, early.json_body["error"]["code"]) == (409, "invalid_state")
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=make_settings().imports_bucket,
        Key=f"imports/{import_id}/file",
        Body=b"email,name\nz@example.com,Z\n",
    )
    assert api.call("POST", f"/admin/imports/{import_id}/start", **headers).status_code == 202
    assert api.call("POST", f"/admin/imports/{import_id}/start", **headers).status_code == 202  # once
    view = finished(api, container, import_id)
    assert view["counts"]["created"] == 1


@pytest.mark.parametrize("name", ["import-template.csv", "import-template.xlsx"])
def test_the_documented_templates_import_without_errors(api: Api, container: Container, name: str) -> None:
    from pathlib import Path

    body = (Path(__file__).resolve().parents[2] / "docs" / name).read_bytes()
    view = imported(api, container, body, "?dry_run=true", XLSX if name.endswith("xlsx") else "text/csv")
    assert view["status"] == "done"
    assert view["counts"] == {"created": 3, "updated": 0, "skipped": 0, "errors": 0}
    assert view["columns"]["ignored"] == []


def test_a_file_with_plaintext_passwords_is_refused_and_deleted(api: Api, container: Container) -> None:
    """Seed 002's spreadsheet of usernames and passwords: never imported, never kept."""
    view = imported(api, container, "email,name,Password\nada@example.com,Ada,hunter2hunter2\n")
    assert (view["status"], view["reason"]) == ("failed", "plaintext_passwords")
    assert get_login("web:test-shop#ada@example.com") is None
    s3 = boto3.client("s3", region_name="us-east-1")
    listed = s3.list_objects_v2(Bucket=make_settings().imports_bucket, Prefix=f"imports/{view['import_id']}/")
    assert listed.get("KeyCount", 0) == 0
