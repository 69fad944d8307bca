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

from search import IndexStore, ReadingLexicon, Settings, make_schema
from search.suggest import SuggestLexicon
from search.schema import SCHEMA_VERSION
from search.store import sync_dir

from .corpus import post_paths, read_post, scan_corpus
from .faults import fault
from .lock import writer_lock
from .meta import BuildInfo, read_build_info, read_hashes, write_build_info, write_hashes
from .problems import IndexerError, InputError, Problem, WithProblems
from .segments import commit, write_segments

Progress = Callable[[int, int], None]
#: Below this many posts to index, the work is done in the calling process unless workers are
#: asked for: starting worker processes costs more than it saves.
PARALLEL_FROM = 200


@dataclass
class BuildSummary(WithProblems):
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
    drop removed ones. Builds the index from scratch when there is none, when it was built with
    another schema version, or when its reading lexicon is missing or unreadable."""
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
        if ReadingLexicon.read(live) is None:
            # Carrying over an empty lexicon would leave the old posts unfindable by reading.
            return _rebuild(store, corpus, "reading lexicon missing", progress, workers)
        if SuggestLexicon.read(live) is None:
            return _rebuild(store, corpus, "suggestion lexicon missing", progress, workers)
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
        ReadingLexicon.from_pairs(result.readings).save(build_dir)
        result.words.lexicon().save(build_dir)
        write_hashes(build_dir, result.indexed)
        write_build_info(build_dir, BuildInfo.now("rebuild", len(result.indexed), corpus))
        previous = store.live_dir()
        final = _publish(store, build_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    _remove_stale(store, previous)
    return BuildSummary("rebuild", reason, added=len(result.indexed), problems=result.problems,
                        posts=len(result.indexed), seconds=time.perf_counter() - started,
                        generation=str(final))


@dataclass
class _Changes:
    """How the corpus differs from a generation."""

    new: list = field(default_factory=list)
    """``(post, file key)`` of posts the generation does not hold."""
    changed: list = field(default_factory=list)
    """``(post, file key)`` of posts whose content hash differs."""
    removed: list[str] = field(default_factory=list)
    """Ids whose post file is gone."""
    touched: dict = field(default_factory=dict)
    """``{id: (hash, new file key)}`` of files read again that turned out unchanged."""
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


def _changes(files: dict, indexed: dict) -> _Changes:
    """Compare the post files (``scan_corpus``) with a generation's ``{id: (hash, file key)}``.

    A file whose key is the one recorded when it was indexed has not changed since and is not even
    read; every other file is parsed and its content hash compared. A file that does not parse is
    a problem, and not removed: its last good version stays in the index."""
    changes = _Changes(removed=sorted(i for i in indexed if i not in files))
    for post_id, (path, key) in files.items():
        known = indexed.get(post_id)
        if known is not None and known[1] == key:
            changes.unchanged += 1
            continue
        try:
            post = read_post(path)
        except InputError as exc:
            changes.problems.append(exc.problem)
            continue
        digest = post.content_hash()
        if known is None:
            changes.new.append((post, key))
        elif known[0] != digest:
            changes.changed.append((post, key))
        else:
            changes.touched[post_id] = (digest, key)
            changes.unchanged += 1
    return changes


def _update(store: IndexStore, live: Path, info: BuildInfo, corpus: Path,
            progress: Progress | None, workers: int | None) -> BuildSummary:
    _check_corpus(corpus)
    started = time.perf_counter()
    indexed = _indexed_entries(live)
    changes = _changes(scan_corpus(corpus), indexed)
    summary = BuildSummary("update", "corpus changed", added=len(changes.new), updated=len(changes.changed),
                           removed=len(changes.removed), unchanged=changes.unchanged,
                           problems=changes.problems)
    entries = {i: entry for i, entry in indexed.items() if i not in changes.removed}
    entries.update(changes.touched)
    todo = changes.new + changes.changed
    if not (todo or changes.removed):
        if changes.touched:
            write_hashes(live, entries)  # only file keys changed: remember them, index untouched
        summary.action, summary.reason = "none", "nothing changed"
        summary.posts, summary.generation = len(indexed), str(live)
        summary.seconds = time.perf_counter() - started
        return summary
    build_dir = store.new_build_dir()
    try:
        _link_generation(live, build_dir)
        ix = whoosh_index.open_dir(build_dir)
        posts = [post for post, _ in todo]
        result = write_segments(build_dir, posts, _workers(workers, len(posts)), progress)
        gone = [p.id for p, _ in changes.changed] + changes.removed
        words = SuggestLexicon.load(live).counts()
        for title, body in _stored_texts(ix, gone):
            words.add_post(title, body, sign=-1)
        words.merge(result.words)
        commit(ix, result.segments, delete_ids=gone)
        ReadingLexicon.load(live).merged(result.readings).save(build_dir)
        words.lexicon().save(build_dir)
        keys = {post.id: key for post, key in todo}
        entries.update({i: (digest, keys[i]) for i, (digest, _) in result.indexed.items()})
        write_hashes(build_dir, entries)
        summary.posts = ix.doc_count()
        write_build_info(build_dir, BuildInfo.now("update", summary.posts, corpus, info.rebuilt_at))
        final = _publish(store, build_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    _remove_stale(store, live)
    summary.generation = str(final)
    summary.seconds = time.perf_counter() - started
    return summary


def _stored_texts(ix, ids: list[str]) -> list[tuple[str, str]]:
    """``(title, body)`` of the posts ``ids`` as the index holds them (before they go)."""
    if not ids:
        return []
    with ix.searcher() as searcher:
        found = [searcher.document(id=post_id) for post_id in ids]
    return [(f["title"], f.get("body", "")) for f in found if f]


def _indexed_entries(generation: Path) -> dict[str, tuple[str, tuple | None]]:
    """``{id: (content_hash, file key)}`` of every post in a generation: from ``hashes.json``, else
    (a generation written without it) the hashes from the stored fields, with no keys."""
    entries = read_hashes(generation)
    if entries is not None:
        return entries
    ix = whoosh_index.open_dir(generation)
    with ix.reader() as reader:
        return {fields["id"]: (fields.get("content_hash"), None) for _, fields in reader.iter_docs()}


def _link_generation(live: Path, build_dir: Path) -> None:
    """Fill ``build_dir`` with hard links to the live generation's index files."""
    toc = TOC._pattern(whoosh_index._DEF_INDEX_NAME)
    segment = TOC._segment_pattern(whoosh_index._DEF_INDEX_NAME)
    for path in live.iterdir():
        if path.is_file() and (toc.match(path.name) or segment.match(path.name)):
            os.link(path, build_dir / path.name)


def _remove_stale(store: IndexStore, previous: Path | None) -> None:
    """Delete every generation but the live one and ``previous`` (the one it replaced), and what
    crashed builds left. The previous generation stays because requests that resolved
    ``current`` a moment before the switch may still be reading it."""
    for path in store.stale_dirs():
        if path != previous:
            shutil.rmtree(path, ignore_errors=True)
    for link in store.root.glob(".current-*"):
        link.unlink(missing_ok=True)


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
    fault("switch")  # crash-test hook: indexer/faults.py
    return store.publish(build_dir)
