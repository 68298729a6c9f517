"""Every table of the service, in one registry: what infra, the IAM policies, table
creation, the cleanup and the tests read.

Each feature keeps its models beside its code; this module only gathers them. The order
is the order of the generated template's resources. A test fails when a model that
subclasses ``BaseTable`` is missing here.
"""

from __future__ import annotations

from typing import Any

from chalicelib.backoffice import Note
from chalicelib.checkout import Document
from chalicelib.codes import SignInCode
from chalicelib.companies import CompanyItem
from chalicelib.erp import ErpContact
from chalicelib.events import LifecycleEvent, Webhook, WebhookDelivery
from chalicelib.identity import Activity, Customer, Login, SearchEntry, Session, StaffKey
from chalicelib.imports import ImportItem
from chalicelib.invitations import Invitation, InvitationJob
from chalicelib.kernel.models import BaseTable, BudgetCounter, IdempotencyRecord, Token, configure_tables
from chalicelib.mail import OutboxMessage
from chalicelib.portal import PortalItem
from chalicelib.privacy import Erasure, Tombstone

ALL_TABLES: tuple[type[BaseTable], ...] = (
    Customer,
    Login,
    Token,
    Session,
    StaffKey,
    OutboxMessage,
    IdempotencyRecord,
    Invitation,
    InvitationJob,
    Activity,
    Document,
    PortalItem,
    BudgetCounter,
    SignInCode,
    Tombstone,
    Erasure,
    CompanyItem,
    LifecycleEvent,
    Webhook,
    WebhookDelivery,
    SearchEntry,
    Note,
    ErpContact,
    ImportItem,
)


def create_tables(
    prefix: str,
    region: str | None = None,
    host: str | None = None,
    *,
    wait: bool = True,
    shared_prefix: str | None = None,
) -> None:
    """Create every table (local server and tests; AWS stages get them from ``infra/``).

    ``wait=False`` skips pynamodb's 2-second polling, for moto where tables are born active.
    A pool's shared tables (``shared_prefix``) are created by the first of its websites.
    """
    configure_tables(prefix, region, host, shared_prefix)
    existing = _existing_tables(ALL_TABLES[0])  # one ListTables, not a DescribeTable per table
    for model in ALL_TABLES:
        if model.Meta.table_name not in existing:
            model.create_table(wait=wait, billing_mode="PAY_PER_REQUEST")
            if model.STREAM:
                _enable_stream(model)
            if model.TTL_ATTRIBUTE:
                _client(model).update_time_to_live(
                    TableName=model.Meta.table_name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": model.TTL_ATTRIBUTE},
                )


def _existing_tables(model: type[BaseTable]) -> set[str]:
    names: set[str] = set()
    for page in _client(model).get_paginator("list_tables").paginate():
        names.update(page["TableNames"])
    return names


def _client(model: type[BaseTable]) -> Any:
    return model._get_connection().connection.client


def _enable_stream(model: type[BaseTable]) -> None:
    _client(model).update_table(
        TableName=model.Meta.table_name,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": model.STREAM_VIEW},
    )
