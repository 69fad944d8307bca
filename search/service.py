"""SearchService: queries, filters, facets, sorting, paging and snippets over the live index.

One service per process; it is thread-safe (each call takes its own snapshot of the backend, see
:mod:`search.backend`) and always answers from the newest published generation::

    svc = SearchService(settings)
    svc.search(SearchRequest(q="介護 人材"))   # the JSON contract of GET /api/search
    svc.post("kaigo-jinzai")                    # one whole post, or None
    svc.close()

How a search runs: the query string is parsed (:mod:`search.query`) and compiled into a plan
(:mod:`search.plan`) against the snapshot's terms and reading lexicon; the backend evaluates the
plan, applies the filters, counts the facets and returns one page of stored posts
(:meth:`search.backend.Snapshot.search`; the multi-select facet rules and the orders are in
:mod:`search.backend`); the hits get snippets (:mod:`search.snippets`), from the backend's term
offsets when it keeps them, else from the stored text. Which backend: ``Settings.backend``.

When no post holds every word of the query, the answer holds the posts with the most of them
(:class:`~search.plan.Partial`, :attr:`search.backend.SearchPage.match`): ``match`` is then
``"partial"`` and each hit lists the words it lacks in ``missing``; otherwise ``match`` is
``"all"`` and hits have no ``missing``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from functools import cached_property
from typing import cast

from .backend import (
    Backend,
    Facets,
    Filters,
    IndexUnavailable,
    Order,
    SearchQuery,
    Snapshot,
    StoredPost,
    create_backend,
)
from .config import Settings
from .contract import (
    Archives,
    DidYouMean,
    FacetValue,
    HighlightedPost,
    Hit,
    Post,
    PostBrief,
    RelatedPost,
    SearchResponse,
)
from .contract import Facets as FacetsDict
from .didyoumean import FEW, KnownWords, known_words, propose
from .plan import CompiledQuery, Everything, Plan, QueryCompiler
from .query import parse
from .readings import ReadingLexicon
from .related import related_plan, telling_terms
from .request import QueryError, SearchRequest
from .snippets import mark_html, match_spans, snippet, text_term_chars
from .suggest import SUGGEST_NAME, Suggestion, SuggestLexicon
from .synonyms import Synonyms

__all__ = ["IndexUnavailable", "QueryError", "SearchRequest", "SearchService"]

FACETS = ("category", "year", "month", "fiscal_year")


class SearchService:
    """Searches the live index of ``settings.backend``; opened lazily, thread-safe."""

    def __init__(
        self,
        settings: Settings | None = None,
        check_interval: float = 0.25,
        backend: Backend | None = None,
    ) -> None:
        self.settings = settings or Settings()
        chosen: object = backend
        if backend is None:
            if self.settings.backend == "whoosh":
                # Imported here: the check interval is the Whoosh backend's own knob.
                from .backends.whoosh import WhooshBackend

                chosen = WhooshBackend(self.settings, check_interval=check_interval)
            else:
                chosen = create_backend(self.settings)
        # A cast: mypy does not match @contextmanager's return type against the protocol's
        # AbstractContextManager, though both backends' snapshot() is one.
        self.backend = cast(Backend, chosen)
        self._synonyms: Synonyms | None = None
        self._compiler: QueryCompiler | None = None
        self._lock = threading.Lock()
        self._archives: tuple[str, dict] | None = None
        # The JSON form of the last facets, by identity: a backend hands out the same Facets
        # object again for a repeated answer (Whoosh: browsing everything), so it is made once.
        self._facets_json: tuple[Facets, FacetsDict] | None = None
        self._words_cache: _Words | None = None

    @property
    def compiler(self) -> QueryCompiler:
        if self._compiler is None:
            with self._lock:
                if self._compiler is None:
                    self._synonyms = Synonyms.load(list(self.settings.synonym_files))
                    self._compiler = QueryCompiler(self.settings, self._synonyms)
        return self._compiler

    def close(self) -> None:
        self.backend.close()

    def forget_results(self) -> None:
        """Drop the backend's cached term and phrase results (for cold timings)."""
        self.backend.forget()

    # --- search ---------------------------------------------------------------------------

    def search(self, req: SearchRequest, did_you_mean: bool = True) -> SearchResponse:
        """Hits, total and facets for ``req`` (see docs/search.md for the contract), and a
        query to propose when it finds little (:mod:`search.didyoumean`; not looked for with
        ``did_you_mean=False``).

        Raises :class:`QueryError` for a query it refuses and :class:`IndexUnavailable` when
        there is no index yet (or the backend cannot be reached).
        """
        started = time.perf_counter()
        tree = parse(req.q) if req.q.strip() else None
        browse = not req.q.strip()
        filters = Filters(tuple(req.categories), req.date_from, req.date_to)
        with self.backend.snapshot() as snap:
            plan: Plan | None
            if browse:
                compiled = CompiledQuery(None)
                plan = Everything()
            else:
                compiled = self.compiler.compile(tree, snap.lexicon, snap.readings)
                plan = compiled.plan
            page = snap.search(
                SearchQuery(
                    plan,
                    filters,
                    Order(req.effective_sort),
                    (req.page - 1) * req.per_page,
                    req.per_page,
                )
            )
            posts = [hit.post for hit in page.hits]
            spans = self._spans(snap, posts, compiled)
        empty: dict[str, list] = {"title": [], "body": []}
        hits: list[Hit] = []
        for hit in page.hits:
            post = hit.post
            doc_spans = spans.get(post.ref, empty)
            hits.append(
                {
                    "id": post.id,
                    "title": post.title,
                    "title_html": mark_html(post.title, doc_spans["title"]),
                    "date": post.date,
                    "category": post.category,
                    "url": post.url,
                    "snippet": snippet(post.body, doc_spans["body"]),
                    "score": round(hit.score, 6),
                }
            )
            if page.match == "partial":
                hits[-1]["missing"] = list(hit.missing)
        # A partial answer found no post with every word: a close query that does is worth
        # proposing (ケアシステン 地域包括 -> ケアシステム 地域包括).
        whole = page.total if page.match == "all" else 0
        proposal = (
            self._did_you_mean(req, whole) if did_you_mean and not browse and whole <= FEW else None
        )
        return {
            "query": req.q,
            "total": page.total,
            "page": req.page,
            "per_page": req.per_page,
            "took_ms": round((time.perf_counter() - started) * 1000, 3),
            "match": page.match,
            "hits": hits,
            "facets": self._facets_dict(page.facets),
            "did_you_mean": DidYouMean(q=proposal[0], total=proposal[1]) if proposal else None,
        }

    def _did_you_mean(self, req: SearchRequest, total: int) -> tuple[str, int] | None:
        with self.backend.snapshot() as snap:
            known = self._words(snap).known

        def count(q: str) -> int:
            """Posts holding every word of ``q`` (none when its answer is partial)."""
            try:
                found = self.search(
                    dataclasses.replace(req, q=q, page=1, per_page=1), did_you_mean=False
                )
            except QueryError:
                return 0
            return found["total"] if found["match"] == "all" else 0

        return propose(req.q, total, known, count)

    def _words(self, snap: Snapshot) -> _Words:
        """The snapshot's suggestion lexicon (its generation's ``suggest.json``), made once per
        generation."""
        words = self._words_cache
        if words is None or words.generation != snap.generation:
            lexicon = SuggestLexicon.parse(snap.read_file(SUGGEST_NAME)) or SuggestLexicon()
            words = self._words_cache = _Words(snap.generation, lexicon, snap.readings)
        return words

    def _facets_dict(self, facets: Facets) -> FacetsDict:
        known = self._facets_json
        if known is not None and known[0] is facets:
            return known[1]
        data = _facets_dict(facets)
        self._facets_json = (facets, data)
        return data

    @staticmethod
    def _spans(snap, posts: list[StoredPost], compiled: CompiledQuery) -> dict:
        """Match spans of the query in the posts' title and body: from the backend's term
        offsets when it keeps them, else found again in the stored text (the same spans)."""
        if not compiled.marks or not posts:
            return {}
        if snap.has_offsets:
            term_chars = snap.term_chars
        else:
            term_chars = text_term_chars(posts)
        return match_spans(term_chars, [p.ref for p in posts], compiled.marks)

    # --- single posts ---------------------------------------------------------------------

    def post(self, post_id: str) -> Post | None:
        """The whole post ``{"id","title","date","category","url","tags","body"}``, or None."""
        with self.backend.snapshot() as snap:
            found = snap.post(post_id)
        return None if found is None else _post_dict(found)

    def neighbours(self, post_id: str) -> tuple[PostBrief | None, PostBrief | None]:
        """The posts just before (older) and after (newer) ``post_id`` in date order (ties by
        id); ``(None, None)`` for an unknown id."""
        with self.backend.snapshot() as snap:
            pair = snap.neighbours(post_id)
        return tuple(
            None if b is None else {"id": b.id, "title": b.title, "date": b.date} for b in pair
        )  # type: ignore[return-value]

    def related(self, post_id: str, limit: int = 5) -> list[RelatedPost] | None:
        """Up to ``limit`` posts like ``post_id`` (:mod:`search.related`), best first, ties newer
        first: ``{"id","title","date","category","url","score"}`` each; None for an unknown id."""
        with self.backend.snapshot() as snap:
            post = snap.post(post_id)
            if post is None:
                return None
            lexicon = snap.lexicon
            prefetch = getattr(lexicon, "prefetch", None)  # a cluster asks in batches

            def prefetch_both(terms) -> None:
                if prefetch is not None:
                    terms = list(terms)
                    prefetch("title", terms)
                    prefetch("body", terms)

            def doc_frequency(term: str) -> int:
                return max(
                    lexicon.doc_frequency("title", term), lexicon.doc_frequency("body", term)
                )

            posts = snap.search(SearchQuery(Everything(), Filters(), Order.DATE_DESC, 0, 0)).total
            terms = telling_terms(
                post.title, post.body, doc_frequency, posts, prefetch=prefetch_both
            )
            plan = related_plan(terms, self.settings.title_boost)
            if plan is None:
                return []
            # One more than asked for: the post itself is the best match of its own terms.
            page = snap.search(SearchQuery(plan, Filters(), Order.RELEVANCE, 0, limit + 1))
        return [
            RelatedPost(
                id=h.post.id,
                title=h.post.title,
                date=h.post.date,
                category=h.post.category,
                url=h.post.url,
                score=round(h.score, 6),
            )
            for h in page.hits
            if h.post.id != post_id
        ][:limit]

    def highlight_post(self, post_id: str, q: str) -> HighlightedPost | None:
        """The whole post's title and body HTML-escaped, the query's matches in ``<mark>``
        (``{"title_html", "body_html"}``), or None for an unknown id. A query that does not
        parse into anything (or is refused) marks nothing."""
        try:
            tree = parse(q) if q.strip() else None
        except QueryError:
            tree = None
        with self.backend.snapshot() as snap:
            post = snap.post(post_id)
            if post is None:
                return None
            compiled = (
                self.compiler.compile(tree, snap.lexicon, snap.readings)
                if tree
                else CompiledQuery(None)
            )
            spans = self._spans(snap, [post], compiled).get(post.ref) or {"title": [], "body": []}
        return {
            "title_html": mark_html(post.title, spans["title"]),
            "body_html": mark_html(post.body, spans["body"]),
        }

    # --- suggestions -----------------------------------------------------------------------

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Words and compounds starting with ``prefix`` (on their surface or, for kana, their
        reading), most posts first (:mod:`search.suggest`)."""
        with self.backend.snapshot() as snap:
            return self._words(snap).lexicon.suggest(prefix, limit)

    # --- browsing -------------------------------------------------------------------------

    def archives(self) -> Archives:
        """Counts over every post: months and years (newest first), categories (most posts
        first), and the total."""
        with self.backend.snapshot() as snap:
            cached = self._archives
            if cached is None or cached[0] != snap.generation:
                page = snap.search(SearchQuery(Everything(), Filters(), Order.DATE_DESC, 0, 0))
                facets = _facets_dict(page.facets)
                cached = (
                    snap.generation,
                    {
                        "months": facets["month"],
                        "years": facets["year"],
                        "categories": facets["category"],
                        "total": page.total,
                    },
                )
                self._archives = cached
        data = cached[1]
        return Archives(
            months=list(data["months"]),
            years=list(data["years"]),
            categories=list(data["categories"]),
            total=data["total"],
        )


class _Words:
    """A generation's suggestion lexicon, and the known words did-you-mean compares against
    (made from it and the reading lexicon on first use)."""

    def __init__(self, generation: str, lexicon: SuggestLexicon, readings: ReadingLexicon) -> None:
        self.generation = generation
        self.lexicon = lexicon
        self._readings = readings

    @cached_property
    def known(self) -> KnownWords:
        return known_words(self.lexicon, self._readings)


def _post_dict(post: StoredPost) -> Post:
    return {
        "id": post.id,
        "title": post.title,
        "date": post.date,
        "category": post.category,
        "url": post.url,
        "tags": list(post.tags),
        "body": post.body,
    }


def _facets_dict(facets: Facets) -> FacetsDict:
    """The facets as the JSON contract has them."""

    def values(counts) -> list[FacetValue]:
        return [{"value": f.value, "count": f.count} for f in counts]

    return {
        "category": values(facets.category),
        "year": values(facets.year),
        "month": values(facets.month),
        "fiscal_year": values(facets.fiscal_year),
    }
