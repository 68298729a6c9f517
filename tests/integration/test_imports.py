"""Customer imports: POST /admin/imports, GET /admin/imports/{id}, the worker, the rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.identity import get_customer, get_login
from chalicelib.imports import worker
from chalicelib.kernel.bootstrap import Container
from chalicelib.portal import PortalItem
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, staff_headers

CSV = "text/csv"


def send(
    api: Api, container: Container, body: bytes | str, query: str = "", content_type: str = CSV, **extra: str
) -> Any:
    headers = {**staff_headers(container), "Content-Type": content_type, **extra}
    raw = body.encode() if isinstance(body, str) else body
    return api.client.http.request("POST", f"/admin/imports{query}", headers=headers, body=raw)


def finished(api: Api, container: Container, import_id: str) -> dict[str, Any]:
    """Run the worker until the import ends; its view."""
    for _ in range(50):
        view = api.call("GET", f"/admin/imports/{import_id}", **staff_headers(container)).json_body
        if view["status"] in ("done", "failed"):
            return view
        worker.work(container, import_id, budget=30)
    raise AssertionError("the import did not finish")


def test_a_small_csv_imports_its_customers(api: Api, container: Container) -> None:
    answer = send(
        api, container, "Email,Name\nada@example.com,Ada Lovelace\nbob@example.com,Bob\n", "?invite=none"
    )
    assert answer.status_code == 202, answer.body
    view = finished(api, container, answer.json_body["import_id"])
    assert view["status"] == "done", view
    assert view["counts"] == {"created": 2, "updated": 0, "skipped": 0, "errors": 0}
    assert [r["status"] for r in view["results"]] == ["created", "created"]


def headers(container: Container) -> dict[str, str]:
    return staff_headers(container)


def run(api: Api, container: Container, text: str, query: str = "") -> dict[str, Any]:
    answer = send(api, container, text, query)
    assert answer.status_code == 202, answer.body
    return finished(api, container, answer.json_body["import_id"])


def by_row(view: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["row"]: r for r in view["results"]}


def test_columns_match_by_header_name_in_any_case_and_order(api: Api, container: Container) -> None:
    text = (
        "Last Name;FIRST_NAME;E-Mail;Phone;Locale;Address Line 1;City;Country;Loyalty tier\n"
        "Lovelace;Ada;ADA@Example.com ;+44 20 7946 0000;fr-FR;12 Rue X;Paris;fr;gold\n"
    )
    view = run(api, container, text, "?invite=none")
    assert view["counts"]["created"] == 1, view
    assert view["columns"]["ignored"] == ["Loyalty tier"]
    customer = get_customer(view["results"][0]["customer_id"])
    assert (customer.email, customer.name, customer.locale) == ("ada@example.com", "Ada Lovelace", "fr")
    assert customer.phone == "+44 20 7946 0000"
    assert customer.status == "active"  # invite=none: claimed by a reset
    addresses = PortalItem.query(customer.customer_id, PortalItem.item_key.startswith("address#"))
    book = {i.item_key: i for i in addresses}
    [address] = [i for k, i in book.items() if k != "address#~book"]
    assert json.loads(address.data)["country"] == "FR"
    assert book["address#~book"].default_billing == address.item_key.split("#", 1)[1]
    activity = api.call("GET", f"/admin/customers/{customer.customer_id}/activity", **headers(container))
    [event] = activity.json_body["activity"]
    assert event["kind"] == "account_created" and event["actor"].startswith("staff:")
    assert event["detail"] == {"import_id": view["import_id"], "row": 1}


@pytest.mark.parametrize(
    ("line", "field", "code"),
    [
        ("not-an-email,Ada", "email", "invalid_email"),
        (",Ada", "email", "required"),
        ("ada@example.com,", "name", "invalid_name"),
        ("ada@example.com,Ada\u202eevil", "name", "invalid_name"),
        ("ada@example.com,Ada,english!,,,,", "locale", "invalid_locale"),
        ("ada@example.com,Ada,,call me,,,", "phone", "invalid_phone"),
        ("ada@example.com,Ada,,,1 Main St,Springfield,XX", "country", "invalid_country"),
        ("ada@example.com,Ada,,,1 Main St,,US", "city", "incomplete_address"),
    ],
)
def test_each_row_is_validated_on_its_own(
    api: Api, container: Container, line: str, field: str, code: str
) -> None:
    text = f"email,name,locale,phone,address_line1,city,country\n{line}\nbob@example.com,Bob\n"
    view = run(api, container, text, "?on_error=skip")
    rows = by_row(view)
    assert (rows[1]["status"], rows[1]["field"], rows[1]["code"]) == ("error", field, code)
    assert rows[2]["status"] == "created"
    assert get_login("web:test-shop#ada@example.com") is None


def test_a_duplicate_address_makes_the_later_row_the_error(api: Api, container: Container) -> None:
    text = "email,name\nada@example.com,Ada\nbob@example.com,Bob\nADA@example.com,Ada Again\n"
    view = run(api, container, text, "?on_error=skip")
    rows = by_row(view)
    assert rows[1]["status"] == "created" and rows[2]["status"] == "created"
    assert (rows[3]["status"], rows[3]["code"]) == ("error", "duplicate_in_file")
    assert "row 1" in rows[3]["message"]
    assert get_customer(rows[1]["customer_id"]).name == "Ada"


def test_an_existing_account_is_skipped_unless_the_row_says_update(api: Api, container: Container) -> None:
    api.verified_account("ada@example.com")
    view = run(api, container, "email,name,phone,action\nada@example.com,Ada L.,0612345678,\n")
    [row] = view["results"]
    assert (row["status"], row["code"]) == ("skipped", "exists")
    assert get_customer(row["customer_id"]).name == "Ada"

    view = run(api, container, "email,name,phone,action\nada@example.com,Ada L.,0612345678,update\n")
    [row] = view["results"]
    assert row["status"] == "updated"
    customer = get_customer(row["customer_id"])
    assert (customer.name, customer.phone, customer.status) == ("Ada L.", "0612345678", "active")
    kinds = [e["kind"] for e in api.call("GET", f"/admin/customers/{customer.customer_id}/activity",
                                         **headers(container)).json_body["activity"]]  # fmt: skip
    assert "profile_updated" in kinds
    assert api.sign_in("ada@example.com").status_code == 200  # credentials untouched


def test_a_dry_run_writes_no_customer_and_reports_what_the_real_run_does(
    api: Api, container: Container, aws_hooks: Hooks
) -> None:
    api.verified_account("old@example.com")
    text = "email,name,action\nnew@example.com,New,\nold@example.com,Old,update\nbad,Bad,\n"
    dry = run(api, container, text, "?dry_run=true&on_error=skip")
    assert dry["dry_run"] is True and dry["status"] == "done"
    assert get_login("web:test-shop#new@example.com") is None
    assert get_customer_by_email_name("old@example.com") == "Ada"
    real = run(api, container, text, "?on_error=skip")
    strip = [{k: v for k, v in r.items() if k != "customer_id"} for r in real["results"]]
    assert [{k: v for k, v in r.items() if k != "customer_id"} for r in dry["results"]] == strip
    assert dry["counts"] == real["counts"] == {"created": 1, "updated": 1, "skipped": 0, "errors": 1}


def test_on_error_stop_writes_nothing_when_a_row_is_wrong(api: Api, container: Container) -> None:
    view = run(api, container, "email,name\nada@example.com,Ada\nbad,Bad\n", "?on_error=stop")
    assert (view["status"], view["reason"]) == ("failed", "rows_invalid")
    assert [r["row"] for r in view["results"]] == [2]
    assert get_login("web:test-shop#ada@example.com") is None
    assert view["error_file"]


def test_past_max_errors_the_import_stops_where_it_is(api: Api, container: Container) -> None:
    rows = "".join(f"bad{i},X\n" if i in (2, 4, 6) else f"u{i}@example.com,U\n" for i in range(1, 41))
    view = run(api, container, "email,name\n" + rows, "?on_error=skip&max_errors=2")
    assert (view["status"], view["reason"]) == ("failed", "too_many_errors")
    assert view["counts"] == {"created": 3, "updated": 0, "skipped": 0, "errors": 3}
    assert get_login("web:test-shop#u5@example.com") is not None
    assert get_login("web:test-shop#u7@example.com") is None  # after the third error: not worked


@pytest.mark.parametrize(
    ("query", "field"),
    [("?on_error=maybe", "on_error"), ("?invite=soon", "invite"), ("?max_errors=-1", "max_errors"),
     ("?max_errors=99999999", "max_errors"), ("?dry_run=perhaps", "dry_run")],
)  # fmt: skip
def test_bad_options_are_refused(api: Api, container: Container, query: str, field: str) -> None:
    answer = send(api, container, "email,name\na@example.com,A\n", query)
    assert answer.status_code == 422
    assert field in answer.json_body["error"]["fields"]


def test_imports_need_a_staff_key_and_stay_in_their_website(api: Api, container: Container) -> None:
    answer = api.client.http.request("POST", "/admin/imports", headers={"Content-Type": CSV}, body=b"email\n")
    assert answer.status_code in (401, 403)
    assert (
        api.call("GET", "/admin/imports/imp_000000000000000000000000", **headers(container)).status_code
        == 404
    )
    assert api.call("GET", "/admin/imports/../customers", **headers(container)).status_code in (403, 404)


def test_results_page_with_a_cursor(api: Api, container: Container) -> None:
    rows = "".join(f"p{i}@example.com,P{i}\n" for i in range(1, 401))
    view = run(api, container, "email,name\n" + rows, "?invite=none")
    seen = [r["row"] for r in view["results"]]
    cursor = view["next_cursor"]
    while cursor:
        page = api.call("GET", f"/admin/imports/{view['import_id']}?cursor={cursor}", **headers(container))
        seen += [r["row"] for r in page.json_body["results"]]
        cursor = page.json_body["next_cursor"]
    assert seen == list(range(1, 401))
    other = api.call("GET", f"/admin/imports/{view['import_id']}?cursor=forged", **headers(container))
    assert other.status_code == 400


def get_customer_by_email_name(email: str) -> str:
    login = get_login(f"web:test-shop#{email}")
    assert login is not None
    customer = get_customer(login.customer_id)
    assert customer is not None
    return str(customer.name)


def test_a_retried_import_with_the_same_idempotency_key_imports_once(api: Api, container: Container) -> None:
    text = "email,name\nonce@example.com,Once\n"
    first = send(api, container, text, "?invite=none", **{"Idempotency-Key": "import-2026-12-01-a"})
    again = send(api, container, text, "?invite=none", **{"Idempotency-Key": "import-2026-12-01-a"})
    assert first.status_code == again.status_code == 202
    assert first.json_body["import_id"] == again.json_body["import_id"]
    other = send(api, container, text + "twice@example.com,Twice\n", "?invite=none",
                 **{"Idempotency-Key": "import-2026-12-01-a"})  # fmt: skip
    assert (other.status_code, other.json_body["error"]["code"]) == (409, "idempotency_key_reused")
