"""policy-search itself: its index, its query compiler, its search service.

Two ways of querying one index:

* ``policy-search``: ``search.SearchService.search`` (the JSON contract of ``GET /api/search``):
  hits with highlighted titles and snippets, total and the four facets.
* ``policy-search (bare)``: the same compiled query (``search.query``: analysis, synonyms,
  readings, title boost) run by a plain Whoosh searcher for the top ``k`` ids, without facets,
  snippets or stored fields, to show what the extras cost.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from whoosh import index as whoosh_index

from ..data import Doc, to_post
from .base import Engine, Search

FULL, BARE = "policy-search", "policy-search (bare)"


class PolicySearch(Engine):
    name = "policy-search"
    description = ("policy-search: Sudachi analysis, synonyms, kana readings, BM25F on Whoosh; "
                   "built by `indexer.rebuild` from post files")

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
        self._open()
        return {"index": seconds}

    def index_dir(self, directory: Path) -> Path:
        """The live generation: the index proper, without the post files beside it."""
        from search import IndexStore

        return IndexStore(directory / "index").live_dir()

    def _open(self) -> None:
        from search import IndexStore, SearchService, Synonyms
        from search.query import QueryCompiler

        self._service = SearchService(self._settings)
        self._ix = whoosh_index.open_dir(str(IndexStore(self._settings.index_dir).live_dir()))
        self._searcher = self._ix.searcher()
        self._ids = self._searcher.reader().column_reader("id")
        self._compiler = QueryCompiler(self._settings,
                                       Synonyms.load(list(self._settings.synonym_files)))

    def search_full(self, q: str, k: int) -> list[str]:
        from search import SearchRequest

        return [hit["id"] for hit in self._service.search(SearchRequest(q=q, per_page=k))["hits"]]

    def search_bare(self, q: str, k: int) -> list[str]:
        from search.query import parse

        compiled = self._compiler.compile(parse(q), self._searcher.reader())
        if compiled.query is None:
            return []
        return [self._ids[hit.docnum] for hit in self._searcher.search(compiled.query, limit=k)]

    def variants(self) -> dict[str, Search]:
        return {FULL: self.search_full, BARE: self.search_bare}

    def close(self) -> None:
        self._service.close()
        self._searcher.close()
        self._ix.close()


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
