"""Fixtures and helpers of the companies tests: signed-in customers, a staff caller, an approved company."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from chalicelib.kernel.bootstrap import Container
from tests.integration.conftest import Api, last_mail, staff_headers, token_from


class Me:
    """One signed-in customer."""

    def __init__(self, api: Api, email: str, name: str = "Ada") -> None:
        self.api, self.email = api, email
        assert api.signup(email, name=name).status_code == 202
        verify = token_from(last_mail(email).link("/verify"))
        assert api.call("POST", "/signup/verify", {"token": verify}).status_code == 200
        pair = api.sign_in(email).json_body
        self.token, self.refresh, self.customer_id = (
            pair["access_token"],
            pair["refresh_token"],
            pair["customer_id"],
        )

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        return self.api.call(method, path, body, token=self.token)

    def act_for(self, company_id: str | None) -> Any:
        answer = self("PUT", "/me/acting-for", {"company_id": company_id})
        if answer.status_code == 200:
            self.token = answer.json_body["access_token"]
        return answer


class Staff:
    def __init__(self, api: Api, container: Container) -> None:
        self.api, self.headers = api, staff_headers(container, "back-office")

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        return self.api.call(method, path, body, **self.headers)


@pytest.fixture
def staff(api: Api, container: Container) -> Staff:
    return Staff(api, container)


@pytest.fixture
def ada(api: Api) -> Me:
    return Me(api, "ada@acme.example", "Ada")


@pytest.fixture
def bob(api: Api) -> Me:
    return Me(api, "bob@acme.example", "Bob")


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def approved_company(ada: Me, staff: Staff, name: str = "Acme", domains: list[str] | None = None) -> str:
    answer = ada("POST", "/me/companies", {"name": name, "domains": domains or []})
    assert answer.status_code == 201, answer.body
    company_id = str(answer.json_body["company_id"])
    decided = staff(
        "POST", f"/admin/companies/{company_id}/requests/{ada.customer_id}", {"decision": "approve"}
    )
    assert decided.status_code == 200, decided.body
    return company_id


def joined(bob: Me, admin: Me, company_id: str, role: str = "buyer") -> None:
    code = admin("POST", f"/me/companies/{company_id}/join-code").json_body["join_code"]
    assert bob("POST", "/me/join-requests", {"join_code": code}).status_code == 202
    answer = admin(
        "POST",
        f"/me/companies/{company_id}/requests/{bob.customer_id}",
        {"decision": "approve", "role": role},
    )
    assert answer.status_code == 200, answer.body


def activity_kinds(me: Me) -> list[str]:
    return [a["kind"] for a in me("GET", "/me/activity").json_body["activity"]]
