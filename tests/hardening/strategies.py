"""Hypothesis strategies for hostile query strings and request parameters."""

from __future__ import annotations

from hypothesis import strategies as st

# Code point ranges a Japanese reader (or an attacker) may type or paste.
RANGES = {
    "hiragana": (0x3041, 0x309F),
    "katakana": (0x30A0, 0x30FF),
    "halfwidth_katakana": (0xFF61, 0xFF9F),
    "kanji": (0x4E00, 0x9FFF),
    "fullwidth": (0xFF01, 0xFF5E),
    "combining": (0x0300, 0x036F),
    "kana_voicing": (0x3099, 0x309C),
    "plane2_kanji": (0x20000, 0x2A6DF),
    "c0_controls": (0x0000, 0x001F),
    "c1_controls": (0x007F, 0x009F),
    "bidi": (0x200E, 0x200F),
    "bidi_embedding": (0x202A, 0x202E),
    "bidi_isolate": (0x2066, 0x2069),
    "zero_width": (0x200B, 0x200D),
    "cjk_punctuation": (0x3000, 0x303F),
    "ascii": (0x0020, 0x007E),
    "emoji": (0x1F300, 0x1F64F),
    "variation_selectors": (0xFE00, 0xFE0F),
}

#: Pieces of the query language, in ASCII and full width, plus quote marks of every kind.
OPERATORS = ["OR", "AND", "NOT", "ＯＲ", "ＮＯＴ", "or", "-", "－", "−", "(", ")", "（", "）",
             '"', "＂", "“", "”", "「", "」", "『", "』", "｢", "｣", "title:", "category:",
             "ｔｉｔｌｅ：", "TITLE:", "category：", ":", "：", " ", "\u3000", "\t", "\n",
             "\ufeff", "\u200b", "\u202e", "*", "?", "~", "^", "\\", "&", "%", "+"]

#: Real words from the fixture corpus, so that generated queries also find posts.
WORDS = ["介護", "福祉", "東京都", "京都", "附属", "付属", "KPI", "ＫＰＩ", "わじまし", "輪島市",
         "厚労省", "生活保護基準", "生涯活躍のまち", "コロナ", "保育士", "𠮷田町", "８０５０", "第",
         "こ家庁", "学童保育", "script", "<mark>", "&amp;", "遠隔医療"]


def _chars(name: str) -> st.SearchStrategy[str]:
    low, high = RANGES[name]
    return st.characters(min_codepoint=low, max_codepoint=high)


any_char = st.one_of(*[_chars(name) for name in RANGES], st.characters())
"""One character of any of the ranges above, or any code point at all (surrogates included)."""

surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])

fragment = st.one_of(
    st.sampled_from(OPERATORS),
    st.sampled_from(WORDS),
    st.text(any_char, min_size=1, max_size=6),
)

query_text = st.one_of(
    st.lists(fragment, max_size=12).map("".join),
    st.lists(fragment, max_size=12).map(" ".join),
    st.text(any_char, max_size=40),
)
"""A query string: operators, quotes, real words and arbitrary characters in any order."""

query_text_with_surrogates = st.one_of(
    query_text,
    st.lists(st.one_of(fragment, surrogate), max_size=12).map("".join),
)
"""Lone surrogates too: Python strings can carry them into the parser (HTTP cannot)."""

PARAM_NAMES = ["q", "category", "from", "to", "sort", "page", "per_page"]

odd_value = st.one_of(
    st.text(any_char, max_size=20),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.sampled_from(["", " ", "0", "1", "100", "101", "10000", "10001", "-1", "1e3", "0x10",
                     "５", "٣", " 5 ", "1.0", "NaN", "inf", "2020-02-30", "2024-02-29",
                     "0000-01-01", "9999-12-31", "2020-1-1", "２０２０-０１-０１", "relevance",
                     "date_desc", "date_asc", "RELEVANCE", "子ども", "介護", "x" * 201,
                     "\x00", "%00", "../../etc/passwd"]),
)

params = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), st.text(any_char, max_size=8)),
              st.one_of(query_text, odd_value)),
    max_size=8,
)
"""A query string's (name, value) pairs: known and unknown names, repeated, any values."""
