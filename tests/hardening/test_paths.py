"""Path and id tricks: dot segments, encoded slashes and backslashes, NUL bytes, overlong UTF-8,
index file names and 10,000-character ids. Every one is a 404 (the JSON error shape under
``/api``), nothing outside the index and the app's own files is opened, nothing leaks.

The same table runs twice: through Flask's test client (with an audit hook recording every file
the request opens) and against a real ``policy-search serve`` process over raw HTTP, where the
request line goes out byte for byte as written here.
"""

from __future__ import annotations

import http.client
import os
import sys
from pathlib import Path

import pytest

import web

from tests.contract import assert_canonical_error, error_body

from .checks import assert_no_leak, assert_security_headers
from .opened import record_opens

LONG_ID = "a" * 10_000
TRICKS = [
    "/posts/../../etc/passwd",
    "/posts/..%2F..%2Fetc%2Fpasswd",
    "/posts/%2e%2e/%2e%2e/etc/passwd",
    "/posts/" + LONG_ID,
    "/posts/kaigo-jinzai%00",
    "/posts/%00",
    "/static/../../etc/passwd",
    "/static/..%2F..%2Fapp.py",
    "/static/%2e%2e%2fapp.py",
    "/static/..%5Capp.py",
    "/static/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/style.css%00.py",
    "//etc/passwd",
    "/api/posts/..%2F..%2Fetc%2Fpasswd",
    "/api/posts/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/api/posts/..%5C..%5Cetc%5Cpasswd",
    "/api/posts/..",
    "/api/posts/%2e%2e",
    "/api/posts/%00",
    "/api/posts/kaigo-jinzai%00",
    "/api/posts/kaigo-jinzai%00.md",
    "/api/posts/kaigo-jinzai/",
    "/api/posts/%C0%AE%C0%AE%2Fetc%2Fpasswd",
    "/api/posts/%ED%A0%80",
    "/api/posts/current",
    "/api/posts/write.lock",
    "/api/posts/_MAIN_1.toc",
    "/api/posts/" + LONG_ID,
    "/api/posts/" + "%2E%2E%2F" * 200 + "etc%2Fpasswd",
    "/api/..%2Fapi%2Fopenapi.json",
]


def _allowed_roots(index_root: Path) -> list[str]:
    roots = [index_root, Path(web.__file__).parent, Path(sys.prefix), Path(sys.base_prefix)]
    return [os.path.realpath(r) for r in roots] + [str(r) for r in roots]


@pytest.mark.parametrize("path", TRICKS, ids=lambda p: p[:60])
def test_path_tricks_are_404_and_open_nothing_outside(app, index_root, path):
    client = app.test_client()
    with record_opens() as opened:
        response = client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert_security_headers(response.headers)
    if path.startswith("/api/"):
        assert_canonical_error(response, 404)
    else:
        assert response.mimetype == "text/html"
    assert b"root:x:0:0" not in response.data
    assert_no_leak(response.data, str(index_root))
    roots = _allowed_roots(index_root)
    outside = [p for p in opened if not any(p.startswith(r + os.sep) for r in roots)]
    assert outside == []


def test_the_recorder_sees_index_reads(settings, index_root):
    """Guards the test above: a fresh app opening the index is seen reading files under it."""
    fresh = web.create_app(settings)
    try:
        with record_opens() as opened:
            response = fresh.test_client().get("/api/posts/kaigo-jinzai")
    finally:
        fresh.extensions["search_service"].close()
    assert response.status_code == 200
    assert response.get_json()["title"] == "介護人材の確保"
    live = os.path.realpath(index_root) + os.sep
    assert any(p.startswith(live) for p in opened), opened


@pytest.mark.slow
@pytest.mark.parametrize("path", TRICKS, ids=lambda p: p[:60])
def test_path_tricks_over_http(live_server, path):
    host, port = live_server
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 404, (path, response.status, body[:200])
    assert_security_headers(response.headers)
    content_type = response.headers.get("Content-Type", "")
    if path.startswith("/api/"):
        error_body(404, body, content_type)
    else:
        assert content_type.startswith("text/html"), content_type
    assert b"root:x:0:0" not in body
    assert_no_leak(body)
