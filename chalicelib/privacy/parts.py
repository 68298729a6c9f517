"""The privacy feature's own parts in the registry: the account (customer record and email
claim, erased in the erasure's transaction) and the erasure's record and tombstone."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import checkout as checkout  # the features below register their parts on import
from chalicelib import identity
from chalicelib import invitations as invitations
from chalicelib import portal as portal
from chalicelib.identity import Customer, Login
from chalicelib.kernel import privacy
from chalicelib.kernel.clock import iso
from chalicelib.privacy import store
from chalicelib.privacy.models import Erasure, Tombstone

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def _account_erased(c: Container, subject: privacy.Subject) -> None:
    """The account's part ran in the erasure's own transaction (``erasure.anonymize``)."""


def _profile(c: Container, customer_id: str) -> dict[str, Any]:
    customer = identity.get_customer(customer_id)
    if customer is None:
        return {"profile": None}
    login = identity.get_login(customer.login_key) if customer.status not in ("guest", "anonymized") else None
    mine = login is not None and login.customer_id == customer_id
    return {
        "profile": {
            "customer_id": customer.customer_id,
            "website_id": customer.website_id,
            "email": customer.email,
            "name": customer.name,
            "phone": customer.phone,
            "locale": customer.locale,
            "status": customer.status,
            "preferences": json.loads(customer.preferences) if customer.preferences else {},
            "checkout_address": json.loads(customer.address) if customer.address else None,
            "created_at": iso(customer.created_at),
            "verified_at": iso(customer.verified_at),
            "anonymized_at": iso(customer.anonymized_at),
        },
        "consents": {"newsletter": bool(customer.newsletter)},
        "sign_in": {"has_password": bool(mine and login and login.password_hash)} if mine else None,
    }


def _erasure(c: Container, customer_id: str) -> dict[str, Any]:
    erasure = store.get_erasure(customer_id)
    if erasure is None:
        return {"erasure": None}
    return {
        "erasure": {
            "status": erasure.status,
            "requested_at": iso(erasure.created_at),
            "finished_at": iso(erasure.finished_at),
            "tombstone": "a keyed hash of the erased address is kept, to re-apply the erasure",
        }
    }


privacy.register("account", Customer, Login, erase=_account_erased, export=_profile)
privacy.register(
    "erasure",
    Erasure,
    Tombstone,
    export=_erasure,
    kept="the record of the erasure and a keyed hash of the address (re-applies it after a restore)",
)
