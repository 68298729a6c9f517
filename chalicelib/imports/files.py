"""Import files in S3: stored, read back as a stream of rows, and the error file written.

The file is untrusted. CSV is decoded and parsed as it streams from S3 (never whole in
memory). XLSX is a zip of XML: it is spooled to a temporary file, its zip directory is
checked against decompression bombs before anything is parsed, and openpyxl reads it in
read-only (streaming) mode; with defusedxml installed openpyxl refuses entity expansion.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from chalicelib.imports.rows import FORMULA_START

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {CSV: "csv", XLSX: "xlsx"}
CONTENT_TYPES = {v: k for k, v in FORMATS.items()}
MAX_BODY = 5 * 1024 * 1024  # a file sent as the request body
MAX_UPLOAD = 100 * 1024 * 1024  # a file uploaded through the presigned URL
MAX_ROWS = 500_000
MAX_COLUMNS = 100
# XLSX: the unzipped parts, their number and how much each may expand
MAX_UNZIPPED = 300 * 1024 * 1024
MAX_PARTS = 1000
MAX_RATIO = 200
CHUNK = 64 * 1024


class BadFile(Exception):
    """The file cannot be read as an import (``code`` says why)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def file_key(import_id: str) -> str:
    return f"imports/{import_id}/file"


def error_key(import_id: str, file_format: str) -> str:
    return f"imports/{import_id}/errors.{file_format}"


def put(c: Container, key: str, body: bytes, file_format: str) -> None:
    bucket = c.settings.imports_bucket
    c.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=CONTENT_TYPES[file_format])


def delete(c: Container, key: str) -> None:
    c.s3.delete_object(Bucket=c.settings.imports_bucket, Key=key)


def upload_url(c: Container, key: str, file_format: str, seconds: int) -> str:
    params = {"Bucket": c.settings.imports_bucket, "Key": key, "ContentType": CONTENT_TYPES[file_format]}
    return str(c.s3.generate_presigned_url("put_object", Params=params, ExpiresIn=seconds))


def download_url(c: Container, key: str, seconds: int = 3600) -> str:
    params = {"Bucket": c.settings.imports_bucket, "Key": key}
    return str(c.s3.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds))


def size_of(c: Container, key: str) -> int | None:
    from botocore.exceptions import ClientError

    try:
        head = c.s3.head_object(Bucket=c.settings.imports_bucket, Key=key)
    except ClientError as e:
        # without s3:ListBucket (the role has none) a missing key answers 403, not 404
        if e.response.get("Error", {}).get("Code") in ("403", "404", "NoSuchKey", "NotFound"):
            return None
        raise
    return int(head["ContentLength"])


@contextmanager
def rows(c: Container, key: str, file_format: str) -> Iterator[tuple[list[Any], Iterator[list[Any]]]]:
    """The header and an iterator over the data rows (lists of cell values)."""
    body = c.s3.get_object(Bucket=c.settings.imports_bucket, Key=key)["Body"]
    try:
        if file_format == "csv":
            yield _csv(body)
        else:
            with tempfile.TemporaryFile() as spool:
                for chunk in body.iter_chunks(CHUNK):
                    spool.write(chunk)
                yield _xlsx(spool)
    finally:
        body.close()


def _lines(body: Any) -> Iterator[str]:
    """Text lines as they stream (UTF-8, a BOM dropped), line ends kept for ``csv``."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    try:
        for chunk in body.iter_chunks(CHUNK):
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")  # csv keeps "\r" and quoted line ends
            if len(pending) > 1024 * 1024:
                raise BadFile("bad_file", "a line of the file is longer than 1 MiB")
            for line in complete:
                yield line + "\n"
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as e:
        raise BadFile("bad_encoding", "the file is not UTF-8 text") from e
    if pending:
        yield pending


def _csv(body: Any) -> tuple[list[Any], Iterator[list[Any]]]:
    lines = _lines(body)
    first = next(lines, "")
    if not first.strip():
        raise BadFile("empty_file", "the file has no header row")
    delimiter = ";" if first.count(";") > first.count(",") else ","

    def chain() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(chain(), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as e:
        raise BadFile("bad_file", f"the header row cannot be read: {e}") from e

    def data() -> Iterator[list[Any]]:
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield cells
        except csv.Error as e:
            raise BadFile("bad_file", f"the file stops being CSV at line {reader.line_num}: {e}") from e

    return _checked_header(header), data()


def _checked_header(header: list[Any]) -> list[Any]:
    if len(header) > MAX_COLUMNS:
        raise BadFile("too_many_columns", f"at most {MAX_COLUMNS} columns")
    return header


def _xlsx(spool: Any) -> tuple[list[Any], Iterator[list[Any]]]:
    import openpyxl

    _check_zip(spool)
    try:
        workbook = openpyxl.load_workbook(spool, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = list(next(values, ()) or ())
    except BadFile:
        raise
    except Exception as e:  # openpyxl raises many kinds for a broken workbook
        raise BadFile("bad_file", "the file is not a readable XLSX workbook") from e
    if not any(header):
        raise BadFile("empty_file", "the first sheet has no header row")

    def data() -> Iterator[list[Any]]:
        try:
            for row in values:
                cells = [_cell(v) for v in row[:MAX_COLUMNS]]
                if any(cells):
                    yield cells
        except Exception as e:
            raise BadFile("bad_file", "the workbook cannot be read to its end") from e

    return _checked_header([_cell(v) for v in header]), data()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _check_zip(spool: Any) -> None:
    """Refuse a zip that would expand past the limits before any XML is parsed."""
    try:
        with zipfile.ZipFile(spool) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile as e:
        raise BadFile("bad_file", "the file is not an XLSX workbook (not a zip)") from e
    if len(parts) > MAX_PARTS:
        raise BadFile("bad_file", "the workbook has too many parts")
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > MAX_RATIO * max(part.compress_size, 1024) or total > MAX_UNZIPPED:
            raise BadFile("zip_bomb", "the workbook expands to much more than its size")
    spool.seek(0)


def neutralised(value: Any) -> str:
    """A cell as text a spreadsheet will not run as a formula (OWASP: prefix a quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_error_file(
    c: Container, key: str, file_format: str, header: list[Any], failed: Iterator[list[Any]]
) -> None:
    """The rows that failed, in the input's format, with three columns saying why."""
    columns = [neutralised(h) for h in header] + ["error_field", "error_code", "error_message"]
    with tempfile.TemporaryFile() as out:
        if file_format == "csv":
            text = io.TextIOWrapper(out, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(columns)
            for cells in failed:
                writer.writerow([neutralised(v) for v in cells])
            text.flush()
            text.detach()
        else:
            _write_xlsx(out, columns, failed)
        out.seek(0)
        c.s3.upload_fileobj(
            out,
            c.settings.imports_bucket,
            key,
            ExtraArgs={"ContentType": CONTENT_TYPES[file_format]},
        )


def _write_xlsx(out: Any, columns: list[str], failed: Iterator[list[Any]]) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("errors")

    def row(values: list[Any]) -> list[Any]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=neutralised(value))
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        return cells

    sheet.append(row(columns))
    for cells in failed:
        sheet.append(row(cells))
    workbook.save(out)
