"""Reads of the companies table and the steps its transactions are made of.

Every state change is one ``TransactWriteItems`` built by the services from these steps
(``kernel.transactions``); a condition that fails names its step's label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactGet

from chalicelib.checkout import Document
from chalicelib.companies.models import COMPANY_SK, LOOKUP_SK, CompanyItem, company_pk
from chalicelib.kernel.cursors import Seal, decode, one_page
from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.transactions import Step

T = TypeVar("T")
PAGE_KEYS = frozenset({"pk", "sk"})
PENDING_KEYS = frozenset({"pk", "sk", "pending", "pending_key"})
DOCUMENT_KEYS = frozenset({"customer_id", "document_id", "company_id", "date_key"})


def member_sk(customer_id: str) -> str:
    return f"member#{customer_id}"


def request_sk(customer_id: str) -> str:
    return f"request#{customer_id}"


# -- reads ---------------------------------------------------------------------------------


@translated
def get(pk: str, sk: str) -> CompanyItem | None:
    try:
        return CompanyItem.get(pk, sk, consistent_read=True)
    except CompanyItem.DoesNotExist:
        return None


def get_company(company_id: str) -> CompanyItem | None:
    return get(company_pk(company_id), COMPANY_SK)


def lookup(kind: str, value: str) -> str | None:
    """The company a join code hash, a domain or an ERP account number points at."""
    item = get(f"{kind}#{value}", LOOKUP_SK)
    return item.company_id if item is not None else None


@translated
def company_with(company_id: str, sk: str) -> tuple[CompanyItem | None, CompanyItem | None]:
    """The company and one of its items (a member, a request) as they are now: one call."""
    with TransactGet(connection=CompanyItem._get_connection().connection) as read:
        company = read.get(CompanyItem, company_pk(company_id), COMPANY_SK)
        item = read.get(CompanyItem, company_pk(company_id), sk)
    return _found(company.get), _found(item.get)


def _found(get_: Callable[[], T]) -> T | None:
    try:
        return get_()
    except DoesNotExist:
        return None


@translated
def of_customer(customer_id: str, prefix: str, limit: int = 100) -> list[CompanyItem]:
    """A customer's memberships (``member#``) or requests (``request#``): one ``Query``."""
    query = CompanyItem.by_customer.query(
        customer_id, CompanyItem.sk.startswith(prefix), limit=limit, page_size=limit
    )
    return list(query)


@translated
def partition_page(
    company_id: str, prefix: str, cursor: str | None, limit: int, sealed: Seal, *, newest_first: bool = False
) -> tuple[list[CompanyItem], str | None]:
    """One page of a company's members or activity: one ``Query``."""
    query = CompanyItem.query(
        company_pk(company_id),
        CompanyItem.sk.startswith(prefix),
        scan_index_forward=not newest_first,
        limit=limit,
        page_size=limit,
        last_evaluated_key=decode(cursor, PAGE_KEYS, sealed),
    )
    return one_page(CompanyItem, query, cursor, sealed)


@translated
def pending_page(
    company_id: str | None, cursor: str | None, limit: int, sealed: Seal
) -> tuple[list[CompanyItem], str | None]:
    """Requests waiting for a decision (of one company, or all): one ``Query`` on the index."""
    prefix = f"{company_id}#" if company_id else None
    query = CompanyItem.pending_index.query(
        "pending",
        CompanyItem.pending_key.startswith(prefix) if prefix else None,
        limit=limit,
        page_size=limit,
        last_evaluated_key=decode(cursor, PENDING_KEYS, sealed),
    )
    return one_page(CompanyItem, query, cursor, sealed)


@translated
def pending_count(company_id: str | None) -> int:
    """How many requests wait: ``Select=COUNT`` on the sparse index, one call per MB of
    index (over 2,000 waiting requests of ~400 bytes), so one call in practice."""
    prefix = f"{company_id}#" if company_id else None
    condition = CompanyItem.pending_key.startswith(prefix) if prefix else None
    return CompanyItem.pending_index.count("pending", condition)


@translated
def documents_page(
    company_id: str, types: list[str] | None, limit: int, cursor: str | None, sealed: Seal
) -> tuple[list[Document], str | None]:
    """One ``Query`` of at most ``limit`` items (a type filter may leave a page short)."""
    filters = Document.type.is_in(*types) if types else None
    query = Document.by_company.query(
        company_id,
        filter_condition=filters,
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
        last_evaluated_key=decode(cursor, DOCUMENT_KEYS, sealed),
    )
    return one_page(Document, query, cursor, sealed)


# -- steps ---------------------------------------------------------------------------------


def create_step(label: str, item: CompanyItem) -> tuple[str, Step]:
    """Write a new item; its key must be free."""
    return (label, lambda tx: tx.save(item, condition=CompanyItem.pk.does_not_exist()))


def put_step(label: str, item: CompanyItem, condition: Any = None) -> tuple[str, Step]:
    return (label, lambda tx: tx.save(item, condition=condition))


def update_step(label: str, pk: str, sk: str, actions: Sequence[Action], condition: Any) -> tuple[str, Step]:
    item, chosen = CompanyItem(pk, sk), list(actions)
    return (label, lambda tx: tx.update(item, actions=chosen, condition=condition))


def delete_step(label: str, pk: str, sk: str, condition: Any = None) -> tuple[str, Step]:
    item = CompanyItem(pk, sk)
    return (label, lambda tx: tx.delete(item, condition=condition))


def check_step(label: str, pk: str, sk: str, condition: Any) -> tuple[str, Step]:
    item = CompanyItem(pk, sk)
    return (label, lambda tx: tx.condition_check(CompanyItem, item.pk, item.sk, condition=condition))
