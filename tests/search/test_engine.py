"""The plan evaluator against Whoosh itself: the same plans, run through Whoosh's own matchers
(``to_whoosh``), must find the same documents (a partial answer: those Whoosh finds with the most
words); scores are BM25F as docs/search.md writes it, recomputed here from the reader's own
statistics."""

import dataclasses
import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from search import Post, Settings, Synonyms
from search.backends.whoosh import engine as engine_module
from search.backends.whoosh.engine import Engine, read_postings
from search.backends.whoosh.live import LiveIndex
from search.plan import Excluding, OneWord, Partial, QueryCompiler, Seq, Spelled
from search.query import parse
from tests.fixtures.index import build_index
from tests.search.whoosh_reference import to_whoosh


@pytest.fixture(scope="module")
def live(settings):
    index = LiveIndex(settings.index_dir)
    yield index
    index.close()


@pytest.fixture(scope="module")
def compiler(settings):
    return QueryCompiler(settings, Synonyms.load(list(settings.synonym_files)))


def whoosh_scores(searcher, query) -> dict[int, float]:
    matcher = query.matcher(searcher, searcher.context())
    out = {}
    while matcher.is_active():
        out[matcher.id()] = matcher.score()
        matcher.next()
    return out


def whoosh_docs(searcher, plan) -> set[int]:
    """The documents of ``plan`` by Whoosh's matchers; a :class:`Partial` by its docstring: all
    of its children if any document has them all, else those with the most optional ones."""
    if isinstance(plan, Excluding):
        return whoosh_docs(searcher, plan.base) - set(whoosh_scores(searcher,
                                                                    to_whoosh(plan.excluded)))
    if isinstance(plan, Partial):
        every = set(whoosh_scores(searcher, to_whoosh(plan)))
        if every:
            return every
        required = [set(whoosh_scores(searcher, to_whoosh(c))) for c in plan.required]
        base = set.intersection(*required) if required else None
        count: dict[int, int] = dict.fromkeys(base, 0) if base is not None else {}
        for child in plan.optional:
            for d in whoosh_scores(searcher, to_whoosh(child)):
                if base is None or d in base:
                    count[d] = count.get(d, 0) + 1
        most = max(count.values(), default=0)
        return {d for d, n in count.items() if n == most}
    return set(whoosh_scores(searcher, to_whoosh(plan)))


def both(live, compiler, q):
    with live.lease() as (view, searcher):
        plan = compiler.compile(parse(q), searcher.reader(), view.readings).plan
        ours = Engine(view, searcher.reader()).run(plan)
        theirs = whoosh_docs(searcher, plan) & set(view.live)
        ids = view.ids
        return {ids[d]: s for d, s in ours.items()}, {ids[d] for d in theirs}, plan


def has_phrase(plan) -> bool:
    if isinstance(plan, Seq):
        return len(plan.terms) > 1
    return any(has_phrase(c) for c in getattr(plan, "children", ())) or any(
        has_phrase(getattr(plan, a)) for a in ("core", "base", "excluded") if hasattr(plan, a)) or \
        any(has_phrase(b) for b in getattr(plan, "bonus", ()))


QUERIES = ["介護", "福祉", "コロナ", "生活保護基準", "生活 保護 基準", "厚労省", "わじまし",
           "わじま", "東京都", "付属", "KPI", "介護 OR 福祉", "コロナ -児童",
           "(コロナ OR 介護) -(児童 OR 人材)",
           "-コロナ", "title:保育士", "category:介護 認知症", "「生涯活躍のまち」", "遠隔医療",
           "保育士 OR 児童 OR 人材", "𠮷田町", "かいご", "NOT 介護 NOT 福祉"]


@pytest.mark.parametrize("q", QUERIES)
def test_same_documents_as_whoosh(live, compiler, q):
    ours, theirs, _ = both(live, compiler, q)
    assert sorted(ours) == sorted(theirs)


def bm25f_by_hand(view, reader, word: OneWord) -> dict[int, float]:
    """One word's BM25F from the reader's postings and field lengths (single terms, and
    readings of one piece: the frequencies of its terms added)."""
    n = reader.doc_count_all()
    tf: dict[int, float] = {}
    for leaf in word.children:
        if isinstance(leaf, Seq):
            assert len(leaf.terms) == 1
            terms = leaf.terms
        else:
            assert isinstance(leaf, Spelled) and len(leaf.options) == 1
            terms = leaf.options[0]
        b = engine_module.B[leaf.field]
        average = reader.field_length(leaf.field) / reader.doc_count()
        for term in terms:
            if (leaf.field, term) not in reader:
                continue
            for d, f in reader.postings(leaf.field, term).items_as("frequency"):
                length = reader.doc_field_length(d, leaf.field, 1)
                tf[d] = tf.get(d, 0.0) + leaf.boost * f / (1 - b + b * length / average)
    idf = math.log(1 + (n - len(tf) + 0.5) / (len(tf) + 0.5))
    k1 = engine_module.K1
    return {d: idf * t * (k1 + 1) / (k1 + t) for d, t in tf.items()}


@pytest.mark.parametrize(("q", "words"), [("介護", 1), ("コロナ", 1), ("title:介護", 1),
                                          ("介護 OR 福祉", 2), ("児童 OR 人材 OR 介護", 3),
                                          ("コロナ -児童", 1)])
def test_scores_are_bm25f_of_each_word(live, compiler, q, words):
    """Title and body frequencies are weighted and added before one saturation; the words of
    an OR add up; no proximity without two required words."""
    with live.lease() as (view, searcher):
        reader = searcher.reader()
        plan = compiler.compile(parse(q), reader, view.readings).plan
        ours = Engine(view, reader).run(plan)
        top = plan.base if isinstance(plan, Excluding) else plan
        positive = [top] if isinstance(top, OneWord) else list(top.children)
        assert len(positive) == words and all(isinstance(w, OneWord) for w in positive)
        expected: dict[int, float] = {}
        for w in positive:
            for d, s in bm25f_by_hand(view, reader, w).items():
                expected[d] = expected.get(d, 0.0) + s
        assert ours.keys() <= expected.keys()
        for d in ours:
            assert ours[d] == pytest.approx(expected[d], rel=1e-9)


def test_a_synonym_is_the_same_word_not_another(live, compiler):
    """厚労省 and 厚生労働省 are one word: a post holding both scores one saturated word, less
    than two words would."""
    with live.lease() as (view, searcher):
        reader = searcher.reader()
        plan = compiler.compile(parse("厚労省"), reader, view.readings).plan
        assert isinstance(plan, OneWord) and len(plan.children) > 2
        scores = Engine(view, reader).run(plan)
        ceiling = math.log(1 + (reader.doc_count_all() - len(scores) + 0.5)
                           / (len(scores) + 0.5)) * (engine_module.K1 + 1)
        assert scores and all(0 < s < ceiling for s in scores.values())


VOCABULARY = ["介護", "福祉", "コロナ", "児童", "人材", "保育士", "生活保護基準", "生涯活躍のまち",
              "わじま", "厚労省", "認知症", "category:子ども", "title:推進", "東京", "基準", "まち"]


@hsettings(max_examples=120, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["", "-", "OR "]), st.sampled_from(VOCABULARY)),
                min_size=1, max_size=5),
       st.booleans())
def test_random_queries_agree_with_whoosh(live, compiler, parts, grouped):
    q = " ".join(op + word for op, word in parts)
    if grouped:
        q = f"({q}) 推進 OR 介護"
    ours, theirs, _ = both(live, compiler, q)
    assert sorted(ours) == sorted(theirs)


def test_compounds_inside_longer_compounds_are_found(tmp_path):
    """輪島市 inside 石川県輪島市 (one unit): no 輪島市 term there, but its parts 輪島/市 at
    consecutive positions; 輪島 then 市場 is not a match."""
    posts = [Post(id=f"p{i}", title="t", date=dt.date(2020, 1, 1), category="c",
                  url="https://example.jp/", body=body)
             for i, body in enumerate(["石川県輪島市の取組。", "輪島市の取組。", "輪島の市場。"])]
    build_index(tmp_path, posts)
    settings = Settings(index_dir=tmp_path)
    live = LiveIndex(tmp_path)
    try:
        compiler = QueryCompiler(settings, Synonyms())
        with live.lease() as (view, searcher):
            plan = compiler.compile(parse("輪島市"), searcher.reader(), view.readings).plan
            found = sorted(view.ids[d] for d in Engine(view, searcher.reader()).run(plan))
            assert found == ["p0", "p1"]
            assert list(read_postings(searcher.reader(), "body", "輪島市").ids) == [1]
    finally:
        live.close()


@pytest.mark.parametrize(("q", "expected"), [
    ("生活保護基準", ["kijun"]),  # holding the compound 生活保護 proves nothing about 基準
    ("生活保護", ["kijun", "seiho", "tokyo"]),
    ("輪島市", ["wajima"]),
    ("東京都", ["tokyo"]),
])
def test_a_compound_proves_only_its_own_phrase(tmp_path, q, expected):
    bodies = {"seiho": "生活保護と別の基準を改める。", "kijun": "生活保護基準の検証。",
              "tokyo": "東京都の生活保護。", "wajima": "石川県輪島市の取組。"}
    build_index(tmp_path, [Post(id=k, title="t", date=dt.date(2020, 1, 1), category="c",
                                url="https://example.jp/", body=v) for k, v in bodies.items()])
    live = LiveIndex(tmp_path)
    try:
        compiler = QueryCompiler(Settings(index_dir=tmp_path), Synonyms())
        with live.lease() as (view, searcher):
            plan = compiler.compile(parse(q), searcher.reader(), view.readings).plan
            ours = sorted(view.ids[d] for d in Engine(view, searcher.reader()).run(plan))
            theirs = sorted(view.ids[d] for d in whoosh_scores(searcher, to_whoosh(plan)))
        assert ours == theirs == expected
    finally:
        live.close()


def plan_nodes(plan, kind) -> set[str]:
    """The fields of every ``kind`` node of a plan (plans are nested frozen dataclasses)."""
    if isinstance(plan, kind):
        return {plan.field}
    found: set[str] = set()
    for f in dataclasses.fields(plan):
        value = getattr(plan, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if dataclasses.is_dataclass(item):
                found |= plan_nodes(item, kind)
    return found


@pytest.mark.parametrize(("q", "analysed", "spelled"), [
    # Sudachi reads せんきょ as せ (為る) plus dropped pieces, and no post holds a term read
    # センキョ.
    ("せんきょ", set(), set()),
    # わ/じ/まし: only the readings are searched (ワジマシ: 輪島市, or ワジマ + シ).
    ("わじまし", set(), {"body", "title"}),
    ("こども", {"body", "title"}, {"body", "title"}),
])
def test_nonsense_analysis_of_kana_searches_readings_only(live, compiler, q, analysed, spelled):
    with live.lease() as (view, searcher):
        plan = compiler.compile(parse(q), searcher.reader(), view.readings).plan
    assert (plan_nodes(plan, Seq) if plan else set()) == analysed
    assert (plan_nodes(plan, Spelled) if plan else set()) == spelled


def test_a_reading_stands_for_the_terms_read_that_way(live, compiler):
    with live.lease() as (view, searcher):
        plan = compiler.compile(parse("わじまし"), searcher.reader(), view.readings).plan
    # The fewest pieces whose terms the field holds: a title holds 輪島市 itself, and 輪島 then
    # 市 (or 士: 保育士); in the bodies 輪島市 is only ever inside 石川県輪島市. Weights:
    # reading_boost 0.5, times title_boost 10.0 on the title.
    assert plan.children == (Spelled("title", (("輪島市",),), 5.0),
                             Spelled("title", (("輪島",), ("士", "市")), 5.0),
                             Spelled("body", (("輪島",), ("士", "市")), 0.5))
