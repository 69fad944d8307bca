"""Page weight on a wide index: many long category names, every month of 25 years. Each page,
with its stylesheet, script and icon, stays under 50 KB once the post text (titles, snippets,
bodies) is taken out."""

from __future__ import annotations

import datetime as dt

import pytest

from search import Post, Settings
from tests.fixtures.index import build_index
from tests.web.html import parse

LIMIT = 50_000
CATEGORIES = [f"第{n}章　情報通信政策の動向と今後の課題" for n in range(1, 61)]


def wide_posts() -> list[Post]:
    posts = []
    for i in range(25 * 12):
        year, month = 2000 + i // 12, i % 12 + 1
        for k in range(2):
            n = 2 * i + k
            posts.append(Post(
                id=f"wide-{n:04d}", title=f"情報通信白書 第{n}節 ブロードバンドの普及と地域の情報化",
                date=dt.date(year, month, 1 + 14 * k), category=CATEGORIES[n % len(CATEGORIES)],
                url=f"https://example.jp/wide/{n}",
                body="情報通信の動向を整理した。" * 20 + "\n\n地域の情報化を進める。" * 5))
    return posts


@pytest.fixture(scope="module")
def wide_client(tmp_path_factory):
    from web import create_app

    root = tmp_path_factory.mktemp("wide-index")
    build_index(root, wide_posts())
    app = create_app(Settings(index_dir=root))
    yield app.test_client()
    app.extensions["search_service"].close()


def assets(client) -> int:
    total = 0
    for url in ("/static/style.css", "/static/site.js", "/static/icon.svg"):
        with client.get(url) as response:
            total += len(response.data)
    return total


def post_text_bytes(doc) -> int:
    """Bytes of post text on the page: hit titles and snippets, a post's title and body."""
    parts = [h.find("h2") for h in doc.find_all("li", "hit")] + doc.find_all("p", "snippet")
    parts += doc.find_all("div", "body") + [h for h in doc.find_all("h1") if h.parent.tag == "header"]
    parts += [li.find_all("a")[0] for li in (doc.find("ul", "recent").elements if doc.find_all("ul", "recent") else [])]
    return sum(len(p.text.encode("utf-8")) for p in parts)


@pytest.mark.parametrize("url", [
    "/",
    "/search",
    "/search?q=情報通信",
    "/search?q=情報通信&from=2010-01-01&to=2010-12-31",
    "/search?q=情報通信&category=第1章　情報通信政策の動向と今後の課題&category=第2章　情報通信政策の動向と今後の課題",
    "/posts/wide-0100?q=情報通信",
])
def test_pages_of_a_wide_index_stay_under_50_kb_before_the_post_text(wide_client, url):
    response = wide_client.get(url)
    assert response.status_code == 200
    doc = parse(response.data)
    weight = len(response.data) - post_text_bytes(doc) + assets(wide_client)
    assert weight < LIMIT, weight


def test_the_wide_index_is_wide_and_the_long_lists_are_cut(wide_client):
    doc = parse(wide_client.get("/search?q=情報通信").data)
    aside = doc.find("aside", "facets")
    section = aside.find("section", aria_labelledby="f-cat")
    more = section.find("p", "more").find("a")
    assert (len(section.find_all("a")) - 1, more.text) == (20, "ほか40件のカテゴリを表示")
    assert len(aside.find("section", aria_labelledby="f-year").find_all("a")) == 25
    assert len(aside.find("section", aria_labelledby="f-fy").find_all("a")) == 26
    everything = parse(wide_client.get(more.get("href")).data).find("aside", "facets")
    assert len(everything.find("section", aria_labelledby="f-cat").find_all("a")) == 60
    home = parse(wide_client.get("/").data).find("ul", "archive")
    assert [len(li.find_all("ul")) for li in home.elements] == [1] * 10 + [0] * 15
    assert len(home.find_all("a")) == 10 * 13 + 15
