"""The update webhook: off without a token, 401/403 at the door, one background update at a time,
progress and summary by job id, and a clear failure when the CLI holds the write lock."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from urllib.parse import quote
from pathlib import Path

import pytest

import indexer
from indexer.lock import writer_lock
from search import IndexStore, Post, Settings
from tests.fixtures.index import build_index, write_corpus
from web import create_app

from web.api import openapi_document

from tests.contract import assert_canonical_error, schema_validator

from .checks import assert_no_leak, assert_security_headers
from .server import get_json, serve

TOKEN = "s3cret-Token_with.symbols~42"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def new_post(post_id: str, word: str, day: int = 1) -> Post:
    return Post(id=post_id, title=f"{word}の新しい記事", date=dt.date(2025, 2, day), category="行政",
                url=f"https://example.jp/posts/{post_id}", body=f"{word}について議論した。")


@pytest.fixture
def site(tmp_path, fixture_posts):
    """A corpus and an index built from it by the indexer, ready for ``update``."""
    corpus = write_corpus(tmp_path / "corpus", fixture_posts)
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, admin_token=TOKEN)
    indexer.rebuild(settings, workers=1)
    return settings


def serving_jobs(app):
    """Yield ``app``; afterwards wait for its admin jobs and close its search service (a
    fixture's body)."""
    yield app
    runner = app.extensions["admin_jobs"]
    for job_id in list(runner.jobs):
        assert runner.wait(job_id, timeout=120)
    app.extensions["search_service"].close()


@pytest.fixture
def admin_app(site):
    yield from serving_jobs(create_app(site))


@pytest.fixture(scope="module")
def guarded_app(index_root, corpus_dir):
    """An app with a token over the session's (read-only) fixture index, for requests that must
    be turned away before any job starts."""
    app = create_app(Settings(index_dir=index_root, corpus_dir=corpus_dir, admin_token=TOKEN))
    yield app
    app.extensions["search_service"].close()


def job_errors(body) -> list[str]:
    """How ``body`` breaks the OpenAPI document's ``JobResponse``."""
    validator = schema_validator("JobResponse")
    return [error.message for error in validator.iter_errors(body)]


def _finish(app, job_id: str) -> dict:
    assert app.extensions["admin_jobs"].wait(job_id, timeout=120)
    response = app.test_client().get(f"/api/admin/jobs/{job_id}", headers=BEARER)
    assert response.status_code == 200
    assert job_errors(response.get_json()) == []
    return response.get_json()["job"]


def test_the_document_lists_the_webhook_only_with_a_token(app, guarded_app):
    without = app.test_client().get("/api/openapi.json").get_json()
    with_token = guarded_app.test_client().get("/api/openapi.json").get_json()
    admin_paths = ["/api/admin/jobs/{id}", "/api/admin/sync", "/api/admin/update"]
    assert [p for p in without["paths"] if p.startswith("/api/admin/")] == []
    assert sorted(p for p in with_token["paths"] if p.startswith("/api/admin/")) == admin_paths
    assert with_token == openapi_document(admin=True)
    # In step with the routes: each documented operation is a rule of the app with a token.
    rules = {(rule.rule.replace("<job_id>", "{id}"), method)
             for rule in guarded_app.url_map.iter_rules() for method in rule.methods}
    for path in admin_paths:
        for method in ("get", "post", "put", "delete", "patch"):
            if method in with_token["paths"][path]:
                assert (path, method.upper()) in rules


def test_the_job_schema_can_fail():
    assert job_errors({"job": {"id": "x", "state": "done", "started_at": "", "finished_at": None,
                               "progress": {"done": -1}, "summary": None, "failure": None}}) != []


@pytest.mark.parametrize("method, path", [
    ("POST", "/api/admin/update"), ("GET", "/api/admin/update"), ("PUT", "/api/admin/update"),
    ("GET", "/api/admin/jobs/0123456789abcdef"), ("POST", "/api/admin/jobs/x"),
    ("GET", "/api/admin"),
])
def test_disabled_without_a_token(app, method, path):
    """The session app has no admin token: every admin URL is the ordinary API 404."""
    response = app.test_client().open(path, method=method, headers=BEARER)
    error = assert_canonical_error(response, 404)
    assert error == {"code": "not_found", "message": f"no API endpoint at {path}", "param": None}
    assert_security_headers(response.headers)


def test_token_from_the_environment_enables_it(tmp_path):
    settings = Settings.from_env({"POLICY_SEARCH_INDEX": str(tmp_path / "index"),
                                  "POLICY_SEARCH_ADMIN_TOKEN": TOKEN})
    app = create_app(settings)
    try:
        response = app.test_client().post("/api/admin/update")
    finally:
        app.extensions["search_service"].close()
    assert_canonical_error(response, 401)


UNAUTHORIZED = [
    {},
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": TOKEN},
]
FORBIDDEN = [
    {"Authorization": "Bearer wrong"},
    {"Authorization": f"Bearer {TOKEN.upper()}"},
    {"Authorization": f"Bearer {TOKEN[:-1]}"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": f"Bearer {TOKEN} {TOKEN}"},
    {"Authorization": "Bearer \u00e9\u00e8\u00ff\u00a0"},  # latin-1 bytes in the header
]


#: The guarded routes: starting a job, and reading one.
GUARDED = [("POST", "/api/admin/update"), ("GET", "/api/admin/jobs/0123456789abcdef")]


@pytest.mark.parametrize("headers", UNAUTHORIZED, ids=repr)
@pytest.mark.parametrize("method, path", GUARDED)
def test_no_credentials_is_401(guarded_app, headers, method, path):
    response = guarded_app.test_client().open(path, method=method, headers=headers)
    assert assert_canonical_error(response, 401)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="policy-search"'
    assert_security_headers(response.headers)
    assert guarded_app.extensions["admin_jobs"].jobs == {}


@pytest.mark.parametrize("headers", FORBIDDEN, ids=repr)
@pytest.mark.parametrize("method, path", GUARDED)
def test_wrong_token_is_403(guarded_app, headers, method, path):
    response = guarded_app.test_client().open(path, method=method, headers=headers)
    assert assert_canonical_error(response, 403)["code"] == "forbidden"
    assert TOKEN.encode() not in response.data
    assert guarded_app.extensions["admin_jobs"].jobs == {}


def test_unknown_job_is_404(guarded_app):
    response = guarded_app.test_client().get("/api/admin/jobs/0123456789abcdef", headers=BEARER)
    assert assert_canonical_error(response, 404)["param"] == "id"


def test_update_runs_in_the_background_and_reports(admin_app, site):
    client = admin_app.test_client()
    before = client.get("/api/search?q=新設記事").get_json()["total"]
    (site.corpus_dir / "admin-new.md").write_text(
        indexer.render_post(new_post("admin-new", "新設記事")), "utf-8")
    (site.corpus_dir / "kyoto-kanko.md").unlink()

    response = client.post("/api/admin/update", headers=BEARER)
    assert response.status_code == 202
    job = response.get_json()["job"]
    assert response.headers["Location"] == f"/api/admin/jobs/{job['id']}"
    assert job["state"] in ("running", "succeeded")
    assert sorted(job) == ["failure", "finished_at", "id", "progress", "started_at", "state",
                           "summary"]
    assert job_errors(response.get_json()) == []

    done = _finish(admin_app, job["id"])
    assert (done["state"], done["failure"]) == ("succeeded", None)
    summary = done["summary"]
    assert {k: summary[k] for k in ("action", "added", "updated", "removed", "posts", "rejected")} \
        == {"action": "update", "added": 1, "updated": 0, "removed": 1, "posts": 23, "rejected": 0}
    # The indexer reports progress every 25 posts (and at the end of a parallel build only).
    assert done["progress"] in (None, {"done": 1, "total": 1})
    assert not summary["generation"].startswith("/")
    assert_no_leak(json.dumps(done), str(site.index_dir))

    # The running app serves the new generation (it checks the link every 0.25 s).
    deadline = time.monotonic() + 10
    while client.get("/api/search?q=新設記事").get_json()["total"] == before:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert client.get("/api/posts/admin-new").status_code == 200
    assert client.get("/api/posts/kyoto-kanko").status_code == 404


def test_one_update_at_a_time(tmp_path, fixture_posts):
    """A second POST while one runs is a 409 pointing at the running job; afterwards a new one
    starts. The first job rebuilds (the index has no build record), which takes seconds."""
    corpus = write_corpus(tmp_path / "corpus", fixture_posts)
    build_index(tmp_path / "index", fixture_posts[:3])
    app = create_app(Settings(index_dir=tmp_path / "index", corpus_dir=corpus, admin_token=TOKEN))
    runner = app.extensions["admin_jobs"]
    try:
        client = app.test_client()
        first = client.post("/api/admin/update", headers=BEARER)
        second = client.post("/api/admin/update", headers=BEARER)
        job_id = first.get_json()["job"]["id"]
        running = client.get(f"/api/admin/jobs/{job_id}", headers=BEARER).get_json()["job"]
        assert runner.wait(job_id, timeout=120)
        third = client.post("/api/admin/update", headers=BEARER)
        assert runner.wait(third.get_json()["job"]["id"], timeout=120)
        jobs = {k: runner.get(k) for k in runner.jobs}
    finally:
        for key in list(runner.jobs):
            runner.wait(key, timeout=120)
        app.extensions["search_service"].close()
    assert first.status_code == 202
    error = assert_canonical_error(second, 409)
    assert error == {"code": "update_running", "param": None,
                     "message": f"an update is already running (job {job_id}); its progress is "
                                f"at /api/admin/jobs/{job_id}"}
    assert second.headers["Location"] == f"/api/admin/jobs/{job_id}"
    assert running["state"] == "running"
    assert third.status_code == 202
    assert [(j["state"], j["summary"]["action"], j["summary"]["posts"]) for j in jobs.values()] \
        == [("succeeded", "rebuild", 23), ("succeeded", "none", 23)]


def test_cli_holding_the_lock_fails_the_job_clearly(admin_app, site):
    with writer_lock(IndexStore(site.index_dir)):
        response = admin_app.test_client().post("/api/admin/update", headers=BEARER)
        job = _finish(admin_app, response.get_json()["job"]["id"])
    assert job["state"] == "failed"
    assert job["summary"] is None
    assert job["failure"]["code"] == "index_locked"
    assert job["failure"]["message"].startswith("the index at index is being written by process ")
    assert_no_leak(json.dumps(job), str(site.index_dir))
    # Once the lock is free the next job runs.
    again = admin_app.test_client().post("/api/admin/update", headers=BEARER)
    assert _finish(admin_app, again.get_json()["job"]["id"])["state"] == "succeeded"


def test_indexer_error_fails_the_job_clearly(tmp_path, fixture_posts):
    build_index(tmp_path / "index", fixture_posts[:2])
    app = create_app(Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "no-corpus",
                              admin_token=TOKEN))
    try:
        response = app.test_client().post("/api/admin/update", headers=BEARER)
        job = _finish(app, response.get_json()["job"]["id"])
    finally:
        app.extensions["search_service"].close()
    assert (job["state"], job["failure"]["code"]) == ("failed", "update_failed")
    assert job["failure"]["message"].startswith("corpus directory no-corpus does not exist")
    assert_no_leak(json.dumps(job), str(tmp_path))


def _request(url: str, method: str, headers: dict) -> tuple[int, object, dict]:
    req = urllib.request.Request(url, method=method, headers=headers, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, json.loads(exc.read())


def run_job(base: str, path: str) -> dict:
    """POST ``path`` on a real server, poll the job until it has finished, return it (and give
    the server a moment to pick up the new index generation)."""
    status, headers, _ = _request(base + path, "POST", BEARER)
    assert status == 202
    url = base + headers["Location"]
    deadline = time.monotonic() + 120
    while True:
        job = _request(url, "GET", BEARER)[2]["job"]
        if job["state"] != "running":
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(0.3)
    return job


@pytest.mark.slow
def test_webhook_on_a_real_server(site):
    """``serve`` with POLICY_SEARCH_ADMIN_TOKEN and POLICY_SEARCH_CORPUS: the blog's publish hook."""
    (Path(site.corpus_dir) / "hook-post.md").write_text(
        indexer.render_post(new_post("hook-post", "通知連携")), "utf-8")
    with serve(site.index_dir, POLICY_SEARCH_ADMIN_TOKEN=TOKEN,
               POLICY_SEARCH_CORPUS=str(site.corpus_dir)) as server:
        denied = _request(server.base + "/api/admin/update", "POST", {})
        job = run_job(server.base, "/api/admin/update")
        found = get_json(server.base + "/api/search?q=" + quote("通知連携"))
    assert denied[0] == 401 and denied[1]["WWW-Authenticate"] == 'Bearer realm="policy-search"'
    assert (job["state"], job["summary"]["added"], job["summary"]["posts"]) == ("succeeded", 1, 24)
    assert found[0] == 200
    assert [hit["id"] for hit in found[1]["hits"]] == ["hook-post"]
