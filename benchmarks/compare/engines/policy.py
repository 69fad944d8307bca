"""policy-search itself: its indexer, its query compiler, its search service.

Two ways of querying one index:

* ``policy-search``: ``search.SearchService.search``, the JSON contract of ``GET /api/search``:
  the top hits with highlighted titles and snippets, the total, and the four facets counted over
  every matching post.
* ``policy-search (bare)``: the same compiled plan (``search.plan``: analysis, synonyms, kana
  readings, title weight) evaluated by the same ``search.engine.Engine``, then the top ``k`` ids;
  no facets, no snippets, no stored fields. It shows what the extras cost.

The service remembers term and phrase results per index generation. The harness clears that
memory before every timed query (:meth:`PolicySearch.before_query`), so the figures are for cold
queries, as the peers (which keep no result cache) are measured.
"""

from __future__ import annotations

import dataclasses
import heapq
import time
from pathlib import Path

from ..data import Doc, to_post
from .base import Engine, Search

FULL, BARE = "policy-search", "policy-search (bare)"


class PolicySearch(Engine):
    name = "policy-search"
    uses_sudachi = True
    description = ("policy-search: Sudachi analysis, synonyms, kana readings, BM25F; built by "
                   "`indexer.rebuild` from post files, queried through `search.SearchService`")

    def build(self, docs: list[Doc], directory: Path, shared: dict) -> dict[str, float]:
        """Post files first (what ``policy-search import`` leaves; not timed), then the timed
        ``indexer.rebuild``: read and parse the files, analyse, write, publish."""
        from indexer import rebuild
        from search import Settings

        corpus = directory / "corpus"
        write_post_files(docs, corpus)
        self._settings = Settings(index_dir=directory / "index", corpus_dir=corpus)
        start = time.perf_counter()
        summary = rebuild(self._settings)
        seconds = time.perf_counter() - start
        if summary.rejected or summary.posts != len(docs):
            raise RuntimeError(f"policy-search indexed {summary.posts} of {len(docs)} posts: "
                               f"{[str(p) for p in summary.problems[:3]]}")
        self._posts = len(docs)
        self._open()
        return {"index": seconds}

    def build_processes(self) -> int:
        """The indexer's worker processes for this many posts (its own default)."""
        from indexer.build import _workers

        return _workers(None, self._posts)

    def index_dir(self, directory: Path) -> Path:
        """The live generation: the index proper, without the post files beside it."""
        from search import IndexStore

        return IndexStore(directory / "index").live_dir()

    def _open(self) -> None:
        from search import SearchService, Synonyms
        from search.backends.whoosh.live import LiveIndex
        from search.plan import QueryCompiler

        self._service = SearchService(self._settings)
        self._live = LiveIndex(self._settings.index_dir)
        self._compiler = QueryCompiler(self._settings,
                                       Synonyms.load(list(self._settings.synonym_files)))

    def before_query(self) -> None:
        self._service.forget_results()
        self._live.forget()

    def search_full(self, q: str, k: int) -> list[str]:
        from search import SearchRequest

        return [hit["id"] for hit in self._service.search(SearchRequest(q=q, per_page=k))["hits"]]

    def search_bare(self, q: str, k: int) -> list[str]:
        from search.backends.whoosh.engine import Engine as PlanEngine
        from search.query import parse

        with self._live.lease() as (view, searcher):
            engine = PlanEngine(view, searcher.reader())
            compiled = self._compiler.compile(parse(q), engine.reader, view.readings)
            if compiled.plan is None:
                return []
            scores = engine.run(compiled.plan)
            rank = view.date_rank  # ties: the newer post first, as the service orders them
            top = heapq.nlargest(k, scores, key=lambda d: (scores[d], rank[d]))
            return [view.ids[d] for d in top]

    def variants(self) -> dict[str, Search]:
        return {FULL: self.search_full, BARE: self.search_bare}

    def close(self) -> None:
        self._service.close()
        self._live.close()


def write_post_files(docs: list[Doc], corpus: Path) -> None:
    """The posts as ``<id>.md`` post files (docs/corpus.md); a post without a source address gets
    the importer's placeholder url, as ``policy-search import`` gives it."""
    from indexer import render_post
    from indexer.postfile import placeholder_url

    corpus.mkdir(parents=True)
    for d in docs:
        post = to_post(d)
        if not post.url:
            post = dataclasses.replace(post, url=placeholder_url(post.id))
        (corpus / f"{d.id}.md").write_text(render_post(post), "utf-8")
