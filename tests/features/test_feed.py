"""Follow a search: GET /search.atom, an Atom 1.0 feed of any search, newest first (issue 15.5)."""

from __future__ import annotations

import re
import time

import feedparser
import pytest

from tests.contract import assert_canonical_error
from tests.features.conftest import copy_sample

R6_NEWEST_FIRST = ["2025-03-14-p2-shogai-hoken-fukushi-kacho-kaigi-r6",
                   "2025-03-10-p1-shakai-engo-kacho-kaigi-r6",
                   "2025-01-20-p2-bukyokucho-kaigi-shakai-engo"]


def feed(client, **params):
    response = client.get("/search.atom", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_a_search_as_a_feed_newest_first(sample_client):
    parsed = feed(sample_client, q="令和6年度", per_page=3, sort="relevance")
    assert parsed.feed.title == "「令和6年度」の検索結果 — 政策ブログ検索"
    assert parsed.feed.id == "http://localhost/search.atom?q=令和6年度&per_page=3"
    assert parsed.feed.updated == "2025-03-14T00:00:00+09:00"
    assert [link.rel for link in parsed.feed.links] == ["self", "alternate"]
    assert parsed.feed.links[1].href == "http://localhost/search?q=令和6年度&sort=date_desc&per_page=3"
    assert [e.id for e in parsed.entries] == [f"http://localhost/posts/{i}" for i in R6_NEWEST_FIRST]
    first = parsed.entries[0]
    assert first.title == "令和6年度 障害保健福祉関係主管課長会議資料 就労選択支援と雇用率"
    assert first.link == "http://localhost/posts/2025-03-14-p2-shogai-hoken-fukushi-kacho-kaigi-r6"
    assert first.updated == "2025-03-14T00:00:00+09:00"
    assert first.summary.startswith("令和6年度の障害保健福祉関係主管課長会議の資料が公開されました。")
    assert "<mark>" not in first.summary
    assert first.tags[0].term == "障害福祉"


def test_filters_and_paging_as_on_the_page(sample_client):
    parsed = feed(sample_client, q="介護", category="介護", **{"from": "2024-01-01"})
    assert [e.id.rsplit("/", 1)[1] for e in parsed.entries] == [
        "2024-12-10-p2-ninchisho-kihon-keikaku", "2024-02-13-p1-noto-hanto-jishin-kaigo",
        "2024-01-29-p1-kaigo-hoshu-kaitei-r6", "2024-01-24-p2-kaigo-hoshu-kaitei-r6"]
    second = feed(sample_client, q="介護", category="介護", per_page=1, page=2, **{"from": "2024-01-01"})
    assert [e.id.rsplit("/", 1)[1] for e in second.entries] == ["2024-02-13-p1-noto-hanto-jishin-kaigo"]


def test_an_empty_search_is_a_valid_feed(sample_client):
    # Quoted: a plain sentence would be a partial answer (posts holding 存在 or 語彙).
    parsed = feed(sample_client, q="「存在しない語彙ですよ」")
    assert parsed.entries == []
    assert parsed.feed.title == "「「存在しない語彙ですよ」」の検索結果 — 政策ブログ検索"


def test_hostile_text_stays_text(backend_app):
    client = backend_app.test_client()
    parsed = feed(client, q="script")
    assert [e.title for e in parsed.entries] == ["<script>alert(1)</script> を含む投稿"]
    raw = client.get("/search.atom", query_string={"q": "script"}).get_data(as_text=True)
    assert "<script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt; を含む投稿" in raw


@pytest.mark.parametrize("params, code, param", [
    ({"page": "0"}, "invalid_page", "page"),
    ({"from": "2024-13-01"}, "invalid_date", "from"),
    ({"q": "あ" * 5001}, "query_too_long", "q"),
    ({"per_page": "1000"}, "invalid_per_page", "per_page"),
])
def test_bad_parameters_are_400_in_the_error_shape(sample_client, params, code, param):
    assert_canonical_error(sample_client.get("/search.atom", query_string=params), 400, code, param)


def test_results_page_links_its_feed(sample_client):
    page = sample_client.get("/search", query_string={"q": "介護", "category": "介護", "sort": "date_asc",
                                                      "page": 2, "per_page": 5}).get_data(as_text=True)
    assert re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', page) == [
        '<link rel="alternate" type="application/atom+xml" title="「介護」の検索結果 — 政策ブログ検索" '
        'href="/search.atom?q=介護&amp;category=介護&amp;per_page=5">']
    assert re.findall(r'<a class="feed" href="([^"]+)"[^>]*>([^<]+)</a>', page) == [
        ("/search.atom?q=介護&amp;category=介護&amp;per_page=5", "この検索をフィードで購読")]


def test_a_post_added_by_update_appears_in_the_feed(tmp_path, backend_index):
    from indexer import update
    from web import create_app

    corpus = copy_sample(tmp_path / "corpus")
    settings = backend_index(corpus)
    app = create_app(settings)
    client = app.test_client()
    try:
        before = feed(client, q="令和6年度", per_page=3)
        assert [e.id.rsplit("/", 1)[1] for e in before.entries] == R6_NEWEST_FIRST
        (corpus / "2025-07-01-p1-new.md").write_text(
            '+++\nid = "2025-07-01-p1-new"\ntitle = "令和6年度の決算の概要"\ndate = 2025-07-01\n'
            'category = "財政"\nurl = "https://example.org/kessan"\n+++\n'
            "2024年度の決算の概要が公表されました。歳出は前年度を下回りました。\n", "utf-8")
        assert update(settings, workers=1).added == 1
        deadline = time.monotonic() + 10
        while True:
            after = feed(client, q="令和6年度", per_page=3)
            if after.entries[0].id.endswith("/2025-07-01-p1-new") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert [e.id.rsplit("/", 1)[1] for e in after.entries] == ["2025-07-01-p1-new", *R6_NEWEST_FIRST[:2]]
        assert after.entries[0].title == "令和6年度の決算の概要"
        assert after.feed.updated == "2025-07-01T00:00:00+09:00"
    finally:
        app.extensions["search_service"].close()
