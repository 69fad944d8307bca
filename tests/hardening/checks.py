"""Assertions shared by the hardening tests: no leaks, the security headers. (The error shape and
the OpenAPI schemas: tests/contract.py.)"""

from __future__ import annotations

import re
import sys
import sysconfig
import tempfile
from pathlib import Path


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
