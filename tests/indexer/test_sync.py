"""``policy-search sync`` against a blog served over real HTTP on 127.0.0.1 (tests/indexer/blog.py):
full text from the post pages, one request for an unchanged feed, replaced posts, fallbacks to
the feed's excerpt, robots.txt, size and scheme limits, and a feed that is not XML."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from indexer import read_post
from indexer.sources.model import id_from_link
from indexer.sync.command import parse_duration
from tests.servers import base_env, cli as cli_command

from .blog import Blog, Route, canpan_posts
from .conftest import generations

FAST = ("--delay", "0", "--timeout", "0.5")


@pytest.fixture
def blog():
    with Blog(canpan_posts()) as served:
        yield served


@pytest.fixture
def sync(cli, dirs):
    corpus, index = dirs

    def run(*args):
        return cli("sync", *args, "--corpus", corpus, "--index", index, *FAST)
    return run


def search_ids(cli, index, query: str) -> list[str]:
    result = cli("search", "--index", index, "--json", query)
    assert result.exit_code == 0, result.output
    return [hit["id"] for hit in json.loads(result.stdout)["hits"]]


def summary(result) -> str:
    """The summary line without its seconds."""
    line = result.stdout.strip().splitlines()[-1]
    return line.rsplit("; ", 1)[0]


def snapshot(folder) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_full_text_of_the_pages_is_indexed(blog, sync, cli, dirs):
    corpus, index = dirs
    result = sync(blog.feed_url)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert summary(result) == ("synced 1 feed: fetched 5, 3 new, 0 changed, 0 unchanged, 0 failed; "
                               "index rebuilt (3 posts)")
    assert blog.paths() == ["/robots.txt", "/seisaku/index.rdf", "/seisaku/archive/1",
                            "/seisaku/archive/2", "/seisaku/archive/3"]
    first = id_from_link(blog.post_url(1))
    # 見守り協定 is on the page only; the feed's excerpt stops before it.
    assert "見守り協定" not in blog.posts[0].excerpt
    assert search_ids(cli, index, "見守り協定") == [first]
    post = read_post(corpus / f"{first}.md")
    assert (post.title, post.date.isoformat(), post.category, post.url) == (
        "地域包括ケア推進会議（第3回）を読む", "2024-05-10", "介護", blog.post_url(1))
    assert post.body == ("第3回の会議資料が公開されました。在宅医療と介護の連携が議題です。\n\n"
                         "◯市町村の取組状況が報告された。\n◯見守り協定を結んだ事業者は前年度より増えた。\n\n"
                         "資料の後半では、ゆいまーる型の通いの場を広げる方針が示された。")
    seen = blog.requests[1].headers
    assert seen["User-Agent"].startswith("policy-search/") and "(+" in seen["User-Agent"]


def test_a_second_sync_of_an_unchanged_feed_is_one_request(blog, sync, dirs):
    corpus, index = dirs
    assert sync(blog.feed_url).exit_code == 0
    before, gens = snapshot(corpus), generations(index)
    blog.forget()
    result = sync(blog.feed_url)
    assert result.exit_code == 0, result.output
    assert [(r.path, r.status) for r in blog.requests] == [("/seisaku/index.rdf", 304)]
    assert blog.requests[0].headers["If-None-Match"] == blog.routes["/seisaku/index.rdf"].etag
    assert summary(result) == ("synced 1 feed: fetched 1, 0 new, 0 changed, 3 unchanged, 0 failed; "
                               "index unchanged (3 posts)")
    assert snapshot(corpus) == before
    assert generations(index) == gens


def test_a_blog_page_that_links_its_feed(blog, sync, cli, dirs):
    _, index = dirs
    result = sync(blog.base + "/seisaku/")
    assert result.exit_code == 0, result.output
    assert blog.paths()[:3] == ["/robots.txt", "/seisaku/", "/seisaku/index.rdf"]
    assert search_ids(cli, index, "見守り協定") == [id_from_link(blog.post_url(1))]
    blog.forget()
    assert sync(blog.base + "/seisaku/").exit_code == 0
    assert blog.paths() == ["/seisaku/index.rdf"]  # the feed's address is remembered


def test_a_changed_post_is_replaced(blog, sync, cli, dirs):
    corpus, index = dirs
    assert sync(blog.feed_url).exit_code == 0
    blog.posts[2].title = "介護人材の確保に関する部会（訂正）"
    blog.posts[2].paragraphs[1] = ["◯介護福祉士養成校の定員充足率が報告された。"]
    blog.publish()
    blog.forget()
    result = sync(blog.feed_url)
    assert result.exit_code == 0, result.output
    assert summary(result) == ("synced 1 feed: fetched 2, 0 new, 1 changed, 2 unchanged, 0 failed; "
                               "index updated: 0 added, 1 updated (3 posts)")
    assert blog.paths() == ["/seisaku/index.rdf", "/seisaku/archive/3"]
    third = id_from_link(blog.post_url(3))
    assert len(list(corpus.glob("*.md"))) == 3
    assert read_post(corpus / f"{third}.md").title == "介護人材の確保に関する部会（訂正）"
    assert search_ids(cli, index, "定員充足率") == [third]
    assert search_ids(cli, index, "日本語学習") == []


def test_pages_that_fail_fall_back_to_the_excerpt_and_are_retried(blog, sync, cli, dirs):
    corpus, index = dirs
    page2, page3 = "/seisaku/archive/2", "/seisaku/archive/3"
    blog.routes[page2].status = 500
    blog.routes[page3].delay = 1.5  # beyond --timeout 0.5
    result = sync(blog.feed_url)
    assert result.exit_code == 0, result.output
    assert summary(result) == ("synced 1 feed: fetched 5, 3 new, 0 changed, 0 unchanged, 2 failed "
                               "(page HTTP 500: 1, page timed out: 1); index rebuilt (3 posts)")
    assert result.stderr.splitlines() == [
        f"{blog.post_url(2)}: HTTP 500; the feed's excerpt is indexed instead",
        f"{blog.post_url(3)}: timed out; the feed's excerpt is indexed instead"]
    second = id_from_link(blog.post_url(2))
    assert read_post(corpus / f"{second}.md").body == blog.posts[1].excerpt
    assert search_ids(cli, index, "潜在保育士") == []

    # Next round: the feed is fetched in full (not conditionally) so the two pages are tried again.
    blog.routes[page2].status = 200
    blog.routes[page3].delay = 0
    blog.forget()
    result = sync(blog.feed_url)
    assert [(r.path, r.status) for r in blog.requests] == [
        ("/seisaku/index.rdf", 200), (page2, 200), (page3, 200)]
    assert "If-None-Match" not in blog.requests[0].headers
    assert summary(result) == ("synced 1 feed: fetched 3, 0 new, 2 changed, 1 unchanged, 0 failed; "
                               "index updated: 0 added, 2 updated (3 posts)")
    assert search_ids(cli, index, "潜在保育士") == [second]


@pytest.mark.parametrize("route, reason", [
    (Route(b"%PDF-1.4 ...", content_type="application/pdf"), "not an HTML page (application/pdf)"),
    (Route(b"<!DOCTYPE html><html><head><title>t</title></head><body></body></html>"),
     "no article text found in the page"),
])
def test_a_page_without_article_text_falls_back(blog, sync, dirs, route, reason):
    corpus, _ = dirs
    blog.routes["/seisaku/archive/1"] = route
    result = sync(blog.feed_url)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{blog.post_url(1)}: {reason}; the feed's excerpt is indexed instead"]
    assert read_post(corpus / f"{id_from_link(blog.post_url(1))}.md").body == blog.posts[0].excerpt


def test_a_failing_page_never_replaces_a_post_already_in_the_corpus(blog, sync, dirs):
    corpus, _ = dirs
    assert sync(blog.feed_url).exit_code == 0
    first = corpus / f"{id_from_link(blog.post_url(1))}.md"
    full = first.read_bytes()
    blog.posts[0].title = "地域包括ケア推進会議（第3回）を読む【追記】"
    blog.publish()
    blog.routes["/seisaku/archive/1"].status = 503
    result = sync(blog.feed_url)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{blog.post_url(1)}: HTTP 503; the post already in the corpus is kept"]
    assert first.read_bytes() == full


def test_robots_txt_is_obeyed(blog, sync, dirs):
    corpus, _ = dirs
    blog.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /seisaku/archive/2\n",
                                       content_type="text/plain")
    result = sync(blog.feed_url)
    assert result.exit_code == 0
    assert "/seisaku/archive/2" not in blog.paths()
    assert result.stderr.splitlines() == [
        f"{blog.post_url(2)}: disallowed by robots.txt; the feed's excerpt is indexed instead"]
    assert read_post(corpus / f"{id_from_link(blog.post_url(2))}.md").body == blog.posts[1].excerpt


def test_robots_txt_for_this_crawler_can_close_the_whole_blog(blog, sync, dirs):
    corpus, _ = dirs
    blog.routes["/robots.txt"] = Route(b"User-agent: policy-search\nDisallow: /\n\n"
                                       b"User-agent: *\nAllow: /\n", content_type="text/plain")
    result = sync(blog.feed_url)
    assert result.exit_code == 1
    assert blog.paths() == ["/robots.txt"]
    assert result.stderr.splitlines() == [
        f"{blog.feed_url}: disallowed by robots.txt; nothing of this feed was written"]
    assert list(corpus.iterdir()) == []


def test_requests_to_one_host_are_spaced_by_the_delay_or_crawl_delay(blog, cli, dirs):
    corpus, index = dirs
    blog.routes["/robots.txt"] = Route(b"User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
    result = cli("sync", blog.feed_url, "--no-pages", "--corpus", corpus, "--index", index,
                 "--delay", "0.2")
    assert result.exit_code == 0
    robots, feed = blog.requests
    assert feed.at - robots.at >= 1.0  # Crawl-delay is longer than --delay, so it wins


def test_robots_txt_that_fails_with_5xx_stops_the_round(blog, sync, dirs):
    corpus, _ = dirs
    blog.routes["/robots.txt"] = Route(b"busy", status=503, content_type="text/plain")
    result = sync(blog.feed_url)
    assert result.exit_code == 1
    assert blog.paths() == ["/robots.txt"]
    assert result.stderr.splitlines() == [
        f"{blog.feed_url}: robots.txt could not be read (HTTP 503), so nothing is fetched from this "
        "host this round; nothing of this feed was written"]
    blog.routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    assert sync(blog.feed_url).exit_code == 0  # the failure was not cached
    assert len(list(corpus.glob("*.md"))) == 3


@pytest.mark.parametrize("chunked, gzipped", [(False, False), (True, False), (False, True)],
                         ids=["content-length", "chunked", "gzip"])
def test_an_oversized_answer_is_refused(blog, cli, dirs, chunked, gzipped):
    corpus, index = dirs
    big = blog.page(blog.posts[0]).replace(b"</div>\n<div class=\"posted\">",
                                           "ながいぶんしょう。".encode() * 2000 + b"</div>\n<div class=\"posted\">")
    blog.routes["/seisaku/archive/1"] = Route(big, chunked=chunked, gzip=gzipped)
    result = cli("sync", blog.feed_url, "--corpus", corpus, "--index", index, *FAST,
                 "--max-bytes", "16384")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{blog.post_url(1)}: the answer is larger than 16,384 bytes; the feed's excerpt is "
        "indexed instead"]
    assert read_post(corpus / f"{id_from_link(blog.post_url(1))}.md").body == blog.posts[0].excerpt


@pytest.mark.parametrize("body, content_type, reason", [
    (b'{"items": []}', "application/json",
     "the answer is application/json, not XML: Start tag expected, '<' not found, line 1, column 1"),
    (b"<html><body><p>\xe3\x83\x96\xe3\x83\xad\xe3\x82\xb0</p></body></html>", "text/plain",
     None),
    (b"<?xml version='1.0'?><rss><channel><item><title>t</title>", "application/rss+xml",
     "the answer is application/rss+xml, not XML: Premature end of data in tag item line 1, "
     "line 1, column 58"),
    (b"<?xml version='1.0'?><catalog><book/></catalog>", "application/xml",
     "the answer is application/xml, XML of another kind"),
])
def test_a_feed_that_is_not_xml_is_one_line_and_exit_1(blog, sync, dirs, body, content_type, reason):
    corpus, index = dirs
    (corpus / "kept.md").write_text("+++\nid = \"kept\"\ntitle = \"既存\"\ndate = 2024-01-01\n"
                                    "category = \"介護\"\nurl = \"https://example.jp/kept\"\n+++\n本文\n",
                                    "utf-8")
    before = snapshot(corpus)
    blog.routes["/seisaku/index.rdf"] = Route(body, content_type=content_type)
    result = sync(blog.feed_url)
    assert result.exit_code == 1
    message = (f"not an RSS, RDF or Atom feed ({reason})" if reason else
               'not a feed, and the page links none (<link rel="alternate" '
               'type="application/rss+xml" href=…>)')
    assert result.stderr.splitlines() == [f"{blog.feed_url}: {message}; nothing written"]
    assert snapshot(corpus) == before
    assert "/seisaku/archive/1" not in blog.paths()


def test_the_blog_being_down_loses_nothing(blog, sync, dirs):
    corpus, _ = dirs
    assert sync(blog.feed_url).exit_code == 0
    before = snapshot(corpus)
    url = blog.feed_url
    blog.server.shutdown()
    blog.server.server_close()
    result = sync(url)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{url}: connection failed: Connection refused; nothing of this feed was written"]
    assert summary(result).startswith("synced 1 feed: fetched 0, 0 new, 0 changed, 0 unchanged, "
                                      "1 failed (feed connection failed: Connection refused: 1)")
    assert snapshot(corpus) == before


def test_redirects_are_followed_a_bounded_number_of_times_to_http_only(blog, sync, dirs):
    blog.routes["/feed"] = Route(b"", status=301, headers={"Location": "/seisaku/index.rdf"})
    assert sync(blog.base + "/feed").exit_code == 0
    for n in range(7):
        blog.routes[f"/loop{n}"] = Route(b"", status=302, headers={"Location": f"/loop{n + 1}"})
    result = sync(blog.base + "/loop0")
    assert result.stderr.splitlines() == [
        f"{blog.base}/loop6: more than 5 redirects; nothing of this feed was written"]
    blog.routes["/ftp"] = Route(b"", status=302, headers={"Location": "ftp://127.0.0.1/feed.rdf"})
    result = sync(blog.base + "/ftp")
    assert result.stderr.splitlines() == [
        f"{blog.base}/ftp: redirected to a non-http address ftp://127.0.0.1/feed.rdf; nothing of "
        "this feed was written"]


def test_only_http_and_https(sync, tmp_path):
    result = sync("file:///etc/passwd")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "file:///etc/passwd: only http and https addresses are fetched, not file:; nothing of "
        "this feed was written"]


def test_no_pages_takes_the_feed_text(blog, cli, dirs):
    corpus, index = dirs
    result = cli("sync", blog.feed_url, "--no-pages", "--corpus", corpus, "--index", index, *FAST)
    assert result.exit_code == 0
    assert blog.paths() == ["/robots.txt", "/seisaku/index.rdf"]
    assert read_post(corpus / f"{id_from_link(blog.post_url(1))}.md").body == blog.posts[0].excerpt


@pytest.mark.parametrize("text, seconds", [("30s", 30), ("30m", 1800), ("1h", 3600),
                                            ("1h30m", 5400), ("2d", 172800)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30", "m", "1x", "-5m", "0s", "1.5h", ""])
def test_bad_durations_are_usage_errors(cli, text):
    result = cli("sync", "http://127.0.0.1:9/feed", "--every", text)
    assert result.exit_code == 2
    assert "Invalid value for '--every'" in result.stderr


@pytest.mark.slow
def test_every_keeps_syncing_until_sigterm(blog, dirs):
    corpus, index = dirs
    proc = subprocess.Popen(
        [*cli_command(), "sync", blog.feed_url, "--every", "1s", "--corpus", str(corpus),
         "--index", str(index), *FAST],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=base_env(), text=True)
    try:
        deadline = time.monotonic() + 60
        while blog.paths().count("/seisaku/index.rdf") < 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert len(lines) >= 2
    assert " round 1: synced 1 feed: fetched 5, 3 new" in lines[0]
    assert " round 2: synced 1 feed: fetched 1, 0 new, 0 changed, 3 unchanged" in lines[1]
    assert err.splitlines()[-1].startswith("policy-search sync: stopped after ")
    assert len(list(corpus.glob("*.md"))) == 3
    assert not [p for p in os.listdir(corpus) if p.startswith(".")]
