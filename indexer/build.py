"""``rebuild`` and ``update``: bring the live index in line with the corpus, crash-safely.

Both write a new generation beside the live one and switch to it with
:meth:`search.store.IndexStore.publish` (an atomic symlink rename), under the write lock:

* ``rebuild`` starts from an empty index and indexes every post file, in parallel.
* ``update`` starts from a copy of the live generation made of hard links (Whoosh never changes a
  segment file after writing it, and deletions live in the table of contents), deletes the posts
  that changed or disappeared, and indexes the new and changed ones. A post file that no longer
  parses keeps its last good version in the index. With nothing to do it writes nothing.

A crash at any moment leaves the live generation serving; what a crash leaves behind is removed
by the next build. After a switch the previous generation is kept (readers that opened it a
moment ago can finish) and older ones are deleted.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC

from search import IndexStore, Settings, make_schema
from search.schema import SCHEMA_VERSION

from .corpus import load_corpus, post_paths, sync_dir
from .lock import writer_lock
from .meta import BuildInfo, read_build_info, write_build_info
from .problems import IndexerError, Problem
from .segments import commit, write_segments

Progress = Callable[[int, int], None]
#: Below this many posts to index, the work is done in the calling process unless workers are
#: asked for: starting worker processes costs more than it saves.
PARALLEL_FROM = 200


@dataclass
class BuildSummary:
    """What a ``rebuild`` or ``update`` did. ``to_dict()`` gives it as plain JSON-ready data."""

    action: str
    """``rebuild``, ``update`` or ``none`` (nothing had changed)."""
    reason: str
    """Why: ``requested``, ``no live index``, ``schema version 0 != 1``, ``corpus changed``…"""
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    posts: int = 0
    """Posts in the live index afterwards."""
    seconds: float = 0.0
    generation: str | None = None
    """Directory of the live generation afterwards."""

    @property
    def rejected(self) -> int:
        return len(self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def posts_per_second(self) -> float:
        indexed = self.added + self.updated
        return indexed / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["problems"] = [p.to_dict() for p in self.problems]
        data.update(rejected=self.rejected, ok=self.ok,
                    posts_per_second=round(self.posts_per_second, 1))
        return data


def _workers(requested: int | None, posts: int) -> int:
    """Worker processes for ``posts`` posts: as requested, else 2 (1 on one core, or for a few)."""
    if requested:
        return requested
    return 1 if posts < PARALLEL_FROM else max(1, min(2, os.cpu_count() or 1))


def rebuild(settings: Settings, progress: Progress | None = None, *, workers: int | None = None,
            wait: float = 0.0) -> BuildSummary:
    """Build a complete new index from ``settings.corpus_dir`` and make it live."""
    store = IndexStore(settings.index_dir)
    with writer_lock(store, wait):
        return _rebuild(store, Path(settings.corpus_dir), "requested", progress, workers)


def update(settings: Settings, progress: Progress | None = None, *, workers: int | None = None,
           wait: float = 0.0) -> BuildSummary:
    """Bring the live index up to date with ``settings.corpus_dir``: index new and changed posts,
    drop removed ones. Builds the index from scratch when there is none, or when it was built
    with another schema version."""
    store = IndexStore(settings.index_dir)
    corpus = Path(settings.corpus_dir)
    with writer_lock(store, wait):
        live = store.live_dir()
        info = read_build_info(live) if live is not None else None
        if live is None:
            return _rebuild(store, corpus, "no live index", progress, workers)
        if info is None or info.schema_version != SCHEMA_VERSION:
            found = info.schema_version if info else "unknown"
            return _rebuild(store, corpus, f"schema version {found} != {SCHEMA_VERSION}", progress, workers)
        return _update(store, live, info, corpus, progress, workers)


def _check_corpus(corpus: Path) -> None:
    if not corpus.is_dir():
        raise IndexerError(f"corpus directory {corpus} does not exist: import posts with "
                           "`policy-search import PATH...`, or point --corpus / "
                           "POLICY_SEARCH_CORPUS at the right directory")


def _rebuild(store: IndexStore, corpus: Path, reason: str, progress: Progress | None,
             workers: int | None) -> BuildSummary:
    _check_corpus(corpus)
    started = time.perf_counter()
    paths = post_paths(corpus)
    build_dir = store.new_build_dir()
    try:
        ix = whoosh_index.create_in(build_dir, make_schema())
        result = write_segments(build_dir, paths, _workers(workers, len(paths)), progress)
        commit(ix, result.segments)
        write_build_info(build_dir, BuildInfo.now("rebuild", len(result.indexed), corpus))
        final = _publish(store, build_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    store.remove_stale(keep=1)
    return BuildSummary("rebuild", reason, added=len(result.indexed), problems=result.problems,
                        posts=len(result.indexed), seconds=time.perf_counter() - started,
                        generation=str(final))


def _update(store: IndexStore, live: Path, info: BuildInfo, corpus: Path,
            progress: Progress | None, workers: int | None) -> BuildSummary:
    _check_corpus(corpus)
    started = time.perf_counter()
    posts, problems = load_corpus(corpus)
    indexed = _indexed_hashes(live)
    # A file that does not parse keeps its last good version in the index: nothing is lost.
    unreadable = {Path(p.file).name.removesuffix(".md") for p in problems}
    present = {p.id for p in posts} | unreadable
    new = [p for p in posts if p.id not in indexed]
    changed = [p for p in posts if p.id in indexed and indexed[p.id] != p.content_hash()]
    removed = sorted(i for i in indexed if i not in present)
    summary = BuildSummary("update", "corpus changed", added=len(new), updated=len(changed),
                           removed=len(removed), problems=problems,
                           unchanged=len(posts) - len(new) - len(changed))
    if not (new or changed or removed):
        summary.action, summary.reason = "none", "nothing changed"
        summary.posts, summary.generation = len(indexed), str(live)
        summary.seconds = time.perf_counter() - started
        return summary
    build_dir = store.new_build_dir()
    try:
        _link_generation(live, build_dir)
        ix = whoosh_index.open_dir(build_dir)
        todo = new + changed
        result = write_segments(build_dir, todo, _workers(workers, len(todo)), progress)
        commit(ix, result.segments, delete_ids=[p.id for p in changed] + removed)
        summary.posts = ix.doc_count()
        write_build_info(build_dir, BuildInfo.now("update", summary.posts, corpus, info.rebuilt_at))
        final = _publish(store, build_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    store.remove_stale(keep=1)
    summary.generation = str(final)
    summary.seconds = time.perf_counter() - started
    return summary


def _indexed_hashes(generation: Path) -> dict[str, str]:
    """``{id: content_hash}`` of every post in a generation, from its stored fields."""
    ix = whoosh_index.open_dir(generation)
    with ix.reader() as reader:
        return {fields["id"]: fields.get("content_hash") for _, fields in reader.iter_docs()}


def _link_generation(live: Path, build_dir: Path) -> None:
    """Fill ``build_dir`` with hard links to the live generation's index files."""
    toc = TOC._pattern(whoosh_index._DEF_INDEX_NAME)
    segment = TOC._segment_pattern(whoosh_index._DEF_INDEX_NAME)
    for path in live.iterdir():
        if path.is_file() and (toc.match(path.name) or segment.match(path.name)):
            os.link(path, build_dir / path.name)


def _publish(store: IndexStore, build_dir: Path) -> Path:
    """Flush the finished build to disk, then switch the live index to it."""
    for path in build_dir.iterdir():
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    sync_dir(build_dir)
    return store.publish(build_dir)
