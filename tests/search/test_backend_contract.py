"""The contract of :mod:`search.backend`, checked at the seam on every backend (fixture
``backend``): filters, multi-select facets, orders and pages, stored posts, neighbours, term
offsets against the stored text, and the write side (rebuild, update, delete, files)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from search import (Post, SearchRequest, SearchService, Settings, Synonyms, create_backend,
                    fiscal_year)
from search.backend import (Facets, FacetCount, Filters, IndexUnavailable, Order, PostBrief,
                            Rejected, SearchQuery)
from search.plan import Everything, InCategory, QueryCompiler
from search.query import parse
from search.snippets import match_spans, text_term_chars
from tests.fixtures.backends import BACKEND_SETUPS, publish_posts
from tests.fixtures.posts import FIXTURE_POSTS

D = dt.date.fromisoformat


@pytest.fixture
def snapshot(backend_settings):
    backend = create_backend(backend_settings)
    try:
        with backend.snapshot() as snap:
            yield snap
    finally:
        backend.close()


def expected_facets(posts: list[Post], filters: Filters) -> tuple[list[str], Facets]:
    """The multi-select rules, computed directly: ids passing both filters, category counts
    over the date filter only, date counts over the category filter only."""
    def in_cat(p: Post) -> bool:
        return not filters.categories or p.category in filters.categories

    def in_dates(p: Post) -> bool:
        return (filters.date_from is None or p.date >= filters.date_from) and (
            filters.date_to is None or p.date <= filters.date_to)

    cats = Counter(p.category for p in posts if in_dates(p))
    dated = [p for p in posts if in_cat(p)]
    years = Counter(f"{p.date.year:04d}" for p in dated)
    months = Counter(p.date.isoformat()[:7] for p in dated)
    fiscal = Counter(f"{fiscal_year(p.date):04d}" for p in dated)

    def newest(c: Counter) -> tuple[FacetCount, ...]:
        return tuple(FacetCount(v, n) for v, n in sorted(c.items(), reverse=True))

    facets = Facets(tuple(FacetCount(v, n) for v, n in sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))),
                    newest(years), newest(months), newest(fiscal))
    return sorted(p.id for p in posts if in_cat(p) and in_dates(p)), facets


FILTERS = [
    Filters(),
    Filters(categories=("子ども",)),
    Filters(categories=("子ども", "介護")),
    Filters(date_from=D("2021-04-01")),
    Filters(date_to=D("2020-03-31")),
    Filters(categories=("子ども",), date_from=D("2021-04-01")),
    Filters(categories=("行政", "医療"), date_from=D("2020-01-01"), date_to=D("2021-12-31")),
    Filters(categories=("存在しない",)),
    Filters(date_from=D("2020-03-25"), date_to=D("2020-03-25")),  # both ends inclusive
]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_browsing_filters_and_facets(snapshot, filters):
    page = snapshot.search(SearchQuery(Everything(), filters, Order.DATE_DESC, 0, 100))
    ids, facets = expected_facets(FIXTURE_POSTS, filters)
    assert sorted(h.post.id for h in page.hits) == ids
    assert page.total == len(ids)
    assert page.facets == facets
    assert {h.score for h in page.hits} <= {0.0}


@pytest.mark.parametrize("filters", FILTERS[:4], ids=str)
def test_facets_of_a_plan(snapshot, filters):
    """A category plan matches a subset; the facets are of that subset."""
    page = snapshot.search(SearchQuery(InCategory("子ども"), filters, Order.DATE_ASC, 0, 100))
    ids, facets = expected_facets([p for p in FIXTURE_POSTS if p.category == "子ども"], filters)
    assert [h.post.id for h in page.hits] == [
        p.id for p in sorted(FIXTURE_POSTS, key=lambda p: (p.date, p.id)) if p.id in ids]
    assert page.facets == facets


@pytest.mark.parametrize(("order", "start", "size"), [
    (Order.DATE_DESC, 0, 5), (Order.DATE_DESC, 5, 5), (Order.DATE_ASC, 0, 7),
    (Order.DATE_ASC, 20, 10), (Order.DATE_DESC, 30, 5), (Order.RELEVANCE, 3, 4)])
def test_date_orders_and_pages(snapshot, order, start, size):
    oldest_first = [p.id for p in sorted(FIXTURE_POSTS, key=lambda p: (p.date, p.id))]
    expected = oldest_first if order is Order.DATE_ASC else oldest_first[::-1]  # browsing: newest first
    page = snapshot.search(SearchQuery(Everything(), Filters(), order, start, size))
    assert [h.post.id for h in page.hits] == expected[start:start + size]
    assert page.total == len(FIXTURE_POSTS)


def test_size_zero_gives_only_total_and_facets(snapshot):
    page = snapshot.search(SearchQuery(Everything(), Filters(), Order.DATE_DESC, 0, 0))
    assert (page.total, page.hits) == (len(FIXTURE_POSTS), ())
    assert sum(f.count for f in page.facets.category) == len(FIXTURE_POSTS)


def test_no_plan_matches_nothing(snapshot):
    page = snapshot.search(SearchQuery(None, Filters(), Order.RELEVANCE, 0, 20))
    assert (page.total, page.hits, page.facets) == (0, (), Facets())


def test_relevance_ties_go_to_the_newer_post(backend_settings, snapshot):
    compiler = QueryCompiler(backend_settings, Synonyms.load([]))
    plan = compiler.compile(parse("認知症"), snapshot.lexicon, snapshot.readings).plan
    page = snapshot.search(SearchQuery(plan, Filters(), Order.RELEVANCE, 0, 10))
    assert [h.post.id for h in page.hits] == ["ninchi-new", "ninchi-old"]
    assert page.hits[0].score == page.hits[1].score > 0


@pytest.mark.parametrize("post", FIXTURE_POSTS, ids=lambda p: p.id)
def test_stored_posts_come_back_as_written(snapshot, post):
    stored = snapshot.post(post.id)
    assert (stored.id, stored.title, stored.date, stored.category, stored.url, stored.tags,
            stored.body) == (post.id, post.title, post.date.isoformat(), post.category, post.url,
                             post.tags, post.body)


def test_unknown_posts(snapshot):
    assert snapshot.post("no-such-post") is None
    assert snapshot.neighbours("no-such-post") == (None, None)


def test_neighbours_in_date_order(snapshot):
    ordered = sorted(FIXTURE_POSTS, key=lambda p: (p.date, p.id))

    def brief(p):
        return PostBrief(p.id, p.title, p.date.isoformat())

    assert snapshot.neighbours(ordered[0].id) == (None, brief(ordered[1]))
    assert snapshot.neighbours(ordered[5].id) == (brief(ordered[4]), brief(ordered[6]))
    assert snapshot.neighbours(ordered[-1].id) == (brief(ordered[-2]), None)


def test_lexicon(snapshot):
    assert ("body", "介護") in snapshot.lexicon
    assert ("body", "存在しない語彙") not in snapshot.lexicon
    assert snapshot.lexicon.doc_frequency("title", "認知") == 2


@pytest.mark.parametrize("q", ["附属", "わじまし", "生涯活躍のまち", "東京都 OR 介護", "保育士",
                               "遠隔医療", "𠮷田町", "８０５０", "kpi", "学童保育"])
def test_stored_text_gives_the_same_spans_as_the_offsets(backend_settings, snapshot, q):
    """The snippets' fallback for a backend without offsets finds what the offsets say."""
    compiler = QueryCompiler(backend_settings, Synonyms.load(list(backend_settings.synonym_files)))
    compiled = compiler.compile(parse(q), snapshot.lexicon, snapshot.readings)
    page = snapshot.search(SearchQuery(compiled.plan, Filters(), Order.RELEVANCE, 0, 20))
    posts = [h.post for h in page.hits]
    assert posts
    from_text = match_spans(text_term_chars(posts), [p.ref for p in posts], compiled.marks)
    assert all(spans["title"] or spans["body"] for spans in from_text.values())
    if snapshot.has_offsets:
        assert match_spans(snapshot.term_chars, [p.ref for p in posts], compiled.marks) == from_text


# --- write side ------------------------------------------------------------------------------

def _post(post_id: str, body: str, date: str = "2024-04-01") -> Post:
    return Post(id=post_id, title=f"{post_id}の記事", date=D(date), category="行政",
                url=f"https://example.jp/{post_id}", body=body)


def _load(path):
    return Rejected(str(path), 3, "not a post")


def _ids(settings: Settings, q: str) -> list[str]:
    service = SearchService(settings, check_interval=0.0)
    try:
        return sorted(h["id"] for h in service.search(SearchRequest(q=q, per_page=100))["hits"])
    finally:
        service.close()


def test_write_side(request, backend, tmp_path):
    settings = BACKEND_SETUPS[backend](request, tmp_path / "state", tmp_path / "corpus")
    backend_ = create_backend(settings)
    try:
        assert backend_.live() is None
        with pytest.raises(IndexUnavailable):
            with backend_.snapshot():
                pass
        publish_posts(settings, [_post("a", "介護の話。"), _post("b", "保育の話。")])
        assert _ids(settings, "介護") == ["a"]
        assert backend_.stats().posts == 2

        # an update: a replaced post, a removed one, a new one, a rejected source, a file
        session = backend_.begin(rebuild=False)
        session.delete(["b", "never-there"])
        result = session.write([_post("a", "福祉の話。"), _post("c", "介護の話。"),
                                tmp_path / "bad.md"], _load)
        session.put_file("note.txt", b"kept")
        assert sorted(result.written) == ["a", "c"]
        assert result.written["a"].content_hash == _post("a", "福祉の話。").content_hash()
        assert result.rejected == [Rejected(str(tmp_path / "bad.md"), 3, "not a post")]
        # the written posts' words, for suggest.json: 福祉 is in a's body, 介護 in c's
        assert {w: n for w, n in result.words.counts.items() if w[0] in ("福祉", "介護")} == {
            ("福祉", "フクシ"): [1, 0], ("介護", "カイゴ"): [1, 0]}
        published = session.publish()
        assert published.posts == 2
        assert _ids(settings, "介護") == ["c"]
        assert _ids(settings, "福祉") == ["a"]
        assert _ids(settings, "保育") == []
        live = backend_.live()
        assert live.name == published.name
        assert live.read_file("note.txt") == b"kept"
        assert live.read_file("missing.txt") is None
        with backend_.snapshot() as snap:  # the reader's way to the same files
            assert snap.read_file("note.txt") == b"kept"
            assert snap.read_file("missing.txt") is None
        live.write_file("note.txt", b"changed")
        assert backend_.live().read_file("note.txt") == b"changed"
        assert live.content_hashes() == {"a": _post("a", "福祉の話。").content_hash(),
                                         "c": _post("c", "介護の話。").content_hash()}

        # an aborted rebuild leaves the live generation serving
        session = backend_.begin(rebuild=True)
        session.write([_post("z", "介護の話。")], _load)
        session.abort()
        session.abort()
        assert _ids(settings, "介護") == ["c"]
        assert backend_.live().name == published.name
        stats = backend_.stats()
        assert (stats.backend, stats.posts, stats.generation != "") == (backend, 2, True)
    finally:
        backend_.close()
