"""docs/openapi.yaml is a valid OpenAPI document that matches the routes the app defines."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from app import app
from chalicelib.api.middleware import CHALICE_CODES
from chalicelib.kernel import errors
from infra.template import GATEWAY_ERRORS

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text("utf-8"))
    return loaded


def documented_operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method.upper()): operation
        for path, item in document()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def app_routes() -> set[tuple[str, str]]:
    return {(path, method) for path, methods in app.routes.items() for method in methods}


def domain_errors() -> Iterator[type[errors.DomainError]]:
    pending = list(errors.DomainError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        yield cls


def known_codes() -> set[str]:
    """Codes the service can answer: its domain errors, Chalice's rewritten ones, the boundary's."""
    codes = {cls.code for cls in domain_errors()} | set(CHALICE_CODES.values()) | {"internal_error"}
    # API Gateway's own answers (no Lambda ran), e.g. the staff authorizer's 403 "forbidden".
    return codes | {code for _, code, _ in GATEWAY_ERRORS.values()}


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def mentioned_codes(node: Any) -> Iterator[str]:
    """Every ``{"error": {"code": ...}}`` under ``node`` (the examples)."""
    if isinstance(node, dict):
        error = node.get("error")
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            yield error["code"]
        for value in node.values():
            yield from mentioned_codes(value)
    elif isinstance(node, list):
        for value in node:
            yield from mentioned_codes(value)


def response_codes(response: dict[str, Any]) -> set[str]:
    """The error codes one response lists in its JSON examples (refs followed)."""
    media = resolve(response).get("content", {}).get("application/json", {})
    examples = [resolve(example) for example in media.get("examples", {}).values()]
    return {code for example in examples for code in mentioned_codes(example.get("value"))}


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_document_is_valid_openapi_3_1() -> None:
    assert document()["openapi"].startswith("3.1")
    validate(document())
    for ref in set(refs(document())):  # the validator does not follow every $ref (examples, headers)
        assert ref.startswith("#/"), ref
        resolve({"$ref": ref})


def test_every_route_of_the_app_is_documented_and_nothing_else() -> None:
    documented = set(documented_operations())
    routes = app_routes()
    assert routes - documented == set(), "routes missing from docs/openapi.yaml"
    assert documented - routes == set(), "operations in docs/openapi.yaml the app does not define"


def test_every_documented_error_code_exists_in_the_code() -> None:
    mentioned = set(mentioned_codes(document()))
    mentioned |= set(document()["components"]["schemas"]["ErrorCode"]["enum"])
    assert mentioned, "the document mentions no error code"
    assert mentioned - known_codes() == set()


def test_every_code_the_service_can_answer_is_listed() -> None:
    listed = set(document()["components"]["schemas"]["ErrorCode"]["enum"])
    assert known_codes() - listed == set(), "add the new code to ErrorCode and to the routes that answer it"


@pytest.mark.parametrize("cls", sorted(domain_errors(), key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_a_domain_error_is_documented_under_its_own_status(cls: type[errors.DomainError]) -> None:
    status = str(errors.http_status(cls()))
    for (path, method), operation in documented_operations().items():
        for documented_status, response in operation["responses"].items():
            if cls.code in response_codes(response):
                assert documented_status == status, f"{method} {path}: {cls.code} is {status}"


def test_operations_declare_the_security_the_route_enforces() -> None:
    operations = documented_operations()
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if (path, method) not in operations:
                continue  # reported by test_every_route_of_the_app_is_documented_and_nothing_else
            security = operations[(path, method)].get("security", document().get("security", []))
            schemes = {name for requirement in security for name in requirement}
            # An empty requirement ({}) lets anonymous callers in: the other schemes are optional.
            enforced = set() if {} in security else schemes
            if entry.authorizer is not None:
                expected = {"staffKey"}
            elif getattr(entry.view_function, "storefront_key_required", False):
                expected = {"storefrontKey"}  # the storefront's server only (api/storefront.py)
            # The signed-in customer's routes (/me/...): customer.py, the portal and companies.
            elif entry.view_function.__module__ in (
                "chalicelib.api.customer",
                "chalicelib.api.portal",
                "chalicelib.api.companies",
            ):
                expected = {"customerBearer"}
            else:
                expected = set()
                # A public route may still read a customer's token (e.g. GET /shop/access).
                assert schemes <= {"customerBearer"}, f"{method} {path}"
            assert enforced == expected, f"{method} {path}"


def media_types(operation: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    bodies = [("request", resolve(operation.get("requestBody", {})))]
    bodies += [(status, resolve(response)) for status, response in operation["responses"].items()]
    for where, body in bodies:
        for media_type, media in body.get("content", {}).items():
            yield f"{where} {media_type}", media


def test_examples_match_their_schemas() -> None:
    checked = 0
    for (path, method), operation in documented_operations().items():
        for where, media in media_types(operation):
            examples = [resolve(e).get("value") for e in media.get("examples", {}).values()]
            examples += [media["example"]] if "example" in media else []
            validator = OAS31Validator({**media["schema"], "components": document()["components"]})
            for example in examples:
                errors_found = [e.message for e in validator.iter_errors(example)]
                assert errors_found == [], f"{method} {path} {where}: {errors_found}"
                checked += 1
    assert checked > 0


def test_error_answers_use_the_error_schema() -> None:
    error_schema = "#/components/schemas/Error"
    for (path, method), operation in documented_operations().items():
        for status, response in operation["responses"].items():
            media = resolve(response).get("content", {}).get("application/json")
            if int(status) >= 400 and media is not None:
                assert media["schema"] == {"$ref": error_schema}, f"{method} {path} {status}"
