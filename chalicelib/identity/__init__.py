"""Identity: sign-up and verification, passwords, sessions, staff keys, account activity.

This module is the feature's public surface: other features use the names below (and the
``activity`` module), never its stores or models modules directly.
"""

from chalicelib.identity import activity, enrolment, legacy_hashes, links, views
from chalicelib.identity import passwords as passwords  # registers its deferred task
from chalicelib.identity import privacy as privacy  # registers its GDPR part
from chalicelib.identity.accounts import get_for_staff as for_staff
from chalicelib.identity.accounts import verify_link
from chalicelib.identity.clean_start import CHECKOUT
from chalicelib.identity.creation import creation_steps, new_customer, reference_steps
from chalicelib.identity.models import Activity, Customer, Login, SearchEntry, Session, StaffKey
from chalicelib.identity.search import changed as customer_as
from chalicelib.identity.search import erp_account_changes
from chalicelib.identity.search import index_steps as search_index_steps
from chalicelib.identity.search import keys_of as search_keys_of
from chalicelib.identity.search import query_words as search_query_words
from chalicelib.identity.search import removal_steps as search_removal_steps
from chalicelib.identity.session_store import save_step
from chalicelib.identity.sessions import (
    act_for,
    acting_source,
    authenticate,
    confirm_password,
    current_customer,
    login_key,
    new_session,
    token_pair,
)
from chalicelib.identity.store import (
    EmailTaken,
    IdempotentReplay,
    claim_free,
    consume_step,
    get_customer,
    get_login,
    idempotency_steps,
    run_create,
)
from chalicelib.identity.views import customer_view, staff_view

__all__ = [
    "CHECKOUT",
    "Activity",
    "Customer",
    "EmailTaken",
    "IdempotentReplay",
    "Login",
    "SearchEntry",
    "Session",
    "StaffKey",
    "act_for",
    "acting_source",
    "activity",
    "authenticate",
    "claim_free",
    "confirm_password",
    "consume_step",
    "creation_steps",
    "current_customer",
    "customer_as",
    "customer_view",
    "enrolment",
    "erp_account_changes",
    "for_staff",
    "get_customer",
    "get_login",
    "idempotency_steps",
    "legacy_hashes",
    "links",
    "login_key",
    "new_customer",
    "new_session",
    "reference_steps",
    "run_create",
    "save_step",
    "search_index_steps",
    "search_keys_of",
    "search_query_words",
    "search_removal_steps",
    "staff_view",
    "token_pair",
    "verify_link",
    "views",
]
