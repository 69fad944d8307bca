"""Checks shared by the API tests: responses against the OpenAPI document, and the canonical
error shape ``{"error": {"code", "message", "param"}}``."""

from __future__ import annotations

from functools import cache

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from web.api import openapi_document

BASE = "urn:policy-search:openapi"


@cache
def _registry() -> Registry:
    resource = Resource.from_contents(openapi_document(), default_specification=DRAFT202012)
    return Registry().with_resource(BASE, resource)


def schema_errors(instance, component: str) -> list[str]:
    """Messages of every way ``instance`` breaks ``#/components/schemas/<component>``."""
    validator = Draft202012Validator({"$ref": f"{BASE}#/components/schemas/{component}"},
                                     registry=_registry(),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance))


def assert_canonical_error(response, status: int, code: str, param: str | None) -> None:
    """``response`` is the JSON error of the contract, with this status, code and param."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert schema_errors(body, "Error") == []
    assert (body["error"]["code"], body["error"]["param"]) == (code, param)
    assert body["error"]["message"].strip() != ""
