"""Identity: sign-up and verification, passwords, sessions, staff keys, account activity.

This module is the feature's public surface: other features use the names below (and the
``activity`` module), never its stores or models modules directly.
"""

from chalicelib.identity import activity, enrolment, legacy_hashes
from chalicelib.identity import passwords as passwords  # registers its deferred task
from chalicelib.identity.accounts import verify_link
from chalicelib.identity.clean_start import CHECKOUT
from chalicelib.identity.models import Activity, Customer, Login, Session, StaffKey
from chalicelib.identity.session_store import save_step
from chalicelib.identity.sessions import (
    authenticate,
    confirm_password,
    current_customer,
    login_key,
    new_session,
    token_pair,
)
from chalicelib.identity.store import (
    IdempotentReplay,
    claim_free,
    consume_step,
    get_customer,
    get_login,
    idempotency_steps,
    run_create,
)
from chalicelib.identity.views import customer_view

__all__ = [
    "CHECKOUT",
    "Activity",
    "Customer",
    "IdempotentReplay",
    "Login",
    "Session",
    "StaffKey",
    "activity",
    "authenticate",
    "claim_free",
    "confirm_password",
    "consume_step",
    "current_customer",
    "customer_view",
    "enrolment",
    "get_customer",
    "get_login",
    "idempotency_steps",
    "legacy_hashes",
    "login_key",
    "new_session",
    "run_create",
    "save_step",
    "token_pair",
    "verify_link",
]
