"""Suggestions as the reader types: GET /api/suggest over the sample corpus (issue 15.2)."""

from __future__ import annotations

import pytest

from search.suggest import SuggestLexicon, WordCounts, post_words
from tests.contract import assert_canonical_error
from tests.features.conftest import copy_sample


NEW_POST = """+++
id = "2099-01-01-new"
title = "介護保険の新しい話"
date = 2099-01-01
category = "介護"
url = "https://example.org/new"
+++
介護保険の保険料について、新しい記事です。介護保険の財政の話が続きます。
"""


def suggest(client, **params):
    return client.get("/api/suggest", query_string=params)


def texts(response) -> list[str]:
    return [s["text"] for s in response.get_json()["suggestions"]]


@pytest.mark.parametrize("q, expected", [
    # kana typed before the IME converts it: matched on readings
    ("かいごほ", ["介護報酬", "介護報酬改定", "介護保険", "介護保険事業", "介護保険事業計画",
                 "介護保険部会", "介護報酬改定案"]),
    ("カイゴホ", ["介護報酬", "介護報酬改定", "介護保険", "介護保険事業", "介護保険事業計画",
                 "介護保険部会", "介護報酬改定案"]),
    ("ほうしゅう", ["報酬", "報酬改定", "報酬改定検討", "報酬改定案"]),
    # the surface
    ("介護", ["介護", "介護報酬", "介護サービス", "介護報酬改定", "介護給付", "介護給付費",
              "介護保険", "介護職員"]),
    ("デジ", ["デジタル", "デジタル田園都市", "デジタル田園都市国家", "デジタル人材", "デジタル基盤"]),
    ("ﾃﾞｼﾞ", ["デジタル", "デジタル田園都市", "デジタル田園都市国家", "デジタル人材", "デジタル基盤"]),
    ("こども", ["子ども", "子供", "子供教室"]),
    ("ぬぬぬ", []),
    ("", []),
    ("   ", []),
])
def test_prefixes(sample_client, q, expected):
    response = suggest(sample_client, q=q)
    assert response.status_code == 200
    assert response.get_json()["query"] == q
    assert texts(response) == expected


def test_each_suggestion_has_its_reading_and_post_count(sample_client):
    body = suggest(sample_client, q="かいごほ", limit=3).get_json()
    assert body == {"query": "かいごほ", "suggestions": [
        {"text": "介護報酬", "reading": "カイゴホウシュウ", "count": 7},
        {"text": "介護報酬改定", "reading": "カイゴホウシュウカイテイ", "count": 5},
        {"text": "介護保険", "reading": "カイゴホケン", "count": 5}]}


def test_limit_defaults_to_8_and_allows_20(sample_client):
    assert len(texts(suggest(sample_client, q="せ"))) == 8
    assert len(texts(suggest(sample_client, q="せ", limit=20))) == 20
    assert texts(suggest(sample_client, q="せ", limit=2)) == ["制度", "生活"]


@pytest.mark.parametrize("params, code, param", [
    ({"q": "介護", "limit": "0"}, "invalid_limit", "limit"),
    ({"q": "介護", "limit": "21"}, "invalid_limit", "limit"),
    ({"q": "介護", "limit": "x"}, "invalid_limit", "limit"),
    ({"q": ["介護", "福祉"]}, "repeated_parameter", "q"),
    ({"q": "あ" * 5001}, "query_too_long", "q"),
])
def test_bad_parameters_are_400_in_the_error_shape(sample_client, params, code, param):
    assert_canonical_error(suggest(sample_client, **params), 400, code, param)


def test_words_and_compounds_of_a_text():
    title, body = post_words("令和6年度介護報酬改定の概要", "介護報酬の改定が了承されました。")
    assert ("介護報酬改定", "カイゴホウシュウカイテイ") in title
    assert ("概要", "ガイヨウ") in title
    assert ("了承", "リョウショウ") in body
    assert ("介護報酬", "カイゴホウシュウ") in body
    assert not any(surface in {"の", "が", "され"} for surface, _ in body)


def test_rare_body_words_are_dropped_title_words_kept():
    words = WordCounts()
    words.add_post("地域医療構想", "遠隔医療の話です。")
    words.add_post("別の記事", "遠隔医療と離島の話です。")
    words.add_post("三つ目", "離島の話です。")
    lexicon = words.lexicon()
    # 遠隔医療 is one unit of the dictionary: its parts are not words of their own
    assert [(s.text, s.count) for s in lexicon.suggest("えんかく")] == [("遠隔医療", 2)]
    assert [s.text for s in lexicon.suggest("ちいき")] == ["地域", "地域医療", "地域医療構想"]
    assert [(s.text, s.count) for s in lexicon.suggest("りとう")] == [("離島", 2)]
    words.add_post("三つ目", "離島の話です。", sign=-1)  # down to one post, body only: dropped
    assert words.lexicon().suggest("りとう") == []


def live_lexicon(settings) -> SuggestLexicon:
    """The live generation's ``suggest.json``, as the backend keeps it."""
    from search import create_backend
    from search.suggest import SUGGEST_NAME

    backend = create_backend(settings)
    try:
        found = SuggestLexicon.parse(backend.live().read_file(SUGGEST_NAME))
    finally:
        backend.close()
    assert found is not None
    return found


def test_update_keeps_the_lexicon_current(tmp_path, backend_index):
    from indexer import update

    corpus = copy_sample(tmp_path / "corpus")
    settings = backend_index(corpus)

    def counts(prefix):
        return [(s.text, s.count) for s in live_lexicon(settings).suggest(prefix, 3)]

    assert counts("かいごほ") == [("介護報酬", 7), ("介護報酬改定", 5), ("介護保険", 5)]
    (corpus / "2099-01-01-new.md").write_text(
NEW_POST, "utf-8")
    for path in corpus.glob("2024-01-2*-kaigo-hoshu-kaitei-r6.md"):
        path.unlink()
    summary = update(settings, workers=1)
    assert (summary.added, summary.removed) == (1, 2)
    # 介護保険: one post of it gone, one new; 介護報酬: both removed posts held it
    assert counts("かいごほ") == [("介護報酬", 5), ("介護保険", 5), ("介護報酬改定", 3)]
    # the same counts as a lexicon built from scratch over the changed corpus
    fresh_lexicon = live_lexicon(backend_index(corpus, "fresh"))
    updated = live_lexicon(settings)
    for prefix in ("かいご", "ほけん", "しょう", "こども", "れいわ"):
        assert updated.suggest(prefix, 20) == fresh_lexicon.suggest(prefix, 20), prefix
