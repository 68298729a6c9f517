"""``GET /shop/access`` with the company the visitor acts for: a blocked company's members
browse but cannot order. The company is read as it is now, not taken from the token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import checkout, identity
from chalicelib.companies import store
from chalicelib.companies.common import ACTING_STATUSES, acting
from chalicelib.kernel.errors import NotAuthenticated

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def shop_access(c: Container, authorization: str | None) -> dict[str, Any]:
    body = checkout.shop_access(c, authorization)
    body["company"], body["can_order"] = None, True  # the checkout policy decides for the rest
    if not body["signed_in"]:
        return body
    try:
        claims = identity.authenticate(c, authorization)
    except NotAuthenticated:  # checked a moment ago: only a token expiring in between
        return body
    if claims.acting is None:
        return body
    company, member = store.company_with(claims.acting.company_id, store.member_sk(claims.customer_id))
    if company is None or member is None or company.status not in ACTING_STATUSES:
        body["can_order"] = False  # acting for a company it no longer belongs to: switch first
        return body
    now = acting(company, member)
    body["company"], body["can_order"] = now.claim(), now.can_order
    return body
