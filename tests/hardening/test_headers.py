"""Security headers on every response, no debugger, and no traceback or path in any error.

Every kind of answer (page, API, static file, OpenSearch, 400, 404, 405, 503 and a forced 500)
carries Content-Security-Policy ``default-src 'self'``, ``X-Content-Type-Options: nosniff`` and
``Referrer-Policy: same-origin``. The 500 is forced by overwriting the stored-fields column of
the live segment in place, after the server opened it: every read of a stored field then fails
deep inside Whoosh. The same is done to a real server started with ``FLASK_DEBUG=1``.
"""

from __future__ import annotations

import http.client
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import url_for
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

from search import IndexStore, Settings
from web import create_app

from tests.contract import assert_canonical_error, error_body

from .checks import assert_no_leak, assert_security_headers
from .server import serve


def _static(app, filename: str) -> str:
    with app.test_request_context():
        return url_for("pages.static", filename=filename)


def _cases(app) -> list[tuple[str, str, int, str]]:
    """(method, path, status, mimetype) of every kind of answer over the fixture index."""
    return [
        ("GET", "/", 200, "text/html"),
        ("GET", "/search?q=介護", 200, "text/html"),
        ("GET", "/search?page=0", 400, "text/html"),
        ("GET", "/posts/script-tag", 200, "text/html"),
        ("GET", "/posts/no-such-post", 404, "text/html"),
        ("GET", "/no/such/page", 404, "text/html"),
        ("POST", "/", 405, "text/html"),
        ("GET", _static(app, "style.css"), 200, "text/css"),
        ("GET", _static(app, "site.js"), 200, "text/javascript"),
        ("GET", _static(app, "icon.svg"), 200, "image/svg+xml"),
        ("GET", _static(app, "nothing.css"), 404, "text/html"),
        ("GET", "/opensearch.xml", 200, "application/opensearchdescription+xml"),
        ("GET", "/api/search?q=介護", 200, "application/json"),
        ("HEAD", "/api/search?q=介護", 200, "application/json"),
        ("GET", "/api/search?page=0", 400, "application/json"),
        ("GET", "/api/posts/kaigo-jinzai", 200, "application/json"),
        ("GET", "/api/posts/no-such-post", 404, "application/json"),
        ("GET", "/api/no/such/endpoint", 404, "application/json"),
        ("POST", "/api/search", 405, "application/json"),
        ("DELETE", "/api/posts/kaigo-jinzai", 405, "application/json"),
        ("GET", "/api/openapi.json", 200, "application/json"),
        ("GET", "/api/suggest?q=かいご", 200, "application/json"),
        ("GET", "/api/suggest?q=介護&limit=99", 400, "application/json"),
        ("GET", "/api/posts/kaigo-jinzai/related", 200, "application/json"),
        ("GET", "/api/posts/no-such-post/related", 404, "application/json"),
        ("GET", "/api/posts/kaigo-jinzai/related?limit=0", 400, "application/json"),
        ("GET", "/search.atom?q=介護", 200, "application/atom+xml"),
        ("GET", "/search.atom?page=0", 400, "application/json"),
        ("POST", "/search.atom", 405, "application/json"),
    ]


def test_every_kind_of_answer_carries_the_headers(app, index_root):
    client = app.test_client()
    seen = []
    for method, path, status, mimetype in _cases(app):
        response = client.open(path, method=method)
        response.close()  # static files are streamed from an open file
        seen.append((method, path, response.status_code, response.mimetype))
        assert_security_headers(response.headers)
        if status >= 400:
            assert_no_leak(response.data, str(index_root))
            if path.startswith("/api/") or path.startswith("/search.atom"):
                assert_canonical_error(response, status)
    assert seen == [(m, p, s, t) for m, p, s, t in _cases(app)]


def test_no_index_is_a_503_with_headers(tmp_path):
    app = create_app(Settings(index_dir=tmp_path / "empty", corpus_dir=tmp_path / "corpus"))
    try:
        client = app.test_client()
        api = client.get("/api/search?q=介護")
        page = client.get("/search?q=介護")
        others = [client.get(path) for path in ("/api/suggest?q=かいご", "/api/posts/x/related",
                                                "/search.atom?q=介護")]
    finally:
        app.extensions["search_service"].close()
    assert_canonical_error(api, 503)
    assert api.headers["Retry-After"] == "5"
    assert page.status_code == 503
    for response in others:
        assert_canonical_error(response, 503)
    for response in (api, page, *others):
        assert_security_headers(response.headers)
        assert_no_leak(response.data, str(tmp_path))


def test_debug_mode_stays_off_under_flask_debug(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(Settings(index_dir=tmp_path))
    try:
        assert (app.debug, app.config["DEBUG"]) == (False, False)
    finally:
        app.extensions["search_service"].close()


def _corrupt_stored_fields(index_root: Path) -> None:
    """Overwrite the stored-fields column of the live segment in place (same inode)."""
    live = IndexStore(index_root).live_dir()
    segment = next(live.glob("*.seg"))
    with FileStorage(str(live)).open_file(segment.name) as f:
        compound = CompoundStorage(f, use_mmap=False)
        entry = next(v for k, v in compound._dir.items() if k.endswith("._stored.col"))
    with open(segment, "r+b") as f:
        f.seek(entry["offset"])
        f.write(bytes([0xFF, 0x00, 0x13, 0x37]) * (entry["length"] // 4))


@pytest.fixture
def private_index(tmp_path, index_root) -> Path:
    """A copy of the fixture index this test may damage."""
    root = tmp_path / "index"
    shutil.copytree(index_root, root, symlinks=True)
    return root


ERROR_PATHS = ["/api/search?q=介護", "/api/search", "/api/posts/kaigo-jinzai",
               "/search?q=介護", "/posts/kaigo-jinzai", "/"]


def test_internal_errors_leak_nothing(private_index, caplog):
    app = create_app(Settings(index_dir=private_index))
    try:
        client = app.test_client()
        assert client.get("/api/search?q=福祉").status_code == 200  # the index is open
        _corrupt_stored_fields(private_index)
        responses = {path: client.get(path) for path in ERROR_PATHS}
    finally:
        app.extensions["search_service"].close()
    assert {p: r.status_code for p, r in responses.items()} == {p: 500 for p in ERROR_PATHS}
    for path, response in responses.items():
        assert_security_headers(response.headers)
        assert_no_leak(response.data, str(private_index), ".seg", "MAIN_", "Error:")
        if path.startswith("/api/"):
            assert assert_canonical_error(response, 500)["code"] == "internal_error"
        else:
            assert response.mimetype == "text/html"
    # The traceback goes to the server log, not to the client.
    assert any(record.exc_info for record in caplog.records)


def _raw_get(host: str, port: int, path: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", quote(path, safe="/?=&%"))
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_real_server_with_flask_debug_shows_no_debugger(private_index, app):
    """``serve`` with ``FLASK_DEBUG=1``: a forced 500 is still the JSON error, with headers."""
    with serve(private_index, FLASK_DEBUG="1") as server:
        assert _raw_get(server.host, server.port, "/api/search?q=福祉")[0] == 200
        _corrupt_stored_fields(private_index)
        answers = {path: _raw_get(server.host, server.port, path) for path in ERROR_PATHS}
        debugger = _raw_get(server.host, server.port, "/?__debugger__=yes&cmd=resource&f=style.css")
        console = _raw_get(server.host, server.port, "/console")
        log = server.output()
    assert {p: a[0] for p, a in answers.items()} == {p: 500 for p in ERROR_PATHS}
    for path, (status, headers, body) in answers.items():
        assert_security_headers(headers)
        assert_no_leak(body, str(private_index), ".seg", "MAIN_", "Error:")
        if path.startswith("/api/"):
            assert error_body(status, body, headers["Content-Type"])["code"] == "internal_error"
    assert debugger[0] == 500  # the home page, broken like the rest, not a debugger resource
    assert b"Werkzeug" not in debugger[2] and b"debugger" not in debugger[2].lower()
    assert console[0] == 404
    assert "Traceback (most recent call last)" in log  # logged on the server side
