"""Staff routes of the back office (``/admin/customers...``): find, create, edit, notes,
address book, documents, reset links. Registered on the admin Blueprint, scopes declared."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib import portal
from chalicelib.api.admin import actor, bp, staff_route
from chalicelib.api.http import JSON, accepted, idempotency_key, json_body, no_content, query_param
from chalicelib.backoffice import customers, notes, search
from chalicelib.backoffice.schemas import CustomerIn, CustomerPatchIn, NoteIn
from chalicelib.identity import scopes as scope
from chalicelib.kernel.bootstrap import get_container
from chalicelib.kernel.schemas import parse

CUSTOMER = "/admin/customers/{customer_id}"


def _created(body: dict[str, Any]) -> Response:
    return Response(body, status_code=201, headers={"Content-Type": JSON})


@staff_route("/admin/customers", scope.CUSTOMERS_READ, methods=["GET"])
def find_customers() -> dict[str, Any]:
    params = {k: str(v) for k, v in dict(bp.current_request.query_params or {}).items()}
    return search.find(get_container(), params)


@staff_route("/admin/customers", scope.CUSTOMERS_WRITE, methods=["POST"])
def create_customer() -> Response:
    request = bp.current_request
    data = parse(CustomerIn, json_body(request))
    return _created(customers.create(get_container(), data, actor(), idempotency_key(request)))


@staff_route(CUSTOMER, scope.CUSTOMERS_WRITE, methods=["PATCH"])
def edit_customer(customer_id: str) -> dict[str, Any]:
    data = parse(CustomerPatchIn, json_body(bp.current_request))
    return customers.update(get_container(), customer_id, data, actor())


@staff_route(CUSTOMER + "/notes", scope.CUSTOMERS_READ, methods=["GET"])
def customer_notes(customer_id: str) -> dict[str, Any]:
    c = get_container()
    customers.detail_of(c, customer_id)
    return notes.page(c, customer_id, query_param(bp.current_request, "cursor"))


@staff_route(CUSTOMER + "/notes", scope.CUSTOMERS_WRITE, methods=["POST"])
def add_note(customer_id: str) -> Response:
    c = get_container()
    data = parse(NoteIn, json_body(bp.current_request))
    customers.detail_of(c, customer_id)
    return _created(notes.add(c, customer_id, data.text, actor()))


@staff_route(CUSTOMER + "/addresses", scope.CUSTOMERS_READ, methods=["GET"])
def customer_addresses(customer_id: str) -> dict[str, Any]:
    c = get_container()
    customers.detail_of(c, customer_id)
    return portal.addresses_of(c, customer_id)


@staff_route(CUSTOMER + "/addresses", scope.CUSTOMERS_WRITE, methods=["POST"])
def add_customer_address(customer_id: str) -> Response:
    c = get_container()
    data = parse(portal.AddressBookIn, json_body(bp.current_request))
    return _created(portal.add_address(c, customers.editable(c, customer_id), data, actor()))


@staff_route(CUSTOMER + "/addresses/{address_id}", scope.CUSTOMERS_WRITE, methods=["PUT"])
def change_customer_address(customer_id: str, address_id: str) -> dict[str, Any]:
    c = get_container()
    data = parse(portal.AddressBookIn, json_body(bp.current_request))
    return portal.change_address(c, customers.editable(c, customer_id), address_id, data, actor())


@staff_route(CUSTOMER + "/addresses/{address_id}", scope.CUSTOMERS_WRITE, methods=["DELETE"])
def remove_customer_address(customer_id: str, address_id: str) -> Response:
    c = get_container()
    portal.remove_address(c, customers.editable(c, customer_id), address_id, actor())
    return no_content()


@staff_route(CUSTOMER + "/documents", scope.CUSTOMERS_READ, methods=["GET"])
def customer_documents(customer_id: str) -> dict[str, Any]:
    c = get_container()
    customers.detail_of(c, customer_id)
    query = {k: str(v) for k, v in dict(bp.current_request.query_params or {}).items()}
    return portal.staff_listing(c, customer_id, query)


@staff_route(CUSTOMER + "/password-reset", scope.CUSTOMERS_WRITE, methods=["POST"])
def send_password_reset(customer_id: str) -> Response:
    return accepted(customers.send_password_reset(get_container(), customer_id, actor()))
