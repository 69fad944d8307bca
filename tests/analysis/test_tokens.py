"""Literal token lists from a reviewed run of the analyzer, one behaviour per row."""

import pytest

from search.backends.whoosh.analyzer import japanese_analyzer


def tokens(text):
    return [(t.text, t.pos, t.startchar, t.endchar, t.unit)
            for t in japanese_analyzer()(text, positions=True, chars=True)]


def readings(text):
    return [(t.reading, t.pos) for t in japanese_analyzer()(text, positions=True) if t.reading]


@pytest.mark.parametrize(("text", "expected"), [
    # 1. Multi-granular: C units and, where they split, A units at the C unit's position.
    ("東京都", [("東京都", 0, 0, 3, "C"), ("東京", 0, 0, 2, "A"), ("都", 1, 2, 3, "A")]),
    ("京都", [("京都", 0, 0, 2, "W")]),
    ("新型コロナウイルス感染症", [
        ("新型コロナウイルス感染症", 0, 0, 12, "C"), ("新型", 0, 0, 2, "A"), ("コロナ", 1, 2, 5, "A"),
        ("ウイルス", 2, 5, 9, "A"), ("感染", 3, 9, 11, "A"), ("症", 4, 11, 12, "A")]),
    ("保育所と放課後児童クラブ", [
        ("保育所", 0, 0, 3, "C"), ("保育", 0, 0, 2, "A"), ("所", 1, 2, 3, "A"),
        ("放課後", 2, 4, 7, "C"), ("放課", 2, 4, 6, "A"), ("後", 3, 6, 7, "A"),
        ("児童クラブ", 4, 7, 12, "C"), ("児童", 4, 7, 9, "A"), ("クラブ", 5, 9, 12, "A")]),
    # 2. Normalized and folded forms, offsets on the original surface.
    ("附属病院", [("付属", 0, 0, 2, "W"), ("病院", 1, 2, 4, "W")]),
    ("障がい者と障碍者", [
        ("障害者", 0, 0, 4, "C"), ("障害", 0, 0, 3, "A"), ("者", 1, 3, 4, "A"),
        ("障害者", 2, 5, 8, "C"), ("障害", 2, 5, 7, "A"), ("者", 3, 7, 8, "A")]),
    ("子ども、こども、子供", [("子供", 0, 0, 3, "W"), ("子供", 1, 4, 7, "W"), ("子供", 2, 8, 10, "W")]),
    ("取組 取組み 取り組み", [
        ("取り組み", 0, 0, 2, "W"), ("取り組み", 1, 3, 6, "W"), ("取り組み", 2, 7, 11, "W")]),
    ("ＫＰＩ kpi KPI", [("kpi", 0, 0, 3, "W"), ("kpi", 1, 4, 7, "W"), ("kpi", 2, 8, 11, "W")]),
    ("ﾎｰﾑﾍﾙﾊﾟｰ", [("ホーム", 0, 0, 3, "W"), ("ヘルパー", 1, 3, 8, "W")]),
    ("ホームヘルパー", [("ホーム", 0, 0, 3, "W"), ("ヘルパー", 1, 3, 7, "W")]),
    ("シュミレーション", [("シミュレーション", 0, 0, 8, "W")]),
    ("８０５０問題", [("8050", 0, 0, 4, "W"), ("問題", 1, 4, 6, "W")]),
    ("ＩｏＴ", [("iot", 0, 0, 3, "W")]),
    # 4. Stop rules: particles, auxiliaries, brackets and space take no term and no position.
    ("「生涯活躍のまち」", [("生涯", 0, 1, 3, "W"), ("活躍", 1, 3, 5, "W"), ("まち", 2, 6, 8, "W")]),
    ("介護と福祉", [("介護", 0, 0, 2, "W"), ("福祉", 1, 3, 5, "W")]),
    ("　、。・\t\n", []),
    # The bracketed reading joins its unit (Sudachi's yomigana rule); offsets still cover it.
    ("輪島市(わじまし)で", [("輪島市", 0, 0, 9, "C"), ("輪島", 0, 0, 2, "A"), ("市", 1, 2, 9, "A")]),
    # 7. A compound typed without spaces: a C unit that splits, then a whole unit.
    ("生活保護基準", [
        ("生活保護", 0, 0, 4, "C"), ("生活", 0, 0, 2, "A"), ("保護", 1, 2, 4, "A"),
        ("基準", 2, 4, 6, "W")]),
    # 9. Unknown words stay, surrogate-plane kanji and emoji included.
    ("𠮷野家😀", [("𠮷", 0, 0, 1, "W"), ("野家", 1, 1, 3, "W"), ("😀", 2, 3, 4, "W")]),
    ("ワジマシ", [("ワジマシ", 0, 0, 4, "W")]),
    # A lone surrogate cannot reach Sudachi: it becomes U+FFFD (dropped), offsets unchanged.
    ("\ud800介護", [("介護", 0, 1, 3, "W")]),
])
def test_tokens(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # 3. Readings of C and A units, in katakana, at the same positions.
    ("輪島市(わじまし)で", [("ワジマシ", 0), ("ワジマ", 0), ("シ", 1)]),
    ("東京都", [("トウキョウト", 0), ("トウキョウ", 0), ("ト", 1)]),
    ("京都", [("キョウト", 0)]),
    ("子ども", [("コドモ", 0)]),
    # Units without a kana reading (unknown symbols) have no reading term.
    ("𠮷野家", [("ノエ", 1)]),
])
def test_readings(text, expected):
    assert readings(text) == expected


def test_query_mode_gives_the_same_terms_as_index_mode():
    text = "東京都の保育所で生活保護基準を議論"
    index = [(t.text, t.pos) for t in japanese_analyzer()(text, positions=True, mode="index")]
    query = [(t.text, t.pos) for t in japanese_analyzer()(text, positions=True, mode="query")]
    assert query == index


def test_start_pos_and_start_char_shift_tokens():
    got = [(t.text, t.pos, t.startchar) for t in
           japanese_analyzer()("介護保険", positions=True, chars=True, start_pos=10, start_char=100)]
    assert got == [("介護保険", 10, 100), ("介護", 10, 100), ("保険", 11, 102)]


def test_a_copied_token_keeps_every_attribute():
    # Whoosh's highlighter and some filters keep tokens with Token.copy().
    kept = [t.copy() for t in japanese_analyzer()("東京都", positions=True, chars=True, mode="index")]
    assert [(t.text, t.pos, t.startchar, t.endchar, t.reading, t.unit, t.mode) for t in kept] == [
        ("東京都", 0, 0, 3, "トウキョウト", "C", "index"),
        ("東京", 0, 0, 2, "トウキョウ", "A", "index"),
        ("都", 1, 2, 3, "ト", "A", "index")]
    assert "text='東京都'" in repr(kept[0])


def test_unknown_words_read_from_the_cache_match_a_fresh_analysis():
    # Unknown words (numbers, Latin words, rare kanji) get a new word id in every text, so their
    # descriptions are cached by part of speech and surface: a second text reuses them.
    from search.analysis import Morphology

    texts = ["2024年度の8050問題とＤＸ推進、𠮷田町で", "ＤＸと8050、2024年度に𠮷田町が", "𠮷田町"]
    warm = Morphology()
    for text in texts:
        warm.units(text)
    assert len(warm._unknown) > 0
    for text in texts:
        assert warm._analyse(text) == Morphology()._analyse(text)
