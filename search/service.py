"""SearchService: queries, filters, facets, sorting, paging and snippets over the live index.

One service per process; it is thread-safe (each call leases its own searcher, see
:mod:`search.live`) and always answers from the newest published generation::

    svc = SearchService(settings)
    svc.search(SearchRequest(q="介護 人材"))   # the JSON contract of GET /api/search
    svc.post("kaigo-jinzai")                    # one whole post, or None
    svc.close()

How a search runs: the query string is parsed (:mod:`search.query`) and compiled into a plan
(:mod:`search.plan`), the plan is evaluated on posting lists (:mod:`search.engine`) into the
scores of every matching post, and the per-document arrays of the generation give the facet
counts and the date order; only the page's hits are loaded and get snippets
(:mod:`search.snippets`). Multi-select facets: category counts ignore the category
filter but respect ``from``/``to``; year, month and fiscal-year counts ignore the dates but
respect the category filter. Relevance ties are broken by the newer date.
"""

from __future__ import annotations

import dataclasses
import heapq
import threading
import time
from collections import Counter
from operator import itemgetter

from .config import Settings
from .didyoumean import FEW, known_words, propose
from .engine import Engine
from .live import IndexUnavailable, IndexView, LiveIndex
from .plan import CompiledQuery, QueryCompiler
from .query import parse
from .request import QueryError, SearchRequest
from .snippets import mark_html, match_spans, snippet
from .related import related_plan, telling_terms
from .suggest import SuggestLexicon, Suggestion
from .synonyms import Synonyms

__all__ = ["IndexUnavailable", "QueryError", "SearchRequest", "SearchService"]

FACETS = ("category", "year", "month", "fiscal_year")


class SearchService:
    """Searches the live index under ``settings.index_dir``; opened lazily, thread-safe."""

    def __init__(self, settings: Settings | None = None, check_interval: float = 0.25) -> None:
        self.settings = settings or Settings()
        self._live = LiveIndex(self.settings.index_dir, check_interval=check_interval)
        self._synonyms: Synonyms | None = None
        self._compiler: QueryCompiler | None = None
        self._lock = threading.Lock()

    @property
    def compiler(self) -> QueryCompiler:
        if self._compiler is None:
            with self._lock:
                if self._compiler is None:
                    self._synonyms = Synonyms.load(list(self.settings.synonym_files))
                    self._compiler = QueryCompiler(self.settings, self._synonyms)
        return self._compiler

    def close(self) -> None:
        self._live.close()

    def forget_results(self) -> None:
        """Drop the per-generation cache of term and phrase results (for cold timings)."""
        self._live.forget()

    # --- search ---------------------------------------------------------------------------

    def search(self, req: SearchRequest, did_you_mean: bool = True) -> dict:
        """Hits, total and facets for ``req`` (see docs/search.md for the contract), and a
        query to propose when it finds little (:mod:`search.didyoumean`; not looked for with
        ``did_you_mean=False``).

        Raises :class:`QueryError` for a query it refuses and :class:`IndexUnavailable` when
        there is no index yet.
        """
        started = time.perf_counter()
        tree = parse(req.q) if req.q.strip() else None
        browse = not req.q.strip()
        with self._live.lease() as (view, searcher):
            engine = Engine(view, searcher.reader())
            if browse:
                compiled = CompiledQuery(None)
                matched, scores = view.live, None
            else:
                compiled = self.compiler.compile(tree, engine.reader, view.readings)
                scores = engine.run(compiled.plan) if compiled.plan is not None else {}
                matched = list(scores)
            passing, facets = _facets(view, matched, req)
            total = len(passing)
            order = req.effective_sort
            start = (req.page - 1) * req.per_page
            wanted = start + req.per_page
            page_docs = _page(view, passing, scores if order == "relevance" else None,
                              order == "date_asc", start, wanted)
            hits = self._hits(engine, page_docs, compiled,
                              scores if order == "relevance" else None)
        proposal = self._did_you_mean(req, total) if did_you_mean and not browse and total <= FEW \
            else None
        return {
            "query": req.q,
            "total": total,
            "page": req.page,
            "per_page": req.per_page,
            "took_ms": round((time.perf_counter() - started) * 1000, 3),
            "hits": hits,
            "facets": facets,
            "did_you_mean": {"q": proposal[0], "total": proposal[1]} if proposal else None,
        }

    def _did_you_mean(self, req: SearchRequest, total: int) -> tuple[str, int] | None:
        with self._live.lease() as (view, _):
            known = view.cache.get("known_words")
            if known is None:
                known = view.cache["known_words"] = known_words(self._suggestions(view), view.readings)

        def count(q: str) -> int:
            try:
                return self.search(dataclasses.replace(req, q=q, page=1, per_page=1),
                                   did_you_mean=False)["total"]
            except QueryError:
                return 0

        return propose(req.q, total, known, count)

    @staticmethod
    def _suggestions(view: IndexView) -> SuggestLexicon:
        lexicon = view.cache.get("suggest")
        if lexicon is None:
            lexicon = view.cache["suggest"] = SuggestLexicon.load(view.directory)
        return lexicon

    def _hits(self, engine: Engine, docnums: list[int], compiled: CompiledQuery,
              scores: dict[int, float] | None) -> list[dict]:
        reader = engine.reader
        spans = match_spans(engine.term_chars, docnums, compiled.marks) if compiled.marks else {}
        hits = []
        empty: dict[str, list] = {"title": [], "body": []}
        for d in docnums:
            fields = reader.stored_fields(d)
            doc_spans = spans.get(d, empty)
            hits.append({
                "id": fields["id"],
                "title": fields["title"],
                "title_html": mark_html(fields["title"], doc_spans["title"]),
                "date": fields["date"],
                "category": fields["category"],
                "url": fields.get("url", ""),
                "snippet": snippet(fields.get("body", ""), doc_spans["body"]),
                "score": round(scores.get(d, 0.0), 6) if scores else 0.0,
            })
        return hits

    # --- single posts ---------------------------------------------------------------------

    def post(self, post_id: str) -> dict | None:
        """The whole post ``{"id","title","date","category","url","tags","body"}``, or None."""
        with self._live.lease() as (view, searcher):
            d = view.docnum_by_id.get(post_id)
            if d is None:
                return None
            return _post_dict(searcher.reader().stored_fields(d))

    def neighbours(self, post_id: str) -> tuple[dict | None, dict | None]:
        """The posts just before (older) and after (newer) ``post_id`` in date order (ties by
        id); ``(None, None)`` for an unknown id."""
        with self._live.lease() as (view, searcher):
            order = view.date_order
            d = view.docnum_by_id.get(post_id)
            if d is None:
                return None, None
            i = view.date_rank[d]
            reader = searcher.reader()

            def brief(k: int) -> dict | None:
                if not 0 <= k < len(order):
                    return None
                fields = reader.stored_fields(order[k])
                return {"id": fields["id"], "title": fields["title"], "date": fields["date"]}

            return brief(i - 1), brief(i + 1)

    def related(self, post_id: str, limit: int = 5) -> list[dict] | None:
        """Up to ``limit`` posts like ``post_id`` (:mod:`search.related`), best first, ties newer
        first: ``{"id","title","date","category","url","score"}`` each; None for an unknown id."""
        with self._live.lease() as (view, searcher):
            d = view.docnum_by_id.get(post_id)
            if d is None:
                return None
            reader = searcher.reader()
            engine = Engine(view, reader)
            fields = reader.stored_fields(d)

            def doc_frequency(term: str) -> int:
                return max(reader.doc_frequency("title", term), reader.doc_frequency("body", term))

            terms = telling_terms(fields["title"], fields.get("body", ""), doc_frequency,
                                  len(view.live))
            plan = related_plan(terms, self.settings.title_boost)
            scores = dict(engine.run(plan)) if plan is not None else {}
            scores.pop(d, None)
            rank = view.date_rank
            best = heapq.nlargest(limit, scores, key=lambda k: (round(scores[k], 9), rank[k]))
            out = []
            for k in best:
                f = reader.stored_fields(k)
                out.append({"id": f["id"], "title": f["title"], "date": f["date"],
                            "category": f["category"], "url": f.get("url", ""),
                            "score": round(scores[k], 6)})
            return out

    def highlight_post(self, post_id: str, q: str) -> dict | None:
        """The whole post's title and body HTML-escaped, the query's matches in ``<mark>``
        (``{"title_html", "body_html"}``), or None for an unknown id. A query that does not
        parse into anything (or is refused) marks nothing."""
        try:
            tree = parse(q) if q.strip() else None
        except QueryError:
            tree = None
        with self._live.lease() as (view, searcher):
            d = view.docnum_by_id.get(post_id)
            if d is None:
                return None
            engine = Engine(view, searcher.reader())
            compiled = self.compiler.compile(tree, engine.reader, view.readings) if tree else CompiledQuery(None)
            spans = match_spans(engine.term_chars, [d], compiled.marks)[d] if compiled.marks \
                else {"title": [], "body": []}
            fields = engine.reader.stored_fields(d)
            return {"title_html": mark_html(fields["title"], spans["title"]),
                    "body_html": mark_html(fields.get("body", ""), spans["body"])}

    # --- suggestions -----------------------------------------------------------------------

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Words and compounds starting with ``prefix`` (on their surface or, for kana, their
        reading), most posts first (:mod:`search.suggest`)."""
        with self._live.lease() as (view, _):
            return self._suggestions(view).suggest(prefix, limit)

    # --- browsing -------------------------------------------------------------------------

    def archives(self) -> dict:
        """Counts over every post: months and years (newest first), categories (most posts
        first), and the total."""
        with self._live.lease() as (view, _):
            cached = view.cache.get("archives")
            if cached is None:
                _, facets = _facets(view, view.live, SearchRequest())
                cached = {"months": facets["month"], "years": facets["year"],
                          "categories": facets["category"], "total": len(view.live)}
                view.cache["archives"] = cached
            return {k: (list(v) if isinstance(v, list) else v) for k, v in cached.items()}


def _page(view: IndexView, passing: list[int], scores: dict[int, float] | None,
          ascending: bool, start: int, end: int) -> list[int]:
    """Documents ``start:end`` of ``passing`` by score (ties: newer first), or by date."""
    rank = view.date_rank
    if scores:
        top = heapq.nlargest(end, passing, key=lambda d: (scores[d], rank[d]))
        return top[start:end]
    if passing is view.live:  # browsing everything: the order is known
        ordered, n = view.date_order, len(view.date_order)
        if ascending:
            return ordered[start:end]
        return ordered[max(0, n - end):max(0, n - start)][::-1]
    pick = heapq.nsmallest if ascending else heapq.nlargest
    return pick(end, passing, key=rank.__getitem__)[start:end]


def _post_dict(fields: dict) -> dict:
    tags = fields.get("tags") or ""
    return {"id": fields["id"], "title": fields["title"], "date": fields["date"],
            "category": fields["category"], "url": fields.get("url", ""),
            "tags": [t for t in tags.split(",") if t], "body": fields.get("body", "")}


def _facets(view: IndexView, matched: list[int], req: SearchRequest
            ) -> tuple[list[int], dict[str, list[dict]]]:
    """The documents passing the filters, and the multi-select facet counts of ``matched``."""
    cats, dates = view.categories, view.dates
    selected = set(req.categories)
    lo = req.date_from.isoformat() if req.date_from else None
    hi = req.date_to.isoformat() if req.date_to else None
    if not selected and lo is None and hi is None:
        passing = matched
        if matched is view.live and "browse_facets" in view.cache:
            return passing, view.cache["browse_facets"]
        if matched:
            getter = itemgetter(*matched)
            many = len(matched) > 1
            cat_counts = Counter(getter(cats) if many else [getter(cats)])
            date_counts = Counter(getter(dates) if many else [getter(dates)])
        else:
            cat_counts, date_counts = Counter(), Counter()
    else:
        passing, cat_counts, date_counts = [], Counter(), Counter()
        for d in matched:
            c = cats[d]
            ds = dates[d]
            in_cat = not selected or c in selected
            in_dates = (lo is None or ds >= lo) and (hi is None or ds <= hi)
            if in_dates:
                cat_counts[c] += 1
            if in_cat:
                date_counts[ds] += 1
                if in_dates:
                    passing.append(d)
    years: Counter = Counter()
    months: Counter = Counter()
    fiscal: Counter = Counter()
    for date, n in date_counts.items():
        years[date[:4]] += n
        months[view.month_of_date[date]] += n
        fiscal[view.fiscal_of_date[date]] += n
    facets = {
        "category": [{"value": v, "count": n}
                     for v, n in sorted(cat_counts.items(), key=lambda kv: (-kv[1], kv[0]))],
        "year": _newest_first(years),
        "month": _newest_first(months),
        "fiscal_year": _newest_first(fiscal),
    }
    if matched is view.live and not selected and lo is None and hi is None:
        view.cache["browse_facets"] = facets
    return passing, facets


def _newest_first(counts: Counter) -> list[dict]:
    return [{"value": v, "count": n} for v, n in sorted(counts.items(), reverse=True)]
