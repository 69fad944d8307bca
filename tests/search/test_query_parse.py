"""The query language's parser: syntax trees for each construct, and tolerance of any string."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import QueryError
from search.query import MAX_DEPTH, MAX_WORDS, All, Any, Not, Word, parse


def w(text, field=None, quoted=False):
    return Word(text, field, quoted)


@pytest.mark.parametrize(("q", "tree"), [
    ("介護", w("介護")),
    ("介護 人材", All((w("介護"), w("人材")))),
    ("介護\u3000人材", All((w("介護"), w("人材")))),
    ("介護\t人材\n", All((w("介護"), w("人材")))),
    ("介護\x00人材", All((w("介護"), w("人材")))),
    ("介護\u200b人材", All((w("介護"), w("人材")))),
    ("介護 OR 福祉", Any((w("介護"), w("福祉")))),
    ("介護 ＯＲ 福祉", Any((w("介護"), w("福祉")))),
    ("介護 or 福祉", All((w("介護"), w("or"), w("福祉")))),
    ("a b OR c", Any((All((w("a"), w("b"))), w("c")))),
    ("a OR b c", Any((w("a"), All((w("b"), w("c")))))),
    ("-介護", Not(w("介護"))),
    ("－介護", Not(w("介護"))),
    ("−介護", Not(w("介護"))),
    ("NOT 介護", Not(w("介護"))),
    ("NOT NOT 介護", w("介護")),
    ("--介護", w("--介護")),  # a doubled minus is text
    ("- 介護", All((w("-"), w("介護")))),
    ("COVID-19", w("COVID-19")),
    ("a -b", All((w("a"), Not(w("b"))))),
    ("(a OR b) c", All((Any((w("a"), w("b"))), w("c")))),
    ("（a OR b）　c", All((Any((w("a"), w("b"))), w("c")))),
    ("-(a OR b)", Not(Any((w("a"), w("b"))))),
    ('"生涯 活躍"', w("生涯 活躍", quoted=True)),
    ("「生涯活躍のまち」", w("生涯活躍のまち", quoted=True)),
    ("『生涯活躍のまち』", w("生涯活躍のまち", quoted=True)),
    ("＂a b＂", w("a b", quoted=True)),
    ('"a OR (b)"', w("a OR (b)", quoted=True)),
    ("介護「人材」", All((w("介護"), w("人材", quoted=True)))),
    ("title:介護", w("介護", "title")),
    ("TITLE:介護", w("介護", "title")),
    ("ｔｉｔｌｅ：介護", w("介護", "title")),
    ('title:"a b"', w("a b", "title", quoted=True)),
    ("title:(a OR b)", Any((w("a", "title"), w("b", "title")))),
    ("title:(a category:b)", All((w("a", "title"), w("b", "category")))),
    ("title:-a", Not(w("a", "title"))),
    ("category:子ども", w("子ども", "category")),
    ("-category:介護", Not(w("介護", "category"))),
    ("foo:bar", w("foo:bar")),
    ("http://example.jp/", w("http://example.jp/")),
    # tolerance
    ('"生涯活躍', w("生涯活躍", quoted=True)),
    ("生涯活躍」", w("生涯活躍")),
    ("(介護", w("介護")),
    ("介護)", w("介護")),
    (")介護(", w("介護")),
    ("介護 OR", w("介護")),
    ("OR 介護", w("介護")),
    ("介護 OR OR 福祉", Any((w("介護"), w("福祉")))),
    ("AND 介護", w("介護")),
    ("介護 NOT", w("介護")),
    ("title: 介護", w("介護", "title")),
    ("title:", None),
    ("category:", None),
    ("OR", None),
    ("NOT", None),
    ("()", None),
    ('""', None),
    ("「」", None),
    ("", None),
    ("  \u3000 ", None),
    ("-", w("-")),
])
def test_parse(q, tree):
    assert parse(q) == tree


def test_deep_parentheses_are_flattened():
    assert parse("(" * (MAX_DEPTH + 5) + "介護" + ")" * (MAX_DEPTH + 5)) == w("介護")
    assert parse("(" * 3000) is None


def test_long_not_chains_do_not_recurse():
    assert parse("NOT " * 3001 + "介護") == Not(w("介護"))
    assert parse("-" * 4000 + "介護") == w("-" * 4000 + "介護")


def test_word_limit():
    assert parse(" ".join(["介護"] * MAX_WORDS)) == All(tuple([w("介護")] * MAX_WORDS))
    with pytest.raises(QueryError) as info:
        parse(" ".join(["介護"] * (MAX_WORDS + 1)))
    assert (info.value.code, info.value.param) == ("too_many_words", "q")


def test_lone_surrogates_become_replacement_characters():
    assert parse("\ud842介護") == w("\ufffd介護")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('介護 福祉()（）"「」『』-－ORNOTtitle:category:\u3000\x00\ud800𠮷')),
               max_size=60))
def test_any_string_parses_or_is_refused_cleanly(q):
    try:
        parse(q)
    except QueryError as e:
        assert e.code == "too_many_words"
