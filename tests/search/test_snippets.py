"""Snippets and highlighting: escaping, <mark> on the original surface, sentence-end cuts, long
posts; the offsets come from the index, never from a new analysis."""

import html
import re

import pytest

from search import SearchRequest, SearchService
from search.snippets import MAX_CHARS, MIN_CHARS, mark_html, snippet
from tests.fixtures.posts import LONG_MARKER, POSTS_BY_ID


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", fragment))


def marked(fragment: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", fragment)]


@pytest.fixture(scope="module")
def service(settings):
    svc = SearchService(settings)
    yield svc
    svc.close()


def hit(service, q, post_id):
    hits = service.search(SearchRequest(q=q, per_page=100))["hits"]
    return next(h for h in hits if h["id"] == post_id)


# --- mark_html and snippet on their own ---------------------------------------------------------

@pytest.mark.parametrize(("text", "spans", "expected"), [
    ("abc", [], "abc"),
    ("<b>&\"'", [], "&lt;b&gt;&amp;&quot;&#x27;"),
    ("附属機関", [(0, 2, 1)], "<mark>附属</mark>機関"),
    ("a<b>c", [(1, 4, 1)], "a<mark>&lt;b&gt;</mark>c"),
    ("abcdef", [(1, 3, 1), (2, 5, 2)], "a<mark>bcde</mark>f"),  # overlaps merge
    ("abcdef", [(1, 2, 1), (2, 3, 2)], "a<mark>bc</mark>def"),  # touching spans merge
    ("abcdef", [(4, 5, 1), (0, 1, 2)], "<mark>a</mark>bcd<mark>e</mark>f"),
    ("𠮷田町", [(0, 1, 1)], "<mark>𠮷</mark>田町"),
])
def test_mark_html(text, spans, expected):
    assert mark_html(text, spans) == expected


def test_mark_html_window_clips_spans():
    assert mark_html("0123456789", [(2, 6, 1)], 4, 8) == "<mark>45</mark>67"


SENTENCE = "これは試験のための文章である。"  # 15 characters


def test_short_text_is_whole():
    assert snippet("短い本文。", []) == "短い本文。"


def test_snippet_is_whole_sentences_around_the_match():
    text = SENTENCE * 40 + "ここに目印がある。" + SENTENCE * 40
    at = text.index("目印")
    out = snippet(text, [(at, at + 2, 1)])
    assert MIN_CHARS <= len(plain(out)) <= MAX_CHARS
    assert plain(out).startswith("ここに目印がある。")
    assert plain(out).endswith("。")
    assert marked(out) == ["目印"]


def test_one_long_sentence_is_cut_around_the_match():
    text = "あ" * 1000 + "目印" + "い" * 1000 + "。"
    out = snippet(text, [(1000, 1002, 1)])
    assert out.startswith("…") and out.endswith("…")
    assert len(plain(out)) - 2 <= MAX_CHARS
    assert marked(out) == ["目印"]


def test_the_sentence_with_most_different_words_wins():
    text = "甲がある。" * 30 + "乙がある。" * 30 + "甲と乙がある。" + "丙。" * 30
    a = [(m.start(), m.end(), 1) for m in re.finditer("甲", text)]
    b = [(m.start(), m.end(), 2) for m in re.finditer("乙", text)]
    out = snippet(text, a + b)
    assert "<mark>甲</mark>と<mark>乙</mark>がある。" in out
    assert MIN_CHARS <= len(plain(out)) <= MAX_CHARS


def test_no_match_gives_the_beginning():
    text = SENTENCE * 30
    assert plain(snippet(text, [])) == SENTENCE * 8  # 120 characters of whole sentences


# --- through the service, offsets from the index ------------------------------------------------

@pytest.mark.parametrize(("q", "post_id", "title_marks", "snippet_marks"), [
    ("付属", "fuzoku-kikan", ["附属"], ["附属"]),  # the surface the post wrote
    ("ｋｐｉ", "kpi-minaoshi", ["ＫＰＩ"], ["ＫＰＩ"]),
    ("わじまし", "wajima-torikumi", ["輪島市"], ["輪島市(わじまし)"]),  # via the reading field
    ("わじま", "wajima-torikumi", ["輪島"], ["輪島"]),
    ("厚労省", "kousei-roudou", [], ["厚生労働省"]),  # the synonym that matched
    ("生活保護基準", "seiho-kijun", ["生活保護基準"], ["生活保護基準"]),  # the phrase, whole
    ("生活保護基準", "seiho-bara", None, None),  # scattered words: no hit at all
    ("生活 保護 基準", "seiho-bara", ["保護"], ["生活", "保護", "基準"]),
    ("「生涯活躍のまち」", "machi-phrase", ["生涯活躍のまち"], ["生涯活躍のまち"]),
    ("コロナ -児童", "corona-kihon", ["コロナ"], ["コロナ"]),  # excluded words are not marked
    ("遠隔医療", "long-report", [], ["遠隔医療"]),
    ("title:保育士", "hoikushi-title", ["保育士"], []),
    ("𠮷田町 😀", "yoshida-8050", ["𠮷田町"], ["𠮷田町", "😀"]),
])
def test_marks(service, q, post_id, title_marks, snippet_marks):
    hits = {h["id"]: h for h in service.search(SearchRequest(q=q, per_page=100))["hits"]}
    if title_marks is None:
        assert post_id not in hits
        return
    assert marked(hits[post_id]["title_html"]) == title_marks
    assert marked(hits[post_id]["snippet"]) == snippet_marks


def test_markup_in_posts_is_escaped(service):
    h = hit(service, "alert", "script-tag")
    assert h["title_html"] == "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; を含む投稿"
    assert h["snippet"] == ("本文にも&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;というタグがある。"
                            "スクリプトは実行してはならない。比較のため&amp;amp;や&quot;引用符&quot;も書く。")
    assert h["title"] == "<script>alert(1)</script> を含む投稿"  # the plain field stays plain


def test_only_mark_tags_appear(service):
    for q in ["script", "<script>alert(1)</script>", "alert", "&amp;", "引用符"]:
        for h in service.search(SearchRequest(q=q))["hits"]:
            for fragment in (h["title_html"], h["snippet"]):
                assert re.sub(r"</?mark>", "", fragment).count("<") == 0


def test_a_match_deep_inside_a_long_post(service):
    body = POSTS_BY_ID["long-report"].body
    assert len(body.encode("utf-8")) > 140_000
    assert body.index(LONG_MARKER) > 50_000
    h = hit(service, "遠隔医療", "long-report")
    text = plain(h["snippet"])
    assert text.startswith(LONG_MARKER)
    assert MIN_CHARS <= len(text) <= MAX_CHARS
    assert text in body


@pytest.mark.parametrize("q", ["統計調査", "回答数 推移", "表1211", "長い報告書"])
def test_long_post_snippets_are_sentences_of_the_body(service, q):
    text = plain(hit(service, q, "long-report")["snippet"])
    assert MIN_CHARS <= len(text) <= MAX_CHARS
    assert text.endswith("。")
    assert text in POSTS_BY_ID["long-report"].body


def test_highlight_post_marks_the_whole_post(service):
    out = service.highlight_post("wajima-torikumi", "わじまし OR 事業者")
    assert out == {
        "title_html": "<mark>輪島市</mark>の地域づくり",
        "body_html": "石川県<mark>輪島市(わじまし)</mark>の取組を紹介する。"
                     "地元の<mark>事業者</mark>と協力して移住者を受け入れている。",
    }


def test_highlight_post_of_a_long_post(service):
    out = service.highlight_post("long-report", "遠隔医療")
    assert marked(out["body_html"]) == ["遠隔医療"]
    assert plain(out["body_html"]) == POSTS_BY_ID["long-report"].body


@pytest.mark.parametrize(("post_id", "q", "expected"), [
    ("nope", "介護", None),
    ("kaigo-jinzai", "", {"title_html": "介護人材の確保",
                          "body_html": "介護の現場では人材不足が続いている。処遇改善加算の拡充が議論された。"}),
    ("kaigo-jinzai", " ".join(["x"] * 100), {"title_html": "介護人材の確保",
                                              "body_html": "介護の現場では人材不足が続いている。処遇改善加算の拡充が議論された。"}),
    ("script-tag", "OR", {"title_html": "&lt;script&gt;alert(1)&lt;/script&gt; を含む投稿",
                          "body_html": "本文にも&lt;script&gt;alert(1)&lt;/script&gt;というタグがある。"
                                       "スクリプトは実行してはならない。比較のため&amp;amp;や&quot;引用符&quot;も書く。"}),
])
def test_highlight_post_edge_cases(service, post_id, q, expected):
    assert service.highlight_post(post_id, q) == expected
