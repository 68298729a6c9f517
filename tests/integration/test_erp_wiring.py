"""An ERP link's effects beyond the customer: company membership, back-office search and
lifecycle events, each in the link's (or the suspension's) one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalicelib.companies.store import company_with, member_sk
from chalicelib.erp import ErpContact
from chalicelib.events import LifecycleEvent
from chalicelib.identity import Customer, staff_keys
from chalicelib.kernel.bootstrap import Container
from tests.integration.conftest import Api
from tests.integration.test_erp import ERP, _customer, _kinds, _row, _upsert, _verify


def _staff(api: Api, container: Container, method: str, path: str, body: Any = None) -> Any:
    key = staff_keys.create(container, "ops", scopes=["all"])[1]
    return api.call(method, path, body, token=key)


def _company(api: Api, container: Container, erp_account: str) -> str:
    made = _staff(api, container, "POST", "/admin/companies", {"name": "Acme", "erp_account": erp_account})
    assert made.status_code == 201, made.body
    return str(made.json_body["company_id"])


def _member(company_id: str, customer_id: str) -> Any:
    return company_with(company_id, member_sk(customer_id))[1]


def _events(customer_id: str, type: str) -> list[dict[str, Any]]:
    found = [e for e in LifecycleEvent.scan() if e.customer_id == customer_id and e.type == type]
    return [json.loads(e.data) for e in found]


def _full_sync_without(api: Api, container: Container, rows: list[dict[str, Any]]) -> None:
    sync = _staff(api, container, "POST", "/admin/erp/syncs").json_body["sync_id"]
    if rows:
        _upsert(api, rows, sync)
    assert _staff(api, container, "POST", f"/admin/erp/syncs/{sync}/finish").status_code == 200


def test_a_linked_signup_joins_the_erp_accounts_company_with_the_contacts_role(
    api: Api, configure: Callable[..., Container]
) -> None:
    container = configure(**ERP)
    company_id = _company(api, container, "C100")
    _upsert(api, [_row("ada@acme.example", role="viewer"), _row("bob@acme.example", "C999")])
    api.signup("ada@acme.example")
    assert _verify(api, "ada@acme.example").status_code == 200
    ada = _customer("ada@acme.example")
    member = _member(company_id, ada.customer_id)
    assert member is not None and (member.role, member.via) == ("viewer", "erp")
    api.verified_account("bob@acme.example")  # C999 is no company's: linked, no membership
    assert _customer("bob@acme.example").erp_link == "active"
    token = api.sign_in("ada@acme.example").json_body["access_token"]
    mine = api.call("GET", "/me/companies", token=token).json_body
    assert [(c["company_id"], c["role"]) for c in mine["companies"]] == [(company_id, "viewer")]


def test_a_suspended_link_ends_the_membership_it_made(api: Api, configure: Callable[..., Container]) -> None:
    container = configure(**ERP)
    company_id = _company(api, container, "C100")
    _upsert(api, [_row("ada@acme.example", role="admin"), _row("bob@acme.example", role="admin")])
    api.verified_account("ada@acme.example")
    api.verified_account("bob@acme.example")
    ada, bob = _customer("ada@acme.example"), _customer("bob@acme.example")
    assert _member(company_id, ada.customer_id).role == "admin"
    _full_sync_without(api, container, [_row("bob@acme.example")])
    assert _customer("ada@acme.example").erp_link == "suspended"
    assert _member(company_id, ada.customer_id) is None  # the link's membership went with it
    assert _member(company_id, bob.customer_id) is not None
    assert "erp_link_suspended" in _kinds(ada.customer_id)
    _full_sync_without(api, container, [])  # bob is now the company's last admin: kept
    assert _customer("bob@acme.example").erp_link == "suspended"
    assert _member(company_id, bob.customer_id).role == "admin"


def test_the_back_office_finds_a_linked_customer_by_its_erp_account_number(
    api: Api, configure: Callable[..., Container]
) -> None:
    container = configure(**ERP)
    _upsert(api, [_row("ada@acme.example", "ACC-4711")])
    api.signup("ada@acme.example")
    found = _staff(api, container, "GET", "/admin/customers?q=ACC-4711").json_body
    assert found["items"] == []  # not before the proof
    _verify(api, "ada@acme.example")
    found = _staff(api, container, "GET", "/admin/customers?q=acc-4711").json_body
    assert [i["email"] for i in found["items"]] == ["ada@acme.example"]
    _full_sync_without(api, container, [])
    found = _staff(api, container, "GET", "/admin/customers?q=ACC-4711").json_body
    assert found["items"] == []  # the suspended link is no longer a way to the customer


def test_one_lifecycle_event_per_link_and_per_suspension(
    api: Api, configure: Callable[..., Container]
) -> None:
    container = configure(**ERP)
    _upsert(api, [_row("ada@acme.example", role="admin")])
    api.verified_account("ada@acme.example")
    ada = _customer("ada@acme.example")
    api.sign_in("ada@acme.example")  # already linked: no second event
    assert _events(ada.customer_id, "customer.erp_linked") == [
        {"by": "verify", "erp_account": "C100", "role": "admin"}
    ]
    _full_sync_without(api, container, [])
    assert _events(ada.customer_id, "customer.erp_link_suspended") == [{"erp_account": "C100"}]
    _upsert(api, [_row("ada@acme.example")])
    api.sign_in("ada@acme.example")
    assert len(_events(ada.customer_id, "customer.erp_linked")) == 2


def test_erasure_of_a_linked_customer_deletes_its_contacts_and_its_link(
    api: Api, configure: Callable[..., Container]
) -> None:
    container = configure(**ERP)
    _upsert(api, [_row("ada@acme.example", name="Ada Lovelace"), _row("ada@acme.example", "C200")])
    _upsert(api, [_row("bob@acme.example", name="Bob")])
    api.verified_account("ada@acme.example")
    ada = _customer("ada@acme.example")
    token = api.sign_in("ada@acme.example").json_body["access_token"]
    export = api.call("GET", "/me/export", token=token).json_body["erp"]
    assert export["link"]["account"] == "C100" and export["link"]["link"] == "active"
    assert sorted(k["erp_account"] for k in export["contacts"]) == ["C100", "C200"]
    erased = _staff(api, container, "POST", f"/admin/customers/{ada.customer_id}/anonymize")
    assert erased.status_code == 200, erased.body
    assert list(ErpContact.query("ada@acme.example")) == []
    assert not any("Lovelace" in str(k.attribute_values) for k in ErpContact.scan())  # the test's scan
    after = Customer.get(ada.customer_id)
    assert (after.erp_account, after.erp_link, after.erp_company, after.websites) == (None, None, None, None)
    assert [k.erp_account for k in ErpContact.query("bob@acme.example")] == ["C100"]  # others stay
