"""End to end at the index level: posts in a real Whoosh index in tmp_path, queried with the
phrases of A units that the query compiler builds from the same analyzer."""

import datetime as dt

import pytest
from whoosh import index
from whoosh.query import Or, Phrase, Term

from search import Post, ReadingLexicon
from search.backends.whoosh.schema import make_schema, post_document
from search.analysis import morphology
from search.backends.whoosh.analyzer import japanese_analyzer
from search.plan import Spelled, segment_reading
from tests.search.whoosh_reference import to_whoosh

POSTS = {
    "tokyo": "東京都の待機児童対策について議論した。",
    "kyoto": "京都府の観光振興計画が示された。",
    "corona": "新型コロナウイルス感染症の影響で会議は書面開催となった。",
    "hoiku": "保育所の整備と放課後児童クラブの拡充を進める。",
    "fuzoku": "審議会の附属機関として部会を置く。",
    "kpi": "地方創生のＫＰＩを見直す。",
    "helper": "ﾎｰﾑﾍﾙﾊﾟｰの人材確保が課題である。",
    "wajima": "石川県輪島市(わじまし)の取組を紹介する。",
    "kijun": "生活保護基準の検証を行う部会が開かれた。",
    "scattered": "生活の基盤を守る保護施策と、別の基準の話。",
    "machi": "全世代・全員活躍型の「生涯活躍のまち」を推進する。",
    "kaigo": "介護と福祉の連携を強める。",
    "oov": "𠮷田町の８０５０問題への対応。",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    ix = index.create_in(tmp_path_factory.mktemp("ix"), make_schema())
    with ix.writer() as w:
        for pid, body in POSTS.items():
            w.add_document(**post_document(Post(id=pid, title=pid, date=dt.date(2021, 4, 1),
                                                category="c", url="https://example.jp/", body=body)))
    with ix.searcher() as s:
        yield s
    ix.close()


def word_query(field, word):
    """The phrase of A-level units (W and A tokens), as the query compiler builds it."""
    terms = [t.text for t in japanese_analyzer()(word, mode="query") if t.unit in ("W", "A")]
    return Term(field, terms[0]) if len(terms) == 1 else Phrase(field, terms)


def ids(searcher, query):
    return sorted(h["id"] for h in searcher.search(query, limit=None))


@pytest.mark.parametrize(("word", "expected"), [
    ("東京", ["tokyo"]),          # an A unit of 東京都
    ("東京都", ["tokyo"]),
    ("京都", ["kyoto"]),          # not inside 東京都
    ("コロナ", ["corona"]),
    ("新型コロナウイルス感染症", ["corona"]),
    ("感染症", ["corona"]),
    ("保育", ["hoiku"]),
    ("保育所", ["hoiku"]),
    ("児童", ["hoiku", "tokyo"]),  # 児童クラブ and 待機児童
    ("児童クラブ", ["hoiku"]),
    ("付属", ["fuzoku"]),
    ("附属", ["fuzoku"]),
    ("KPI", ["kpi"]),
    ("ｋｐｉ", ["kpi"]),
    ("ホームヘルパー", ["helper"]),
    ("輪島市", ["wajima"]),
    ("生活保護基準", ["kijun"]),   # a sequence, not loose words scattered over a post
    ("生涯活躍のまち", ["machi"]),
    ("介護", ["kaigo"]),
    ("福祉", ["kaigo"]),
    ("𠮷田町", ["oov"]),
    ("8050問題", ["oov"]),
])
def test_word_finds(searcher, word, expected):
    assert ids(searcher, word_query("body", word)) == expected


@pytest.mark.parametrize(("katakana", "pieces", "expected"), [
    # わじまし: 輪島市 is inside the C unit 石川県輪島市 here, so ワジマ (輪島) then シ (市; not
    # 為る, although し is a form of it: only dictionary forms give readings)
    ("ワジマシ", [("輪島",), ("市",)], ["wajima"]),
    ("ワジマ", [("輪島",)], ["wajima"]),
    ("キョウト", [("京都",)], ["kyoto"]),
    ("トウキョウ", [("東京",)], ["tokyo"]),
])
def test_readings_find_the_terms_read_that_way(searcher, katakana, pieces, expected):
    lexicon = ReadingLexicon.from_pairs(morphology().reading_pairs())
    [found] = segment_reading(katakana, "body", searcher.reader(), lexicon)
    assert [set(options) for options in found] == [set(p) for p in pieces]
    assert ids(searcher, to_whoosh(Spelled("body", found))) == expected


def test_highlight_offsets_wrap_the_original_surface(searcher):
    # 5. The stored offsets of the normalized term 付属 point at 附属 in the text.
    docnum = searcher.document_number(id="fuzoku")
    m = searcher.reader().postings("body", "付属")
    m.skip_to(docnum)
    (start, end), = [(s, e) for _, s, e in m.value_as("characters")]
    assert POSTS["fuzoku"][start:end] == "附属"
    docnum = searcher.document_number(id="helper")
    spans = []
    for term in ("ホーム", "ヘルパー"):
        m = searcher.reader().postings("body", term)
        m.skip_to(docnum)
        spans += [(s, e) for _, s, e in m.value_as("characters")]
    assert [POSTS["helper"][s:e] for s, e in sorted(spans)] == ["ﾎｰﾑ", "ﾍﾙﾊﾟｰ"]


def test_or_of_alternatives(searcher):
    q = Or([word_query("body", "東京"), word_query("body", "京都")])
    assert ids(searcher, q) == ["kyoto", "tokyo"]


@pytest.mark.parametrize("word", ["の", "を", "です", "「」", "、。"])
def test_particles_and_symbols_give_no_query_terms(word):
    assert [t.text for t in japanese_analyzer()(word, mode="query")] == []
