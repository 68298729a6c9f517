"""The customer portal (``/me/...``): the signed-in customer's own data only."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import privacy
from chalicelib.api.http import accepted, endpoint, json_body, no_content, query_param, spend_source_budget
from chalicelib.identity import activity, sessions
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.schemas import parse
from chalicelib.kernel.security import AccessClaims
from chalicelib.portal import addresses, collections, payments, pool_documents
from chalicelib.portal import documents as documents_portal
from chalicelib.portal.schemas import (
    AddressBookIn,
    ListIn,
    ListLineIn,
    PaymentMethodIn,
    RenameIn,
    ReorderIn,
    WishIn,
)
from chalicelib.privacy.schemas import ErasureIn

bp = Blueprint(__name__)


def _claims() -> AccessClaims:
    return sessions.authenticate(get_container(), bp.current_request.headers.get("authorization"))


def _body(model: Any) -> Any:
    return parse(model, json_body(bp.current_request))


def _created(body: dict[str, Any]) -> Response:
    return Response(body, status_code=201, headers={"Content-Type": "application/json"})


@endpoint(bp, "/me/export", methods=["GET"])
def my_export() -> dict[str, Any]:
    """Everything held about the signed-in customer (GDPR), as JSON."""
    return privacy.for_customer(get_container(), _claims())


@endpoint(bp, "/me/erasure", methods=["POST"])
def request_erasure() -> Response:
    """The customer asks to be erased: the password, then a confirmation link by email."""
    request = bp.current_request
    spend_source_budget(request, "password")
    claims = _claims()
    data = parse(ErasureIn, json_body(request))
    return accepted(privacy.request(get_container(), claims, data.password))


@endpoint(bp, "/me/activity", methods=["GET"])
def my_activity() -> dict[str, Any]:
    c = get_container()
    customer = sessions.current_customer(c, _claims())
    items, cursor = activity.page(c, customer.customer_id, query_param(bp.current_request, "cursor"), 50)
    return {"activity": [activity.view(i) for i in items], "next_cursor": cursor}


# -- addresses ------------------------------------------------------------------------------


@endpoint(bp, "/me/addresses", methods=["GET"])
def my_addresses() -> dict[str, Any]:
    return addresses.listing(get_container(), _claims())


@endpoint(bp, "/me/addresses", methods=["POST"])
def add_address() -> Response:
    claims = _claims()
    return _created(addresses.add(get_container(), claims, _body(AddressBookIn)))


@endpoint(bp, "/me/addresses/{address_id}", methods=["PUT"])
def change_address(address_id: str) -> dict[str, Any]:
    claims = _claims()
    return addresses.change(get_container(), claims, address_id, _body(AddressBookIn))


@endpoint(bp, "/me/addresses/{address_id}", methods=["DELETE"])
def remove_address(address_id: str) -> Response:
    addresses.remove(get_container(), _claims(), address_id)
    return no_content()


# -- documents ------------------------------------------------------------------------------


@endpoint(bp, "/me/documents", methods=["GET"])
def my_documents() -> dict[str, Any]:
    query = dict(bp.current_request.query_params or {})
    return documents_portal.listing(get_container(), _claims(), query)


@endpoint(bp, "/me/documents/{document_id}", methods=["GET"])
def my_document(document_id: str) -> dict[str, Any]:
    return documents_portal.one(get_container(), _claims(), document_id)


@endpoint(bp, "/me/websites/{website_id}/documents", methods=["GET"])
def my_documents_on_another_website(website_id: str) -> dict[str, Any]:
    """A shared pool: the customer's documents on another website of the pool (opt-in)."""
    cursor = dict(bp.current_request.query_params or {}).get("cursor")
    return pool_documents.listing(get_container(), _claims(), website_id, cursor)


@endpoint(bp, "/me/orders/{order_id}/reorder", methods=["POST"])
def reorder(order_id: str) -> dict[str, Any]:
    claims = _claims()
    data = _body(ReorderIn)
    return documents_portal.reorder(get_container(), claims, order_id, data.line_ids)


# -- wishlist -------------------------------------------------------------------------------


@endpoint(bp, "/me/wishlist", methods=["GET"])
def my_wishlist() -> dict[str, Any]:
    return collections.wishlist(get_container(), _claims())


@endpoint(bp, "/me/wishlist/{product_id}", methods=["PUT"])
def wish(product_id: str) -> dict[str, Any]:
    claims = _claims()
    return collections.wish(get_container(), claims, product_id, _body(WishIn))


@endpoint(bp, "/me/wishlist/{product_id}", methods=["DELETE"])
def unwish(product_id: str) -> Response:
    collections.unwish(get_container(), _claims(), product_id)
    return no_content()


# -- shopping lists and saved carts (B2B) ------------------------------------------------------


@endpoint(bp, "/me/lists", methods=["GET"])
def my_lists() -> dict[str, Any]:
    return collections.lists(get_container(), _claims(), query_param(bp.current_request, "kind"))


@endpoint(bp, "/me/lists", methods=["POST"])
def create_list() -> Response:
    claims = _claims()
    return _created(collections.create_list(get_container(), claims, _body(ListIn)))


@endpoint(bp, "/me/lists/{list_id}", methods=["GET"])
def my_list(list_id: str) -> dict[str, Any]:
    return collections.get_list(get_container(), _claims(), list_id)


@endpoint(bp, "/me/lists/{list_id}", methods=["PATCH"])
def rename_list(list_id: str) -> dict[str, Any]:
    claims = _claims()
    return collections.rename_list(get_container(), claims, list_id, _body(RenameIn).name)


@endpoint(bp, "/me/lists/{list_id}", methods=["DELETE"])
def delete_list(list_id: str) -> Response:
    collections.delete_list(get_container(), _claims(), list_id)
    return no_content()


@endpoint(bp, "/me/lists/{list_id}/lines", methods=["POST"])
def add_line(list_id: str) -> dict[str, Any]:
    claims = _claims()
    return collections.add_line(get_container(), claims, list_id, _body(ListLineIn))


@endpoint(bp, "/me/lists/{list_id}/lines/{product_id}", methods=["DELETE"])
def remove_line(list_id: str, product_id: str) -> dict[str, Any]:
    return collections.remove_line(get_container(), _claims(), list_id, product_id)


@endpoint(bp, "/me/lists/{list_id}/cart", methods=["POST"])
def list_to_cart(list_id: str) -> dict[str, Any]:
    return collections.to_cart(get_container(), _claims(), list_id)


# -- payment methods --------------------------------------------------------------------------


@endpoint(bp, "/me/payment-methods", methods=["GET"])
def my_payment_methods() -> dict[str, Any]:
    return payments.methods(get_container(), _claims())


@endpoint(bp, "/me/payment-methods", methods=["POST"])
def add_payment_method() -> Response:
    claims = _claims()
    return _created(payments.add(get_container(), claims, _body(PaymentMethodIn)))


@endpoint(bp, "/me/payment-methods/{payment_method_id}", methods=["DELETE"])
def remove_payment_method(payment_method_id: str) -> Response:
    payments.remove(get_container(), _claims(), payment_method_id)
    return no_content()
