"""Shared pools: several websites, one pool of identities (ACCOUNT_SCOPE=shared)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib.checkout import Document
from chalicelib.identity import Customer, Login
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from chalicelib.portal import PortalItem
from chalicelib.tables import create_tables
from tests.integration.conftest import REGION, Api, last_mail, token_from

POOL = {"ACCOUNT_SCOPE": "shared", "ACCOUNT_POOL": "brands", "POOL_TABLE_PREFIX": "accounts-brands"}


def _website(letter: str, **extra: Any) -> dict[str, Any]:
    return {
        "WEBSITE_ID": f"brand-{letter}",
        "TABLE_PREFIX": f"accounts-brand-{letter}",
        "MAIL_FROM": f"no-reply@brand-{letter}.example",
        "PUBLIC_API_URL": f"https://accounts.brand-{letter}.example",
        "STOREFRONT_URL": f"https://www.brand-{letter}.example",
        **extra,
    }


A = _website("a", **POOL, POOL_OWNER=True, POOL_DOCUMENTS_FROM="brand-b=accounts-brand-b")
B = _website("b", **POOL)
SOLO = _website("c")  # its own accounts, beside the pool


@pytest.fixture(autouse=True)
def websites() -> None:
    ses = boto3.client("sesv2", region_name=REGION)
    for site in (A, B, SOLO):
        shared = site.get("POOL_TABLE_PREFIX")
        create_tables(site["TABLE_PREFIX"], REGION, wait=False, shared_prefix=shared)
        ses.create_email_identity(EmailIdentity=site["MAIL_FROM"])


@pytest.fixture
def on(configure: Callable[..., Container]) -> Callable[[dict[str, Any]], Api]:
    """Calls to one website: its settings installed, as its own stage would have them."""

    def website(settings: dict[str, Any]) -> Api:
        configure(**settings)
        return Api(Client(app, stage_name="local"))

    return website


def _verified(api: Api, email: str, website: dict[str, Any]) -> str:
    assert api.signup(email).status_code == 202
    mail = last_mail(email)
    assert mail.sender.endswith(f"<{website['MAIL_FROM']}>")
    link = mail.link("/verify")
    assert link.startswith(website["PUBLIC_API_URL"])
    assert api.call("POST", "/signup/verify", {"token": token_from(link)}).status_code == 200
    return str(Login.get(f"pool:brands#{email}").customer_id) if "ACCOUNT_POOL" in website else ""


def test_one_account_signs_in_on_every_website_of_the_pool(on: Callable[[dict[str, Any]], Api]) -> None:
    customer_id = _verified(on(A), "ada@example.com", A)
    session_b = on(B).sign_in("ada@example.com")
    assert session_b.status_code == 200 and session_b.json_body["customer_id"] == customer_id
    me = on(B).call("GET", "/me", token=session_b.json_body["access_token"])
    assert me.status_code == 200 and me.json_body["email"] == "ada@example.com"
    # the shared tables hold one identity; each website its own sessions
    assert Customer.Meta.table_name == "accounts-brands-customers"
    assert Customer.get(customer_id).website_id == "brand-a"  # the website it signed up on


def test_a_token_of_one_website_opens_nothing_on_another(on: Callable[[dict[str, Any]], Api]) -> None:
    _verified(on(A), "ada@example.com", A)
    token_a = on(A).sign_in("ada@example.com").json_body["access_token"]
    assert on(B).call("GET", "/me", token=token_a).status_code == 401  # audience and session: A's


def test_the_email_is_unique_across_the_pool_and_mails_come_from_the_asking_website(
    on: Callable[[dict[str, Any]], Api],
) -> None:
    _verified(on(A), "ada@example.com", A)
    assert on(B).signup("ada@example.com").status_code == 202  # no second account on B
    notice = last_mail("ada@example.com")
    assert notice.subject != "Confirm your email address"  # "you already have an account"
    assert notice.sender.endswith(f"<{B['MAIL_FROM']}>")
    assert on(B).call("POST", "/password/forgot", {"email": "ada@example.com"}).status_code == 202
    reset = last_mail("ada@example.com")
    assert reset.sender.endswith(f"<{B['MAIL_FROM']}>")
    assert reset.link("/password/reset").startswith(B["PUBLIC_API_URL"])


def test_a_password_reset_on_one_website_ends_the_sessions_of_every_website(
    on: Callable[[dict[str, Any]], Api],
) -> None:
    _verified(on(A), "ada@example.com", A)
    token_a = on(A).sign_in("ada@example.com").json_body["access_token"]
    on(B).call("POST", "/password/forgot", {"email": "ada@example.com"})
    link = last_mail("ada@example.com").link("/password/reset")
    new_password = "an entirely new passphrase"
    reset = on(B).call("POST", "/password/reset", {"token": token_from(link), "password": new_password})
    assert reset.status_code == 200
    assert on(A).call("GET", "/me", token=token_a).status_code == 401
    assert on(A).sign_in("ada@example.com", new_password).status_code == 200


def test_addresses_and_documents_stay_with_their_website(
    on: Callable[[dict[str, Any]], Api], configure: Callable[..., Container]
) -> None:
    customer_id = _verified(on(A), "ada@example.com", A)
    token_a = on(A).sign_in("ada@example.com").json_body["access_token"]
    address = {"label": "Home", "line1": "1 rue de la Paix", "city": "Paris", "postal_code": "75002"}
    address["country"] = "FR"
    assert on(A).call("POST", "/me/addresses", address, token=token_a).status_code == 201
    token_b = on(B).sign_in("ada@example.com").json_body["access_token"]
    assert on(B).call("GET", "/me/addresses", token=token_b).json_body["addresses"] == []
    assert PortalItem.Meta.table_name == "accounts-brand-b-portal"
    configure(**A)
    assert Document.Meta.table_name == "accounts-brand-a-documents"
    assert list(Document.query(customer_id)) == []


def test_the_same_email_signs_up_separately_on_websites_outside_the_pool(
    on: Callable[[dict[str, Any]], Api],
) -> None:
    pooled = _verified(on(A), "ada@example.com", A)
    _verified(on(SOLO), "ada@example.com", SOLO)  # a second sign-up, its own verify link
    solo = Login.get("web:brand-c#ada@example.com")  # SOLO's own logins table
    assert Login.Meta.table_name == "accounts-brand-c-logins"
    assert solo.customer_id != pooled
    assert on(SOLO).sign_in("ada@example.com").json_body["customer_id"] == solo.customer_id
    assert on(A).sign_in("ada@example.com").json_body["customer_id"] == pooled


def test_only_the_pool_owner_cleans_the_shared_tables(
    on: Callable[[dict[str, Any]], Api], configure: Callable[..., Container], clock: ManualClock
) -> None:
    from chalicelib.cleanup.service import run as cleanup

    on(B).signup("never@example.com")  # an unverified sign-up, in the shared tables
    clock.advance(8 * 86400)
    assert cleanup(configure(**B))["removed"].get("unverified_signups", 0) == 0
    assert cleanup(configure(**A))["removed"]["unverified_signups"] == 1
    with pytest.raises(Login.DoesNotExist):
        Login.get("pool:brands#never@example.com")


def test_a_pool_needs_its_shared_tables_named(configure: Callable[..., Container]) -> None:
    from chalicelib.kernel.errors import SettingsError
    from chalicelib.kernel.settings import load_settings

    with pytest.raises(SettingsError, match="POOL_TABLE_PREFIX"):
        load_settings({**_website("x"), "SECRET_ID": "s", "ACCOUNT_SCOPE": "shared", "ACCOUNT_POOL": "p"})
    with pytest.raises(SettingsError, match="POOL_OWNER"):
        load_settings({**_website("x"), "SECRET_ID": "s", "POOL_OWNER": "true"})


def test_each_website_keeps_its_own_phone_newsletter_and_preferences(
    on: Callable[[dict[str, Any]], Api],
) -> None:
    """The person (email, name, language, password) is the pool's; what a website's shop
    asks for (phone, newsletter consent, preferences) is that website's own."""
    assert on(A).signup("ada@example.com", newsletter=True).status_code == 202
    link = last_mail("ada@example.com").link("/verify")
    on(A).call("POST", "/signup/verify", {"token": token_from(link)})
    token_a = on(A).sign_in("ada@example.com").json_body["access_token"]
    token_b = on(B).sign_in("ada@example.com").json_body["access_token"]
    me_b = on(B).call("GET", "/me", token=token_b).json_body
    assert (me_b["newsletter"], me_b["phone"], me_b["preferences"]) == (
        False,
        None,
        {},
    )  # B asked nothing yet
    change = {
        "newsletter": True,
        "phone": "+33 1 00 00 00 00",
        "preferences": {"shipping": "pickup"},
        "name": "Ada L",
    }
    assert on(B).call("PATCH", "/me", change, token=token_b).status_code == 200
    assert on(A).call("PATCH", "/me", {"newsletter": False}, token=token_a).status_code == 200
    me_a = on(A).call("GET", "/me", token=token_a).json_body
    me_b = on(B).call("GET", "/me", token=token_b).json_body
    assert (me_a["newsletter"], me_a["phone"], me_a["preferences"]) == (False, None, {})
    assert (me_b["newsletter"], me_b["phone"], me_b["preferences"]) == (
        True,
        "+33 1 00 00 00 00",
        {"shipping": "pickup"},
    )
    assert me_a["name"] == me_b["name"] == "Ada L"  # the person's name: the pool's


def test_a_guest_of_one_website_cleaned_by_the_owner_loses_its_documents_there(
    on: Callable[[dict[str, Any]], Api], configure: Callable[..., Container], clock: ManualClock
) -> None:
    """The owner's cleanup removes an expired guest of website B from the shared customers
    table; B's ``customer_removed`` reads that REMOVE (not TTL's) and removes B's documents."""
    from chalicelib import jobs
    from chalicelib.cleanup.service import run as cleanup
    from tests.integration.conftest import staff_headers

    api_b = on(B)
    guest = api_b.storefront("POST", "/guests", {"email": "gus@example.com", "name": "Gus"}).json_body
    document = {"document_id": "SO-1", "type": "order", "status": "completed", "date": "2026-11-01"}
    headers = staff_headers(configure(**B), "order-system")
    assert api_b.call(
        "POST", f"/admin/customers/{guest['customer_id']}/documents", document, **headers
    ).status_code
    assert len(list(Document.query(guest["customer_id"]))) == 1
    clock.advance(31 * 86400)
    assert cleanup(configure(**A))["removed"]["guests"] == 1  # the owner cleans the shared table
    removal = {"eventName": "REMOVE", "dynamodb": {"Keys": {"customer_id": {"S": guest["customer_id"]}}}}
    configure(**B)
    assert jobs.remove_children({"Records": [removal]}) == {"documents": 1}
    assert list(Document.query(guest["customer_id"])) == []


def test_a_website_that_opted_in_shows_the_customer_s_documents_of_another_website(
    on: Callable[[dict[str, Any]], Api], configure: Callable[..., Container]
) -> None:
    from tests.integration.conftest import staff_headers

    customer_id = _verified(on(A), "ada@example.com", A)
    other_id = _verified(on(A), "bob@example.com", A)
    api_b = on(B)
    headers = staff_headers(configure(**B), "order-system")
    for owner, number in ((customer_id, "SO-ADA"), (other_id, "SO-BOB")):
        document = {"document_id": number, "type": "order", "status": "open", "date": "2026-11-02"}
        assert (
            api_b.call("POST", f"/admin/customers/{owner}/documents", document, **headers).status_code == 200
        )
    token_a = on(A).sign_in("ada@example.com").json_body["access_token"]
    mine_on_a = on(A).call("GET", "/me/documents", token=token_a).json_body["documents"]
    assert mine_on_a == []  # A's own documents: none, B's stay B's
    on_b = on(A).call("GET", "/me/websites/brand-b/documents", token=token_a)
    assert on_b.status_code == 200, on_b.body
    assert on_b.json_body["website_id"] == "brand-b"
    assert [d["document_id"] for d in on_b.json_body["documents"]] == ["SO-ADA"]  # never Bob's
    token_b = on(B).sign_in("ada@example.com").json_body["access_token"]
    refused = on(B).call("GET", "/me/websites/brand-a/documents", token=token_b)  # B did not opt in
    assert refused.status_code == 404
    assert on(A).call("GET", "/me/websites/brand-b/documents").status_code == 401
