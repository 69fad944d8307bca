"""The reader's pages in headless Chromium, against a real ``policy-search serve`` process.

The server runs over the root conftest's fixture index; Chromium is Debian's /usr/bin/chromium
driven through Playwright's sync API. Every page is also watched for requests leaving the site
and for JavaScript dialogs (a hostile ``<script>`` in a post must never run).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.server import CHROMIUM, launch_chromium, running_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture(scope="module")
def base_url(index_root):
    with running_server(index_root) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()


class Watch:
    """What a page did that it must not: leave the site, open a dialog, log a JS error."""

    def __init__(self, page, base_url):
        self.foreign: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(base_url) else self.foreign.append(r.url))
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def clean(self) -> dict:
        return {"foreign": self.foreign, "dialogs": self.dialogs, "errors": self.errors}


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="ja-JP", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    watch = Watch(pg, base_url)
    yield pg
    context.close()
    assert watch.clean() == {"foreign": [], "dialogs": [], "errors": []}


def summary(page) -> str:
    return page.locator(".summary").inner_text()


def hit_titles(page) -> list[str]:
    return page.locator(".hit h2").all_inner_texts()


def test_typing_a_japanese_query_shows_highlighted_hits(page):
    page.goto("/")
    page.get_by_label("キーワード").fill("保育士")
    page.get_by_label("キーワード").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert re.fullmatch(r"2件中 1–2件 \(\d+\.\d{3}秒\)", summary(page))
    assert hit_titles(page) == ["保育士の処遇改善", "人材確保の方策"]
    assert page.locator(".hit mark").all_inner_texts() == ["保育士", "保育士"]
    assert page.locator("#q").input_value() == "保育士"


def test_a_category_facet_narrows_the_list_and_shows_its_count(page):
    page.goto("/search?q=処遇改善")
    assert summary(page).startswith("3件中 1–3件")
    facet = page.locator(".facets a", has_text="子ども")
    assert facet.locator(".count").inner_text() == "2"
    facet.click()
    page.wait_for_url(re.compile(r"category="))
    assert summary(page).startswith("2件中 1–2件")
    assert sorted(hit_titles(page)) == ["人材確保の方策", "保育士の処遇改善"]
    assert page.locator(".chips a").all_inner_texts() == ["カテゴリ: 子ども"]
    active = page.locator('.facets a[aria-current="true"]')
    assert active.locator(".count").inner_text() == "2"
    active.click()  # choosing it again removes the filter
    page.wait_for_url(re.compile(r"^(?!.*category=)"))
    assert summary(page).startswith("3件中 1–3件")


def test_paging_forward_through_all_posts(page):
    page.goto("/")
    page.get_by_role("link", name=re.compile("すべての記事を新しい順に見る")).click()
    page.wait_for_url(re.compile(r"/search$"))
    assert summary(page).startswith("23件中 1–20件")
    assert hit_titles(page)[0] == "こども家庭庁の発足"
    page.get_by_role("link", name="次へ →").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert summary(page).startswith("23件中 21–23件")
    assert hit_titles(page)[-1] == "認知症施策の推進"
    assert page.locator('.pager [aria-current="page"]').inner_text() == "2"


def test_opening_a_post_highlights_the_query_and_walks_to_its_neighbours(page):
    page.goto("/search?q=保育士")
    page.get_by_role("link", name="保育士の処遇改善").click()
    page.wait_for_url(re.compile(r"/posts/hoikushi-title\?q="))
    assert page.locator("h1").inner_text() == "保育士の処遇改善"
    assert page.locator("h1 mark").all_inner_texts() == ["保育士"]
    page.locator(".neighbours a[rel=next]").click()
    page.wait_for_url(re.compile(r"/posts/[^?]+$"))
    assert page.locator("h1").inner_text() == "輪島市の地域づくり"  # 2021-09-01 → 2022-07-01
    page.locator(".neighbours a[rel=prev]").click()
    page.wait_for_url(re.compile(r"/posts/hoikushi-title$"))
    assert page.locator("h1").inner_text() == "保育士の処遇改善"


def test_a_post_holding_script_shows_it_as_text(page):
    page.goto("/search?q=スクリプト")
    title = "<script>alert(1)</script> を含む投稿"
    assert hit_titles(page) == [title]
    page.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(r"/posts/script-tag\?q="))
    assert page.locator("h1").inner_text() == title
    assert "本文にも<script>alert(1)</script>というタグがある。" in page.locator(".post .body").inner_text()
    assert page.locator(".post script").count() == 0


def test_the_pages_work_without_javascript(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto("/")
        pg.get_by_label("キーワード").fill("介護")
        pg.get_by_role("button", name="検索").click()
        pg.wait_for_url(re.compile(r"/search\?q="))
        assert summary(pg).startswith("1件中 1–1件")
        assert pg.locator(".hit mark").all_inner_texts() == ["介護", "介護"]
        pg.locator(".facets a", has_text="2021年").first.click()
        pg.wait_for_url(re.compile(r"from=2021-01-01"))
        assert pg.locator(".chips a").all_inner_texts() == ["期間: 2021年"]
        pg.get_by_role("link", name="介護人材の確保").click()
        pg.wait_for_url(re.compile(r"/posts/kaigo-jinzai\?q="))
        assert pg.locator("h1 mark").all_inner_texts() == ["介護"]
    finally:
        context.close()


def test_slash_key_focuses_the_search_box(page):
    page.goto("/posts/kaigo-jinzai")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def test_a_phone_screen_does_not_scroll_sideways(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 740},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        pg = context.new_page()
        for path in ("/", "/search?q=保育士", "/posts/long-report", "/posts/script-tag", "/no-such-page"):
            pg.goto(path)
            assert pg.evaluate("document.documentElement.scrollWidth") <= 360, path
    finally:
        context.close()


def test_keyboard_focus_is_visible_and_the_skip_link_comes_first(page):
    page.goto("/search?q=保育士")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        return [e.className, e.getBoundingClientRect().top >= 0, s.outlineStyle, s.outlineWidth]; }""")
    assert focused == ["skip", True, "solid", "3px"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_watch_sees_a_dialog(browser, base_url):
    """The check that no dialog fires would notice one."""
    context = browser.new_context(base_url=base_url)
    try:
        pg = context.new_page()
        watch = Watch(pg, base_url)
        pg.goto("/")
        pg.evaluate("() => { alert('x'); }")
        assert watch.clean()["dialogs"] == ["x"]
    finally:
        context.close()


def test_a_partial_answer_says_so_and_strikes_through_the_missing_words(page):
    page.goto("/search?q=" + "介護 福祉 <b>人材</b>")
    note = page.locator(".partial")
    assert note.inner_text().startswith("すべての語を含む記事はありません")
    assert hit_titles(page) == ["介護人材の確保", "相談窓口の一本化"]
    hits = page.locator(".hit")
    # Each hit lists what it lacks, struck through; the typed markup stays text.
    assert hits.nth(0).locator(".missing del").all_inner_texts() == ["福祉", "<b>人材</b>"]
    assert hits.nth(1).locator(".missing del").all_inner_texts() == ["介護", "<b>人材</b>"]
    assert page.locator(".missing b").count() == 0
    struck = hits.nth(0).locator(".missing del").first.evaluate(
        "e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in struck


def test_an_answer_with_every_word_has_no_partial_note(page):
    page.goto("/search?q=介護 人材")
    assert page.locator(".partial").count() == 0
    assert page.locator(".missing").count() == 0
    assert hit_titles(page) == ["介護人材の確保"]
