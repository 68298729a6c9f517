"""GET /admin/customers: prefix search on normalised keys, listing and filters, no Scan."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.identity import staff_keys as staff
from chalicelib.identity.models import SearchEntry
from chalicelib.kernel.bootstrap import Container
from chalicelib.kernel.clock import ManualClock
from tests.aws_hooks import Hooks
from tests.integration.conftest import Api


@pytest.fixture
def key(container: Container) -> str:
    return staff.create(container, "support", scopes=["all"])[1]


def _create(api: Api, key: str, email: str, name: str, **extra: Any) -> dict[str, Any]:
    answer = api.call("POST", "/admin/customers", {"email": email, "name": name, **extra}, token=key)
    assert answer.status_code == 201, answer.body
    body: dict[str, Any] = answer.json_body
    return body


def _find(api: Api, key: str, query: str) -> dict[str, Any]:
    answer = api.call("GET", f"/admin/customers?{query}", token=key)
    assert answer.status_code == 200, answer.body
    body: dict[str, Any] = answer.json_body
    return body


def _emails(found: dict[str, Any]) -> list[str]:
    return sorted(i["email"] for i in found["items"])


def test_found_at_once_by_email_name_word_reference_and_phone(api: Api, key: str) -> None:
    made = _create(api, key, "elodie.martin@example.com", "Élodie Martin-Dupont", phone="+33 6 12 34 56 78")
    _create(api, key, "other@example.com", "Someone Else", phone="+1 415 555 0100")
    for query in (
        "q=elodie.m",
        "q=ELO",
        "q=martin",
        "q=dupont",
        "q=%C3%A9lo",
        "q=06%2012",
        "q=%2B336",
        "q=612",
    ):
        assert _emails(_find(api, key, query)) == ["elodie.martin@example.com"], query
    assert _emails(_find(api, key, f"q={made['reference'].lower()}")) == ["elodie.martin@example.com"]
    assert _emails(_find(api, key, "q=4155")) == ["other@example.com"]
    assert _find(api, key, "q=zzz")["items"] == []


def test_a_customer_matching_through_two_keys_is_listed_once(api: Api, key: str) -> None:
    _create(api, key, "ada@example.com", "Ada Adams")  # "ada", "adams", "ada@example.com"
    found = _find(api, key, "q=ada")
    assert [i["email"] for i in found["items"]] == ["ada@example.com"]


def test_several_words_must_all_match(api: Api, key: str) -> None:
    _create(api, key, "a@example.com", "Jean Dupont")
    _create(api, key, "b@example.com", "Jean Martin")
    assert _emails(_find(api, key, "q=jean%20mar")) == ["b@example.com"]


def test_an_edit_or_an_email_change_moves_the_keys_in_the_same_transaction(api: Api, key: str) -> None:
    made = _create(api, key, "ada@example.com", "Ada Lovelace")
    path = f"/admin/customers/{made['customer_id']}"
    assert api.call("PATCH", path, {"name": "Ada Byron", "phone": "0612345678"}, token=key).status_code == 200
    assert _find(api, key, "q=lovelace")["items"] == []
    assert _emails(_find(api, key, "q=byron")) == ["ada@example.com"]
    assert _emails(_find(api, key, "q=0612")) == ["ada@example.com"]
    terms = sorted(e.term.split()[0] for e in SearchEntry.query("web:test-shop"))
    assert "lovelace" not in terms and "byron" in terms


def test_the_portal_profile_and_email_change_move_the_keys(api: Api, key: str) -> None:
    from tests.integration.conftest import last_mail, token_from
    from tests.support import STRONG_PASSWORD

    pair = api.verified_account("ada@example.com")
    token = pair["access_token"]
    assert api.call("PATCH", "/me", {"name": "Grace Hopper"}, token=token).status_code == 200
    assert _emails(_find(api, key, "q=hopper")) == ["ada@example.com"]
    change = api.call(
        "POST", "/me/email", {"new_email": "grace@example.com", "password": STRONG_PASSWORD}, token=token
    )
    assert change.status_code == 202, change.body
    link = token_from(last_mail("grace@example.com").link("/email/confirm"))
    assert api.call("POST", "/email/confirm", {"token": link}).status_code == 200
    assert _emails(_find(api, key, "q=grace@")) == ["grace@example.com"]
    assert _find(api, key, "q=ada@")["items"] == []


def test_listing_newest_first_with_status_and_dates_and_a_cursor(
    api: Api, key: str, clock: ManualClock
) -> None:
    for i in range(5):
        _create(api, key, f"c{i}@example.com", f"C {i}")
        clock.advance(86400)
    first = _find(api, key, "limit=2")
    assert _emails(first) == ["c3@example.com", "c4@example.com"] and first["next_cursor"]
    second = _find(api, key, f"limit=2&cursor={first['next_cursor']}")
    assert _emails(second) == ["c1@example.com", "c2@example.com"]
    assert _find(api, key, "status=active")["items"] == []
    assert len(_find(api, key, "status=pending")["items"]) == 5
    since = _find(api, key, "created_from=2000-01-01&created_to=2999-01-01")
    assert len(since["items"]) == 5


def test_limit_is_capped_at_100_and_defaults_to_50(api: Api, key: str, aws_hooks: Hooks) -> None:
    _create(api, key, "c@example.com", "C")
    aws_hooks.calls.clear()
    _find(api, key, "limit=5000")
    assert aws_hooks.operations().count("Query") == 1
    from chalicelib.backoffice import search

    assert search._limit("5000") == 100 and search._limit(None) == 50


def test_a_search_page_is_one_query_and_one_batch_get(api: Api, key: str, aws_hooks: Hooks) -> None:
    for i in range(3):
        _create(api, key, f"sam{i}@example.com", "Sam")
    aws_hooks.calls.clear()
    found = _find(api, key, "q=sam")
    assert len(found["items"]) == 3
    operations = [o for o in aws_hooks.operations() if o != "GetItem"]  # the staff key's read
    assert operations == ["Query", "BatchGetItem"]


def test_bad_filters_are_422(api: Api, key: str) -> None:
    for query in (
        "status=gone",
        "limit=0",
        "limit=x",
        "created_from=yesterday",
        "cursor=forged.cursor",
        "created_from=2026-02-01&created_to=2026-01-01",
        "q=a&created_from=2026-02-01&created_to=2026-01-01",
    ):
        answer = api.call("GET", f"/admin/customers?{query}", token=key)
        assert answer.status_code in (400, 422), (query, answer.status_code)


def test_a_cursor_of_one_search_does_not_open_another(api: Api, key: str) -> None:
    for i in range(3):
        _create(api, key, f"sam{i}@example.com", "Sam")
    cursor = _find(api, key, "q=sam&limit=1")["next_cursor"]
    assert cursor
    assert api.call("GET", f"/admin/customers?q=sa&cursor={cursor}", token=key).status_code == 400


def test_the_cleanup_takes_an_expired_guests_search_keys_with_it(
    api: Api, key: str, container: Container, clock: ManualClock
) -> None:
    from chalicelib.cleanup import service as cleanup

    body = {"email": "gus@example.com", "name": "Gus Guest", "phone": "+33 6 11 22 33 44"}
    assert api.storefront("POST", "/guests", body).status_code == 201
    assert _emails(_find(api, key, "q=gus")) == ["gus@example.com"]
    clock.advance(31 * 86400)
    assert cleanup.run(container)["removed"]["guests"] == 1
    assert list(SearchEntry.query("web:test-shop")) == []


def test_a_name_that_normalising_expands_still_fits_a_key(api: Api, key: str) -> None:
    """NFKD turns U+FDF2 into 4 letters (8 bytes): 200 of them would overflow a sort key."""
    long_name = "\ufdf2" * 200
    made = _create(api, key, "long@example.com", long_name)
    assert made["name"] == long_name
    assert _emails(_find(api, key, "q=" + "%EF%B7%B2" * 60)) == ["long@example.com"]
    terms = [e.term for e in SearchEntry.query("web:test-shop")]
    assert terms and max(len(t.encode()) for t in terms) <= 1024  # DynamoDB's sort key limit


def test_the_erp_link_adds_a_searchable_account_number_in_its_transaction(api: Api, key: str) -> None:
    from chalicelib import identity
    from chalicelib.identity.models import Customer
    from chalicelib.kernel.transactions import run_steps

    made = _create(api, key, "buyer@example.com", "Buyer")
    customer = Customer.get(made["customer_id"])
    actions, steps = identity.erp_account_changes(customer, added=["D-10042"])
    run_steps([("customer", lambda tx: tx.update(customer, actions=actions)), *steps])
    assert _emails(_find(api, key, "q=d-100")) == ["buyer@example.com"]
    customer = Customer.get(made["customer_id"])
    actions, steps = identity.erp_account_changes(customer, removed=["D-10042"])
    run_steps([("customer", lambda tx: tx.update(customer, actions=actions)), *steps])
    assert _find(api, key, "q=d-100")["items"] == []


def test_erasure_can_delete_every_search_key_of_a_customer(api: Api, key: str) -> None:
    from chalicelib import identity
    from chalicelib.identity.models import Customer
    from chalicelib.kernel.transactions import run_steps

    made = _create(api, key, "gone@example.com", "Gone Person", phone="+33 6 00 00 00 01")
    _create(api, key, "stays@example.com", "Stays")
    run_steps(identity.search_removal_steps(Customer.get(made["customer_id"])))
    left = {e.customer_id for e in SearchEntry.query("web:test-shop")}
    assert made["customer_id"] not in left and len(left) == 1
