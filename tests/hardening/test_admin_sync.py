"""``POST /api/admin/sync``: syncs the feeds of POLICY_SEARCH_SYNC_FEEDS (never a URL from the
request) in the background, with job status as for updates; the blog is served over real HTTP
(tests/indexer/blog.py)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from urllib.parse import quote

import pytest

import indexer
from indexer.sources.model import id_from_link
from indexer.sync import FetchPolicy, SyncOptions
from search import Settings
from tests.fixtures.index import write_corpus
from tests.indexer.blog import Blog, Route, canpan_posts
from web import create_app

from tests.contract import assert_canonical_error

from .checks import assert_no_leak
from .server import get_json, serve
from .test_admin import BEARER, TOKEN, _finish, job_errors, run_job, serving_jobs

QUICK = SyncOptions(policy=FetchPolicy(delay=0, timeout=2))


@pytest.fixture
def blog():
    with Blog(canpan_posts()) as served:
        yield served


@pytest.fixture
def other_blog():
    """A blog nobody configured: the server must never fetch from it."""
    with Blog(canpan_posts()[:1]) as served:
        yield served


@pytest.fixture
def site(tmp_path, fixture_posts, blog):
    corpus = write_corpus(tmp_path / "corpus", fixture_posts)
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, admin_token=TOKEN,
                        sync_feeds=(blog.feed_url,))
    indexer.rebuild(settings, workers=1)
    return settings


def make_app(settings):
    app = create_app(settings)
    app.extensions["admin_jobs"].sync_options = QUICK
    return app


@pytest.fixture
def sync_app(site):
    yield from serving_jobs(make_app(site))


def test_sync_runs_the_configured_feeds_only(sync_app, site, blog, other_blog):
    client = sync_app.test_client()
    response = client.post(f"/api/admin/sync?url={quote(other_blog.feed_url)}", headers=BEARER,
                           json={"urls": [other_blog.feed_url], "feeds": other_blog.feed_url})
    assert response.status_code == 202
    job = response.get_json()["job"]
    assert response.headers["Location"] == f"/api/admin/jobs/{job['id']}"
    assert job_errors(response.get_json()) == []

    done = _finish(sync_app, job["id"])
    assert (done["state"], done["failure"]) == ("succeeded", None)
    summary = done["summary"]
    assert {k: summary[k] for k in ("feeds", "fetched", "new", "changed", "unchanged", "failed", "ok")} \
        == {"feeds": 1, "fetched": 5, "new": 3, "changed": 0, "unchanged": 0, "failed": 0, "ok": True}
    assert {k: summary["index"][k] for k in ("action", "added", "posts")} \
        == {"action": "update", "added": 3, "posts": 26}
    assert other_blog.paths() == []
    assert_no_leak(json.dumps(done), str(site.index_dir), str(site.corpus_dir))

    deadline = time.monotonic() + 10
    while client.get("/api/search?q=見守り協定").get_json()["total"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    hits = client.get("/api/search?q=見守り協定").get_json()["hits"]
    assert [hit["id"] for hit in hits] == [id_from_link(blog.post_url(1))]

    # Again: the feed answers 304, nothing changes.
    blog.forget()
    again = client.post("/api/admin/sync", headers=BEARER).get_json()["job"]
    summary = _finish(sync_app, again["id"])["summary"]
    assert (summary["fetched"], summary["unchanged"], summary["index"]["action"]) == (1, 3, "none")
    assert [(r.path, r.status) for r in blog.requests] == [("/seisaku/index.rdf", 304)]


def test_a_failed_feed_is_in_the_summary(sync_app, blog):
    blog.routes["/seisaku/index.rdf"] = Route(b"<html><body>maintenance</body></html>",
                                              content_type="text/html")
    job = sync_app.test_client().post("/api/admin/sync", headers=BEARER).get_json()["job"]
    done = _finish(sync_app, job["id"])
    assert done["state"] == "succeeded"
    assert done["summary"]["ok"] is False
    assert done["summary"]["failures"] == [{
        "kind": "feed", "url": blog.feed_url, "outcome": "nothing written",
        "reason": 'not a feed, and the page links none (<link rel="alternate" '
                  'type="application/rss+xml" href=…>)'}]
    assert done["summary"]["index"]["action"] == "none"


def test_without_configured_feeds_it_says_how_to_configure(site):
    app = make_app(replace(site, sync_feeds=()))
    try:
        response = app.test_client().post("/api/admin/sync", headers=BEARER)
    finally:
        app.extensions["search_service"].close()
    error = assert_canonical_error(response, 409)
    assert error["code"] == "sync_not_configured"
    assert "POLICY_SEARCH_SYNC_FEEDS" in error["message"]
    assert app.extensions["admin_jobs"].jobs == {}


@pytest.mark.parametrize("headers, status", [({}, 401), ({"Authorization": "Bearer wrong"}, 403)])
def test_the_same_token_guards_it(sync_app, blog, headers, status):
    response = sync_app.test_client().post("/api/admin/sync", headers=headers)
    assert_canonical_error(response, status)
    assert blog.paths() == []


def test_sync_and_update_take_turns(sync_app, blog):
    blog.routes["/seisaku/archive/1"].delay = 1.0
    client = sync_app.test_client()
    first = client.post("/api/admin/sync", headers=BEARER).get_json()["job"]
    update = client.post("/api/admin/update", headers=BEARER)
    sync = client.post("/api/admin/sync", headers=BEARER)
    for response in (update, sync):
        error = assert_canonical_error(response, 409)
        assert error == {"code": "sync_running", "param": None,
                         "message": f"a sync is already running (job {first['id']}); its progress "
                                    f"is at /api/admin/jobs/{first['id']}"}
    assert _finish(sync_app, first["id"])["state"] == "succeeded"


def test_token_and_feeds_from_the_environment(tmp_path):
    settings = Settings.from_env({"POLICY_SEARCH_INDEX": str(tmp_path / "index"),
                                  "POLICY_SEARCH_ADMIN_TOKEN": TOKEN,
                                  "POLICY_SEARCH_SYNC_FEEDS": " https://a.example/index.rdf\n"
                                                              "https://b.example/feed  "})
    assert settings.sync_feeds == ("https://a.example/index.rdf", "https://b.example/feed")
    assert Settings.from_env({"POLICY_SEARCH_SYNC_FEEDS": "  "}).sync_feeds == ()


@pytest.mark.slow
def test_sync_webhook_on_a_real_server(site, blog):
    """``serve`` with the feeds in POLICY_SEARCH_SYNC_FEEDS, default politeness (1 s between
    requests to the blog)."""
    with serve(site.index_dir, POLICY_SEARCH_ADMIN_TOKEN=TOKEN,
               POLICY_SEARCH_CORPUS=str(site.corpus_dir),
               POLICY_SEARCH_SYNC_FEEDS=blog.feed_url) as server:
        job = run_job(server.base, "/api/admin/sync")
        found = get_json(server.base + "/api/search?q=" + quote("潜在保育士"))
    assert (job["state"], job["summary"]["new"], job["summary"]["index"]["posts"]) == ("succeeded", 3, 26)
    assert job["summary"]["seconds"] >= 3  # four requests to one host, a second apart
    assert [hit["id"] for hit in found[1]["hits"]] == [id_from_link(blog.post_url(2))]
    agent = blog.requests[-1].headers["User-Agent"]
    assert agent.startswith("policy-search/")
