"""The reader's HTML pages through Flask's test client, over the fixture index (tests/fixtures)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.web.html import parse, squash

SECONDS = re.compile(r"\(\d+\.\d{3}秒\)$")


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.content_type == "text/html; charset=utf-8"
    return parse(response.data)


def summary(doc) -> str:
    text = squash(doc.find("p", "summary").text)
    return SECONDS.sub("(…秒)", text)


def hit_titles(doc) -> list[str]:
    return [squash(h.find("h2").text) for h in doc.find_all("li", "hit")]


def facet(doc, label):
    """The facet link whose label is ``label``."""
    (link,) = [a for a in doc.find("aside", "facets").find_all("a")
               if squash(a.find("span", "label").text).startswith(label)
               and squash(a.find("span", "label").text).replace("（選択中。選ぶと外します）", "") == label]
    return link


def facet_entries(doc, section_id) -> list[tuple[str, str, bool]]:
    section = doc.find("section", aria_labelledby=section_id)
    return [(squash(a.find("span", "label").text).replace("（選択中。選ぶと外します）", ""),
             a.find("span", "count").text, a.get("aria-current") == "true")
            for a in section.find_all("a")]


# -- every page -------------------------------------------------------------------------------

PAGES = ["/", "/search?q=保育士", "/search", "/search?q=存在しない語です", "/posts/kaigo-jinzai",
         "/posts/kaigo-jinzai?q=介護", "/no/such/page", "/posts/no-such-post", "/search?sort=best"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_is_japanese_styled_and_links_the_opensearch_description(client, url):
    response = client.get(url)
    doc = parse(response.data)
    html = doc.find("html")
    assert html.get("lang") == "ja"
    assert doc.find("meta", name="viewport").get("content") == "width=device-width, initial-scale=1"
    assert doc.find("link", rel="stylesheet").get("href") == "/static/style.css"
    assert doc.find("link", rel="search").attrs == {
        "rel": "search", "type": "application/opensearchdescription+xml", "title": "政策ブログ検索",
        "href": "/opensearch.xml"}
    assert doc.find("a", "skip").get("href") == "#main"
    assert doc.find("main").get("id") == "main"
    assert len(doc.find_all("h1")) == 1
    # The search box is labelled and keeps the query.
    box = doc.find("input", id="q")
    assert doc.find("label", **{"for": "q"}).text == "キーワード"
    assert box.get("aria-describedby") == "q-hint"
    assert doc.find(id="q-hint").text.startswith("語をスペースで区切ると")
    query = dict(parse_qsl(urlsplit(url).query)).get("q", "")
    if url.startswith("/search"):
        assert box.get("value") == query


@pytest.mark.parametrize("url", PAGES)
def test_nothing_is_loaded_from_another_site(client, url):
    doc = parse(client.get(url).data)
    loaded = [e.get("src") or e.get("href") for e in doc.iter()
              if e.tag in {"script", "img", "link", "iframe", "source", "video", "audio"}]
    assert loaded and all(u.startswith("/") and not u.startswith("//") for u in loaded), loaded
    assert all(f.get("action").startswith("/") for f in doc.find_all("form"))
    assert not doc.find_all("style") and not [e for e in doc.iter() if "style" in e.attrs]
    assert not [s for s in doc.find_all("script") if s.text.strip()]  # no inline script


@pytest.mark.parametrize("name, mimetype", [("style.css", "text/css"), ("site.js", "text/javascript"),
                                            ("icon.svg", "image/svg+xml")])
def test_static_files_are_served_and_refer_to_nothing_outside(client, name, mimetype):
    with client.get(f"/static/{name}") as response:
        assert (response.status_code, response.mimetype) == (200, mimetype)
        text = response.get_data(as_text=True)
    assert re.findall(r"@import|url\(|//[\w-]+(?:\.[\w-]+)+|fetch\(|XMLHttpRequest|WebSocket", text) == \
        {"icon.svg": ["//www.w3.org"], "site.js": ["fetch("]}.get(name, [])
    # the one request the script makes goes to this site's suggestion endpoint
    assert re.findall(r"fetch\(([^,)]*)", text) == (['"/api/suggest?limit=8&q=" + encodeURIComponent(q']
                                                    if name == "site.js" else [])


# -- home ---------------------------------------------------------------------------------

def test_home_has_search_box_recent_posts_and_archives(client):
    doc = page(client, "/")
    assert "autofocus" in doc.find("input", id="q").attrs
    recent = doc.find("ul", "recent").elements
    assert [squash(li.find_all("a")[0].text) for li in recent][:3] == ["こども家庭庁の発足", "𠮷田町の８０５０問題",
                                                               "認知症施策の推進"]
    assert len(recent) == 10
    assert recent[0].find_all("a")[0].get("href") == "/posts/kodomo-katei"
    assert squash(recent[0].find("ul", "meta").text) == "2025年1月20日 子ども 元の資料"

    archive = doc.find("ul", "archive")
    years = [squash(s.text) for s in archive.find_all("summary")]
    assert years == ["2025年 (1)", "2024年 (2)", "2023年 (3)", "2022年 (3)", "2021年 (5)",
                     "2020年 (6)", "2019年 (2)", "2018年 (1)"]
    details = archive.find_all("details")
    assert ["open" in d.attrs for d in details][:2] == [True, False]  # the newest year is open
    y2020 = details[5]
    assert [(squash(li.text), li.find("a").get("href")) for li in y2020.find("ul", "months").elements] == [
        ("2020年のすべて", "/search?from=2020-01-01&to=2020-12-31"),
        ("6月 (1)", "/search?from=2020-06-01&to=2020-06-30"),
        ("5月 (1)", "/search?from=2020-05-01&to=2020-05-31"),
        ("4月 (1)", "/search?from=2020-04-01&to=2020-04-30"),
        ("3月 (1)", "/search?from=2020-03-01&to=2020-03-31"),
        ("2月 (1)", "/search?from=2020-02-01&to=2020-02-29"),
        ("1月 (1)", "/search?from=2020-01-01&to=2020-01-31"),
    ]
    categories = doc.find("section", aria_labelledby="categories-h")
    assert [(squash(a.text), a.get("href")) for a in categories.find_all("a")] == [
        ("地方創生 5", "/search?category=地方創生"),
        ("子ども 5", "/search?category=子ども"),
        ("行政 4", "/search?category=行政"),
        ("介護 3", "/search?category=介護"),
        ("医療 2", "/search?category=医療"),
        ("生活保護 2", "/search?category=生活保護"),
        ("福祉 2", "/search?category=福祉"),
    ]
    assert squash(doc.find("a", href="/search").text) == "すべての記事を新しい順に見る（23件）"


def test_a_month_archive_link_lists_that_months_posts(client):
    doc = page(client, "/search?from=2020-02-01&to=2020-02-29&sort=date_desc")
    assert summary(doc) == "1件中 1–1件 (…秒)"
    assert hit_titles(doc) == ["新型コロナウイルス感染症対策の基本方針"]
    assert [squash(a.text) for a in doc.find("ul", "chips").find_all("a")] == ["期間: 2020年2月"]


# -- results ------------------------------------------------------------------------------

def test_results_show_count_time_highlighted_titles_snippets_and_sources(client):
    doc = page(client, "/search?q=保育士")
    assert summary(doc) == "2件中 1–2件 (…秒)"
    hits = doc.find_all("li", "hit")
    assert hit_titles(doc) == ["保育士の処遇改善", "人材確保の方策"]
    first, second = hits
    assert first.find("h2").find("a").get("href") == "/posts/hoikushi-title?q=保育士"
    assert [m.text for m in first.find("h2").find_all("mark")] == ["保育士"]
    assert [m.text for m in second.find("p", "snippet").find_all("mark")] == ["保育士"]
    assert squash(second.find("p", "snippet").text) == "保育士の処遇改善と賃金の引上げを行う。"
    assert first.find("time").attrs == {"datetime": "2021-09-01"}
    assert first.find("time").text == "2021年9月1日"
    source = first.find("a", rel="noopener noreferrer external")
    assert (source.get("href"), source.text) == ("https://example.jp/posts/hoikushi-title", "元の資料")
    assert doc.find("ol", "hits").get("start") == "1"
    assert doc.find("title").text == "「保育士」の検索結果 — 政策ブログ検索"


def test_sort_switch(client):
    doc = page(client, "/search?q=保育士")
    sort = doc.find("ul", "sort")
    assert [(squash(li.text), li.find_all("a")[0].get("href") if li.find_all("a") else None)
            for li in sort.elements] == [
        ("関連度順", None),
        ("新しい順", "/search?q=保育士&sort=date_desc"),
        ("古い順", "/search?q=保育士&sort=date_asc"),
    ]
    assert sort.find("span", aria_current="true").text == "関連度順"
    newest = page(client, "/search?q=保育士&sort=date_desc")
    assert hit_titles(newest) == ["人材確保の方策", "保育士の処遇改善"]
    assert newest.find("ul", "sort").find("span", aria_current="true").text == "新しい順"
    browse = page(client, "/search")
    assert [squash(li.text) for li in browse.find("ul", "sort").elements] == ["新しい順", "古い順"]


def follow(client, link):
    return page(client, link.get("href"))


def test_category_facet_links_add_and_remove_the_filter(client):
    doc = page(client, "/search?q=処遇改善")
    assert summary(doc) == "3件中 1–3件 (…秒)"
    assert facet_entries(doc, "f-cat") == [("子ども", "2", False), ("介護", "1", False)]
    narrowed = follow(client, facet(doc, "子ども"))
    assert summary(narrowed) == "2件中 1–2件 (…秒)"
    assert hit_titles(narrowed) == ["保育士の処遇改善", "人材確保の方策"]
    # Category counts ignore the category filter, so 介護 can be added (either category).
    assert facet_entries(narrowed, "f-cat") == [("子ども", "2", True), ("介護", "1", False)]
    assert [squash(a.text) for a in narrowed.find("ul", "chips").find_all("a")] == ["カテゴリ: 子ども"]
    # The header box keeps the filter for the next query.
    assert [(i.get("name"), i.get("value")) for i in narrowed.find_all("input", type="hidden")] == \
        [("category", "子ども")]
    both = follow(client, facet(narrowed, "介護"))
    assert summary(both) == "3件中 1–3件 (…秒)"
    assert facet_entries(both, "f-cat") == [("子ども", "2", True), ("介護", "1", True)]
    only_kaigo = follow(client, facet(both, "子ども"))
    assert hit_titles(only_kaigo) == ["介護人材の確保"]
    assert facet_entries(only_kaigo, "f-cat") == [("子ども", "2", False), ("介護", "1", True)]
    again = follow(client, facet(only_kaigo, "介護"))
    assert summary(again) == "3件中 1–3件 (…秒)"
    assert again.find_all("ul", "chips") == []


def test_year_month_and_fiscal_year_links_set_and_clear_the_date_range(client):
    doc = page(client, "/search?q=処遇改善")
    assert facet_entries(doc, "f-year") == [("2022年（令和4年）", "1", False), ("2021年（令和3年）", "2", False)]
    assert facet_entries(doc, "f-fy") == [("2022年度（令和4年度）", "1", False),
                                          ("2021年度（令和3年度）", "1", False),
                                          ("2020年度（令和2年度）", "1", False)]
    y2021 = follow(client, facet(doc, "2021年（令和3年）"))
    assert summary(y2021) == "2件中 1–2件 (…秒)"
    assert [squash(a.text) for a in y2021.find("ul", "chips").find_all("a")] == ["期間: 2021年"]
    # The chosen year is active and shows its months; the other year stays offered.
    assert facet_entries(y2021, "f-year") == [("2022年（令和4年）", "1", False), ("2021年（令和3年）", "2", True),
                                              ("1月", "1", False), ("9月", "1", False)]
    september = follow(client, facet(y2021, "9月"))
    assert hit_titles(september) == ["保育士の処遇改善"]
    assert [squash(a.text) for a in september.find("ul", "chips").find_all("a")] == ["期間: 2021年9月"]
    assert facet_entries(september, "f-year")[1:] == [("2021年（令和3年）", "2", False), ("1月", "1", False),
                                                      ("9月", "1", True)]
    cleared = follow(client, facet(september, "9月"))
    assert summary(cleared) == "3件中 1–3件 (…秒)"
    fy2020 = follow(client, facet(doc, "2020年度（令和2年度）"))
    assert hit_titles(fy2020) == ["介護人材の確保"]
    assert [squash(a.text) for a in fy2020.find("ul", "chips").find_all("a")] == ["期間: 2020年度"]
    assert [e for e in facet_entries(fy2020, "f-fy") if e[2]] == [("2020年度（令和2年度）", "1", True)]


def test_chips_remove_their_filter(client):
    doc = page(client, "/search?q=処遇改善&category=子ども&from=2021-01-01&to=2021-12-31")
    assert summary(doc) == "1件中 1–1件 (…秒)"
    chips = {squash(a.text): a for a in doc.find("ul", "chips").find_all("a")}
    assert list(chips) == ["カテゴリ: 子ども", "期間: 2021年"]
    assert chips["期間: 2021年"].get("aria-label") == "期間: 2021年 を外す"
    assert summary(follow(client, chips["カテゴリ: 子ども"])) == "2件中 1–2件 (…秒)"
    assert summary(follow(client, chips["期間: 2021年"])) == "2件中 1–2件 (…秒)"


def test_paging(client):
    doc = page(client, "/search")
    assert summary(doc) == "23件中 1–20件 (…秒)"
    assert doc.find("h1").text == "記事一覧"
    pager = doc.find("nav", "pager")
    assert [(squash(a.text), a.get("href")) for a in pager.find_all("a")] == [
        ("2", "/search?page=2"), ("次へ →", "/search?page=2")]
    assert pager.find("span", aria_current="page").text == "1"
    second = follow(client, pager.find("a", rel="next"))
    assert summary(second) == "23件中 21–23件 (…秒)"
    assert second.find("ol", "hits").get("start") == "21"
    assert hit_titles(second) == ["京都府の観光振興計画", "長い報告書の全文", "認知症施策の推進"]
    assert [(squash(a.text), a.get("href")) for a in second.find("nav", "pager").find_all("a")] == [
        ("← 前へ", "/search"), ("1", "/search")]
    assert second.find("title").text == "記事一覧（2ページ目） — 政策ブログ検索"
    small = page(client, "/search?q=処遇改善&per_page=1&page=2")
    assert summary(small) == "3件中 2–2件 (…秒)"
    assert [squash(a.text) for a in small.find("nav", "pager").find_all("a")] == ["← 前へ", "1", "3", "次へ →"]


def test_a_page_past_the_end_leads_back(client):
    doc = page(client, "/search?q=保育士&page=5")
    assert summary(doc) == "2件 (…秒)"
    assert squash(doc.find("section", "empty").find("h2").text) == "このページには記事がありません"
    assert doc.find("a", href="/search?q=保育士").text == "1ページ目に戻る"


def test_an_empty_result_suggests_what_to_try(client):
    doc = page(client, "/search?q=保育士 処遇改善&category=介護&from=2021-01-01&to=2021-12-31")
    assert summary(doc) == "0件 (…秒)"
    empty = doc.find("section", "empty")
    assert squash(empty.find("h2").text) == "「保育士 処遇改善」に一致する記事は見つかりませんでした"
    relax = empty.find_all("ul")[0]
    assert [(squash(li.text), li.find("a").get("href")) for li in relax.elements] == [
        ("カテゴリ: 介護 を外す（1件）",
         "/search?q=保育士+処遇改善&from=2021-01-01&to=2021-12-31"),
        ("絞り込みをすべて外す（2件）", "/search?q=保育士+処遇改善"),
    ]
    tips = squash(empty.find_all("ul")[1].text)
    assert "かな・カナ・漢字の表記を確かめる" in tips
    assert "絞り込み（カテゴリ: 介護、期間: 2021年）を外す" in tips
    assert [(a.text, a.get("href")) for a in empty.find_all("ul")[1].find_all("a")][1:] == [
        ("「保育士」だけ", "/search?q=保育士"),
        ("「処遇改善」だけ", "/search?q=処遇改善")]
    # The chosen category stays listed (no hits in 2021) so it can be taken off from the sidebar too.
    assert facet_entries(doc, "f-cat") == [("子ども", "1", False), ("介護", "0", True)]


def test_an_empty_result_without_filters(client):
    doc = page(client, "/search?q=存在しない語です")
    empty = doc.find("section", "empty")
    assert squash(empty.find("h2").text) == "「存在しない語です」に一致する記事は見つかりませんでした"
    assert len(empty.find_all("ul")) == 1 and "絞り込み" not in empty.text
    assert doc.find_all("aside") == []
    assert doc.find("input", id="q").get("value") == "存在しない語です"


# -- posts --------------------------------------------------------------------------------

def test_a_post_page_shows_the_whole_post_its_metadata_and_its_neighbours(client):
    doc = page(client, "/posts/machi-phrase")
    assert doc.find("h1").text == "「生涯活躍のまち」の推進"
    assert doc.find("title").text == "「生涯活躍のまち」の推進 — 政策ブログ検索"
    article = doc.find("article", "post")
    assert squash(article.find("ul", "meta").text) == "2020年3月25日 地方創生 元の資料"
    assert squash(article.find("p", "tags").text) == "タグ: 生涯活躍のまち、地方創生"
    assert [squash(p.text) for p in article.find("div", "body").find_all("p")] == [
        "全世代・全員活躍型の「生涯活躍のまち」を推進する。"]
    assert article.find_all("mark") == []
    nav = doc.find("nav", "neighbours")
    assert [(a.get("rel"), a.get("href"), squash(a.text)) for a in nav.find_all("a")] == [
        ("prev", "/posts/corona-kihon", "← 前の記事（2020年2月25日）新型コロナウイルス感染症対策の基本方針"),
        ("next", "/posts/machi-bara", "次の記事（2020年4月1日） →学び直しの機会"),
    ]


def test_arriving_from_a_search_highlights_the_terms(client):
    doc = page(client, "/posts/hoikushi-honbun?q=保育士 賃金")
    assert [m.text for m in doc.find("div", "body").find_all("mark")] == ["保育士", "賃金"]
    back = doc.find("p", "backlink").find("a")
    assert (back.get("href"), back.text) == ("/search?q=保育士+賃金",
                                            "← 「保育士 賃金」の検索結果に戻る")
    titled = page(client, "/posts/hoikushi-title?q=保育士")
    assert [m.text for m in titled.find("h1").find_all("mark")] == ["保育士"]


@pytest.mark.parametrize("post_id, rels", [("ninchi-old", ["next"]), ("kodomo-katei", ["prev"])])
def test_the_oldest_and_newest_posts_have_one_neighbour(client, post_id, rels):
    doc = page(client, f"/posts/{post_id}")
    assert [a.get("rel") for a in doc.find("nav", "neighbours").find_all("a")] == rels


def test_paragraphs_and_line_breaks_of_a_long_post(client):
    doc = page(client, "/posts/long-report?q=遠隔医療")
    body = doc.find("div", "body")
    paragraphs = body.find_all("p")
    assert len(paragraphs) == 1
    assert len(body.find_all("br")) == 31
    assert body.tags_inside() == {"p", "br", "mark"}
    assert [m.text for m in body.find_all("mark")] == ["遠隔医療"]


# -- escaping -----------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"


@pytest.mark.parametrize("url", ["/search?q=スクリプト", "/posts/script-tag", "/posts/script-tag?q=スクリプト",
                                 "/search?q=行政&sort=date_desc", "/posts/tokyo-taiki", "/"])
def test_hostile_post_text_is_shown_as_text(client, url):
    raw = client.get(url).get_data(as_text=True)
    assert "<script>alert" not in raw
    doc = parse(raw)
    assert [s.get("src") for s in doc.find_all("script")] == ["/static/site.js"]
    if url == "/posts/script-tag":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    if "script-tag" in url or "スクリプト" in url:
        headings = [squash(h.text) for h in doc.find_all("h1") + doc.find_all("h2")]
        assert HOSTILE + " を含む投稿" in headings


def test_only_mark_comes_from_the_highlighter(client):
    doc = page(client, "/search?q=スクリプト OR タグ")
    (hit,) = doc.find_all("li", "hit")
    # スクリプト has the synonym script: the marks split the escaped tag, and stay the only markup.
    assert hit.find("h2").find("a").tags_inside() == {"mark"}
    assert [m.text for m in hit.find("h2").find_all("mark")] == ["script", "script"]
    assert hit.find("p", "snippet").tags_inside() == {"mark"}
    assert squash(hit.find("p", "snippet").text) == \
        "本文にも<script>alert(1)</script>というタグがある。スクリプトは実行してはならない。比較のため&amp;や\"引用符\"も書く。"
    post = page(client, "/posts/script-tag?q=スクリプト")
    assert post.find("div", "body").tags_inside() == {"p", "mark"}
    assert post.find("h1").text == HOSTILE + " を含む投稿"


@pytest.mark.parametrize("url", [
    "/search?q=<script>alert(1)</script>",
    '/search?q="><img src=x onerror=alert(1)>',
    "/search?q=x&category=<b>bold</b>",
    "/posts/kaigo-jinzai?q=<script>alert(1)</script>",
    "/search?q=<script>alert(1)</script>&sort=worst",
    "/<script>alert(1)</script>",
])
def test_hostile_request_text_is_escaped(client, url):
    response = client.get(url)
    raw = response.get_data(as_text=True)
    assert "<script>alert" not in raw and "<img src=x" not in raw and "<b>bold" not in raw
    parse(raw)


# -- error pages ----------------------------------------------------------------------------

@pytest.mark.parametrize("url, status, heading, line", [
    ("/no/such/page", 404, "ページが見つかりません", "お探しのページは移動したか、削除された可能性があります。"),
    ("/posts/no-such-post", 404, "ページが見つかりません", "お探しのページは移動したか、削除された可能性があります。"),
    ("/search?q=介護&sort=best", 400, "リクエストに誤りがあります", "並び順の指定が正しくありません。"),
    ("/search?q=介護&from=2020-13-01", 400, "リクエストに誤りがあります",
     "日付は 2020-04-01 のような形（年-月-日）で指定してください。"),
    ("/search?q=介護&from=2021-01-01&to=2020-01-01", 400, "リクエストに誤りがあります",
     "期間の始まりが終わりより後になっています。"),
    ("/search?q=介護&page=0", 400, "リクエストに誤りがあります", "ページ番号が正しくありません。"),
    ("/search?q=介護&per_page=1000", 400, "リクエストに誤りがあります", "1ページの件数が正しくありません。"),
    ("/search?q=a&q=b", 400, "リクエストに誤りがあります", "同じ条件が二度指定されています。"),
    ("/search?q=" + "あ" * 5001, 400, "リクエストに誤りがあります", "検索語が長すぎます。5000文字以内にしてください。"),
    ("/search?q=" + "介護 " * 65, 400, "リクエストに誤りがあります", "検索条件を解釈できませんでした。"),
])
def test_error_pages_are_styled_and_say_what_went_wrong(client, url, status, heading, line):
    response = client.get(url)
    raw = response.get_data(as_text=True)
    assert response.status_code == status
    assert "Traceback" not in raw and 'File "' not in raw and "werkzeug" not in raw.lower()
    doc = parse(raw)
    assert doc.find("html").get("lang") == "ja"
    assert doc.find("link", rel="stylesheet").get("href") == "/static/style.css"
    section = doc.find("section", "error-page")
    assert section.find("h1").text == heading
    assert section.find("p", "code").text == f"HTTP {status}"
    assert line in [squash(p.text) for p in section.find_all("p")]


@pytest.mark.parametrize("url, retry", [
    ("/search?q=介護&sort=best&category=介護", "/search?q=介護&category=介護"),
    ("/search?q=介護&from=2021-01-01&to=2020-01-01", "/search?q=介護"),
    ("/search?q=介護&page=abc", "/search?q=介護"),
    ("/search?q=介護&sort=best&page=abc&category=介護", "/search?q=介護&category=介護"),
])
def test_a_bad_search_offers_the_same_search_without_the_bad_part(client, url, retry):
    doc = page(client, url, status=400)
    link = doc.find("section", "error-page").find("a", href=retry)
    assert link.text == "この条件を外して検索し直す"
    assert page(client, retry).find("p", "summary")  # and that link works
    assert doc.find("input", id="q").get("value") == "介護"


def test_a_wrong_method_gets_the_html_page(client):
    response = client.post("/search?q=介護")
    assert response.status_code == 405
    assert parse(response.data).find("h1").text == "この方法では表示できません"


def test_pages_without_an_index_answer_503_in_the_same_style(tmp_path):
    from search import Settings
    from web import create_app

    app = create_app(Settings(index_dir=tmp_path / "no-index"))
    try:
        for url in ("/", "/search?q=介護", "/posts/kaigo-jinzai"):
            response = app.test_client().get(url)
            assert response.status_code == 503
            doc = parse(response.data)
            assert doc.find("h1").text == "ただいま検索できません"
            assert "Traceback" not in response.get_data(as_text=True)
    finally:
        app.extensions["search_service"].close()


# -- weight -------------------------------------------------------------------------------

LIMIT = 50_000


@pytest.mark.parametrize("url", ["/", "/search", "/search?q=介護 OR 保育士 OR 子ども", "/search?per_page=100",
                                 "/search?q=存在しない語です&category=介護", "/no/such/page"])
def test_pages_with_their_css_js_and_icon_weigh_under_50_kb(client, url):
    total = 0
    for u in (url, "/static/style.css", "/static/site.js", "/static/icon.svg"):
        with client.get(u) as response:
            total += len(response.data)
    assert total < LIMIT, total


@pytest.mark.parametrize("post_id", ["long-report", "script-tag", "yoshida-8050"])
def test_post_pages_weigh_under_50_kb_before_the_post_text(client, post_id):
    response = client.get(f"/posts/{post_id}")
    doc = parse(response.data)
    body = doc.find("div", "body")
    text_bytes = len(body.text.encode("utf-8"))
    assert text_bytes > 0
    assert len(response.data) - text_bytes < LIMIT // 2


# -- OpenSearch ----------------------------------------------------------------------------

def test_opensearch_description_is_valid_and_points_at_the_search_page(client):
    import xml.etree.ElementTree as ET

    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ET.fromstring(response.data)
    ns = "{http://a9.com/-/spec/opensearch/1.1/}"
    assert root.tag == f"{ns}OpenSearchDescription"
    short = root.find(f"{ns}ShortName").text
    assert short == "政策ブログ検索" and len(short) <= 16
    assert len(root.find(f"{ns}Description").text) <= 1024
    assert root.find(f"{ns}InputEncoding").text == "UTF-8"
    urls = {u.get("type"): u.attrib for u in root.findall(f"{ns}Url")}
    assert urls["text/html"] == {"type": "text/html", "method": "get",
                                 "template": "http://localhost/search?q={searchTerms}"}
    assert urls["application/opensearchdescription+xml"]["template"] == "http://localhost/opensearch.xml"
    assert root.find(f"{ns}Image").text == "http://localhost/static/icon.svg"
    search_url = urls["text/html"]["template"].replace("{searchTerms}", "保育士").removeprefix("http://localhost")
    assert summary(page(client, search_url)) == "2件中 1–2件 (…秒)"


@pytest.mark.parametrize("url", ["/", "/search?q=介護", "/posts/kaigo-jinzai", "/no/such/page", "/search?sort=x"])
def test_pages_forbid_anything_from_elsewhere(client, url):
    response = client.get(url)
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("url", "linked"), [
    ("https://www.mhlw.go.jp/stf/newpage_09807.html", True),
    ("HTTP://example.jp/a", True),
    ("https://unknown.invalid/canpan-blog-123", False),  # the indexer's placeholder: no source
    ("javascript:alert(1)", False),
    ("https://", False),
])
def test_only_real_web_addresses_become_links(url, linked):
    from web.pages import _is_http_url

    assert _is_http_url(url) == linked
