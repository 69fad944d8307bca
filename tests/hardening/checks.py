"""Assertions shared by the hardening tests: the one error shape, no leaks, the OpenAPI schemas."""

from __future__ import annotations

import json
import re
import sys
import sysconfig
import tempfile
from pathlib import Path

import jsonschema

#: Error codes are short snake_case words.
ERROR_CODE = re.compile(r"[a-z][a-z0-9_]*")
#: What a leaked traceback or server path looks like in a response body.
LEAK_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"]*", line \d+'),
    re.compile(r"\.py\b"),
    re.compile(r"site-packages"),
    re.compile(r"Werkzeug Debugger|__debugger__|werkzeug\.debug"),
]
#: Paths of this machine no answer may show (the attacker's own path in a 404 message is fine).
SERVER_PATHS = sorted({str(Path(__file__).resolve().parents[2]), sys.prefix, sys.base_prefix + "/lib",
                       sysconfig.get_paths()["purelib"], str(Path(tempfile.gettempdir()) / "pytest-of")})
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def error_body(status: int, body: bytes, content_type: str) -> dict:
    """Check one answer is the canonical JSON error and return its ``error`` object."""
    assert content_type.split(";")[0].strip() == "application/json", (status, content_type, body[:200])
    data = json.loads(body.decode("utf-8"))
    assert list(data) == ["error"], data
    error = data["error"]
    assert sorted(error) == ["code", "message", "param"], error
    assert isinstance(error["code"], str) and ERROR_CODE.fullmatch(error["code"]), error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    assert error["param"] is None or isinstance(error["param"], str), error
    return error


def assert_canonical_error(response, status: int | None = None) -> dict:
    """A Flask test-client response is ``{"error": {"code", "message", "param"}}`` (with
    ``status`` if given); returns the ``error`` object."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.status_code >= 400, response.status_code
    return error_body(response.status_code, response.data, response.content_type or "")


def assert_no_leak(body: bytes | str, *secrets: str) -> None:
    """No traceback, Python file, server path or any of ``secrets`` appears in ``body``."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    for pattern in LEAK_PATTERNS:
        assert not pattern.search(text), (pattern.pattern, text[:2000])
    for secret in (*SERVER_PATHS, *secrets):
        assert secret not in text, (secret, text[:2000])


def assert_security_headers(headers) -> None:
    """The three headers every response must carry, with the values the issue asks for."""
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "same-origin"


def schema_validator(openapi: dict, name: str) -> jsonschema.Draft202012Validator:
    """A validator for ``#/components/schemas/<name>`` of an OpenAPI 3.1 document."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": openapi["components"]}
    return jsonschema.Draft202012Validator(schema)
