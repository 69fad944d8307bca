"""The plan evaluator against Whoosh itself: the same plans, run through Whoosh's own matchers
(``to_whoosh``), must find the same documents; plans without phrases must score the same."""

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from search import Post, Settings, Synonyms
from search.backends.whoosh.live import LiveIndex
from search.backends.whoosh.engine import Engine, read_postings
from search.plan import QueryCompiler, Seq, Spelled
from tests.search.whoosh_reference import to_whoosh
from search.query import parse
from tests.fixtures.index import build_index


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


def both(live, compiler, q):
    with live.lease() as (view, searcher):
        plan = compiler.compile(parse(q), searcher.reader(), view.readings).plan
        ours = Engine(view, searcher.reader()).run(plan)
        theirs = whoosh_scores(searcher, to_whoosh(plan))
        ids = view.ids
        return ({ids[d]: s for d, s in ours.items()}, {ids[d]: s for d, s in theirs.items()},
                plan)


def has_phrase(plan) -> bool:
    if isinstance(plan, Seq):
        return len(plan.terms) > 1
    return any(has_phrase(c) for c in getattr(plan, "children", ())) or any(
        has_phrase(getattr(plan, a)) for a in ("core", "base", "excluded") if hasattr(plan, a)) or \
        any(has_phrase(b) for b in getattr(plan, "bonus", ()))


QUERIES = ["介護", "福祉", "コロナ", "生活保護基準", "生活 保護 基準", "厚労省", "わじまし", "わじま",
           "東京都", "付属", "KPI", "介護 OR 福祉", "コロナ -児童", "(コロナ OR 介護) -(児童 OR 人材)",
           "-コロナ", "title:保育士", "category:介護 認知症", "「生涯活躍のまち」", "遠隔医療",
           "保育士 OR 児童 OR 人材", "𠮷田町", "かいご", "NOT 介護 NOT 福祉"]


@pytest.mark.parametrize("q", QUERIES)
def test_same_documents_as_whoosh(live, compiler, q):
    ours, theirs, _ = both(live, compiler, q)
    assert sorted(ours) == sorted(theirs)


@pytest.mark.parametrize("q", ["介護", "福祉", "コロナ", "介護 OR 福祉", "児童 OR 人材 OR 介護",
                               "コロナ -児童", "title:介護", "児童 東京"])
def test_same_scores_as_whoosh_without_phrases(live, compiler, q):
    ours, theirs, plan = both(live, compiler, q)
    assert not has_phrase(plan)
    assert ours.keys() == theirs.keys()
    for key in ours:
        assert ours[key] == pytest.approx(theirs[key], rel=1e-9)


VOCABULARY = ["介護", "福祉", "コロナ", "児童", "人材", "保育士", "生活保護基準", "生涯活躍のまち",
              "わじま", "厚労省", "認知症", "category:子ども", "title:推進", "東京", "基準", "まち"]


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
    # Sudachi reads せんきょ as せ (為る) plus dropped pieces, and no post holds a term read センキョ.
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
    # reading_boost 0.5, times title_boost 3.0 on the title.
    assert plan.children == (Spelled("title", (("輪島市",),), 1.5),
                             Spelled("title", (("輪島",), ("士", "市")), 1.5),
                             Spelled("body", (("輪島",), ("士", "市")), 0.5))
