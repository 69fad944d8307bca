"""The search box's suggestions in headless Chromium, driven by keyboard and mouse, against a
real server over the sample corpus (issue 15.2): the ARIA 1.2 combobox pattern."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.server import CHROMIUM, running_server
from tests.browser.test_reader import browser  # noqa: F401  (the module's Chromium fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed"),
]

KAIGOHO = ["介護報酬", "介護報酬改定", "介護保険", "介護保険事業", "介護保険事業計画", "介護保険部会",
           "介護報酬改定案"]


@pytest.fixture(scope="module")
def base_url(whoosh_sample_settings):
    with running_server(whoosh_sample_settings.index_dir) as base:
        yield base


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="ja-JP", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert errors == []


def options(page) -> list[str]:
    return page.locator("#q-suggestions [role=option] .word").all_inner_texts()


def test_kana_typed_before_conversion_suggests_words_and_the_keyboard_picks_one(page):
    page.goto("/")
    box = page.get_by_role("combobox", name="キーワード")
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("かいごほ", delay=30)
    listbox = page.get_by_role("listbox", name="検索候補")
    listbox.wait_for(state="visible")
    assert options(page) == KAIGOHO
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "q-suggestions"
    assert page.locator("#q-suggestions [role=option] .count").first.inner_text() == "7件"
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "q-suggestion-1"
    assert page.locator('#q-suggestions [aria-selected="true"] .word').inner_text() == "介護報酬改定"
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == "q-suggestion-0"
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=%E4%BB%8B%E8%AD%B7%E5%A0%B1%E9%85%AC$"))
    assert page.locator("#q").input_value() == "介護報酬"
    assert page.locator(".summary").inner_text().startswith("7件中")


def test_escape_closes_the_list_then_clears_the_box(page):
    page.goto("/")
    box = page.get_by_role("combobox", name="キーワード")
    box.press_sequentially("デジ", delay=30)
    page.get_by_role("listbox").wait_for(state="visible")
    assert options(page)[:2] == ["デジタル", "デジタル田園都市"]
    box.press("Escape")
    assert page.get_by_role("listbox").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "デジ"
    box.press("ArrowDown")  # opens it again
    page.get_by_role("listbox").wait_for(state="visible")
    box.press("Escape")
    box.press("Escape")
    assert box.input_value() == ""


def test_enter_without_a_chosen_suggestion_searches_what_was_typed(page):
    page.goto("/")
    box = page.get_by_role("combobox", name="キーワード")
    box.press_sequentially("介護", delay=30)
    page.get_by_role("listbox").wait_for(state="visible")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=%E4%BB%8B%E8%AD%B7$"))


def test_a_click_picks_a_suggestion(page):
    page.goto("/search?q=x")
    box = page.get_by_role("combobox", name="キーワード")
    box.fill("")
    box.press_sequentially("ほうしゅう", delay=30)
    page.get_by_role("listbox").wait_for(state="visible")
    assert options(page) == ["報酬", "報酬改定", "報酬改定検討", "報酬改定案"]
    page.get_by_role("option", name=re.compile("報酬改定検討")).click()
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator("#q").input_value() == "報酬改定検討"


def test_without_javascript_the_form_still_searches(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    pg = context.new_page()
    pg.goto("/")
    assert pg.locator("#q").get_attribute("role") is None
    pg.locator("#q").fill("介護報酬")
    pg.locator("#q").press("Enter")
    pg.wait_for_url(re.compile(r"/search\?q="))
    assert pg.locator(".summary").inner_text().startswith("7件中")
    context.close()
