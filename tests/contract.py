"""Checks shared by the tests of the API: answers against the OpenAPI document, and the one
error shape ``{"error": {"code", "message", "param"}}``."""

from __future__ import annotations

import json
import re
from functools import cache

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from web.api import openapi_document

BASE = "urn:policy-search:openapi"
#: Error codes are short snake_case words.
ERROR_CODE = re.compile(r"[a-z][a-z0-9_]*")
_ANY = object()


@cache
def _registry() -> Registry:
    # Every component schema is in the document, with or without the admin paths.
    resource = Resource.from_contents(openapi_document(), default_specification=DRAFT202012)
    return Registry().with_resource(BASE, resource)


@cache
def schema_validator(component: str) -> Draft202012Validator:
    """A validator (formats checked) for ``#/components/schemas/<component>``."""
    return Draft202012Validator({"$ref": f"{BASE}#/components/schemas/{component}"},
                                registry=_registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(instance, component: str) -> list[str]:
    """Messages of every way ``instance`` breaks ``#/components/schemas/<component>``."""
    return sorted(f"{list(e.absolute_path)}: {e.message}"
                  for e in schema_validator(component).iter_errors(instance))


def error_body(status: int, body: bytes, content_type: str) -> dict:
    """One answer (from any HTTP client) is the canonical JSON error; returns its ``error``."""
    assert content_type.split(";")[0].strip() == "application/json", (status, content_type, body[:200])
    data = json.loads(body.decode("utf-8"))
    assert schema_errors(data, "Error") == [], data
    error = data["error"]
    assert ERROR_CODE.fullmatch(error["code"]), error
    assert error["message"].strip(), error
    return error


def assert_canonical_error(response, status: int | None = None, code: str | None = None,
                           param=_ANY) -> dict:
    """A Flask test-client response is the canonical JSON error (with this ``status``, ``code``
    and ``param`` where given); returns its ``error`` object."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.status_code >= 400, response.status_code
    error = error_body(response.status_code, response.data, response.content_type or "")
    if code is not None:
        assert error["code"] == code, error
    if param is not _ANY:
        assert error["param"] == param, error
    return error
