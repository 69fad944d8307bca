"""``rebuild`` and ``update``: bring the live index in line with the corpus, crash-safely.

Both go through the backend's write side (:class:`search.backend.WriteSession`), under the write
lock of the index root (``--index``, the local state directory):

* ``rebuild`` writes every post file into a new, empty generation, in parallel, and publishes it
  atomically (Whoosh: a symlink switch; OpenSearch: an alias swap).
* ``update`` compares the corpus with the live generation's ``hashes.json``, then writes the new
  and changed posts (each replacing its old version) and deletes the posts whose file is gone. A
  post file that no longer parses keeps its last good version in the index. With nothing to do
  it writes nothing.

Each generation keeps its reading lexicon (``readings.json``) and the indexer's ``build.json`` and
``hashes.json`` (:mod:`indexer.meta`). What a crash leaves behind is the backend's to clean up
(:mod:`search.backends.whoosh.backend` says how Whoosh does it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from search import IndexStore, ReadingLexicon, Settings
from search.backend import (
    Backend,
    BackendError,
    Generation,
    IndexUnavailable,
    create_backend,
)
from search.readings import READINGS_NAME
from search.schema import SCHEMA_VERSION
from search.suggest import SUGGEST_NAME, SuggestLexicon

from .corpus import load_post_file, post_paths, read_post, scan_corpus
from .lock import writer_lock
from .meta import (
    HASHES_NAME,
    META_NAME,
    BuildInfo,
    build_info_bytes,
    hashes_bytes,
    read_build_info,
    read_hashes,
)
from .problems import IndexerError, InputError, Problem, WithProblems

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
    """The live generation afterwards (:attr:`search.backend.Published.name`: a directory for
    Whoosh)."""

    @property
    def posts_per_second(self) -> float:
        indexed = self.added + self.updated
        return indexed / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {**super().to_dict(), "posts_per_second": round(self.posts_per_second, 1)}


def _workers(requested: int | None, posts: int) -> int:
    """Worker processes for ``posts`` posts: as requested, else 2 (1 on one core, or for a few)."""
    if requested:
        return requested
    return 1 if posts < PARALLEL_FROM else max(1, min(2, os.cpu_count() or 1))


def rebuild(
    settings: Settings,
    progress: Progress | None = None,
    *,
    workers: int | None = None,
    wait: float = 0.0,
) -> BuildSummary:
    """Build a complete new index from ``settings.corpus_dir`` and make it live."""
    store = IndexStore(settings.index_dir)
    with writer_lock(store, wait), _backend(settings) as backend:
        return _rebuild(backend, Path(settings.corpus_dir), "requested", progress, workers)


def update(
    settings: Settings,
    progress: Progress | None = None,
    *,
    workers: int | None = None,
    wait: float = 0.0,
) -> BuildSummary:
    """Bring the live index up to date with ``settings.corpus_dir``: index new and changed posts,
    drop removed ones. Builds the index from scratch when there is none, when it was built with
    another schema version, or when its reading lexicon is missing or unreadable."""
    store = IndexStore(settings.index_dir)
    corpus = Path(settings.corpus_dir)
    with writer_lock(store, wait), _backend(settings) as backend:
        live = backend.live()
        info = read_build_info(live) if live is not None else None
        if live is None:
            return _rebuild(backend, corpus, "no live index", progress, workers)
        if info is None or info.schema_version != SCHEMA_VERSION:
            found = info.schema_version if info else "unknown"
            return _rebuild(
                backend, corpus, f"schema version {found} != {SCHEMA_VERSION}", progress, workers
            )
        if ReadingLexicon.parse(live.read_file(READINGS_NAME)) is None:
            # Carrying over an empty lexicon would leave the old posts unfindable by reading.
            return _rebuild(backend, corpus, "reading lexicon missing", progress, workers)
        if SuggestLexicon.parse(live.read_file(SUGGEST_NAME)) is None:
            return _rebuild(backend, corpus, "suggestion lexicon missing", progress, workers)
        return _update(backend, live, info, corpus, progress, workers)


@contextmanager
def _backend(settings: Settings) -> Iterator[Backend]:
    """The configured backend, closed afterwards; a backend that fails as a whole becomes an
    :class:`IndexerError` (the CLI's one-line error, the admin job's failure)."""
    try:
        backend = create_backend(settings)
    except ValueError as exc:
        raise IndexerError(str(exc)) from None
    try:
        yield backend
    except (BackendError, IndexUnavailable) as exc:
        raise IndexerError(str(exc)) from exc
    finally:
        backend.close()


def _check_corpus(corpus: Path) -> None:
    if not corpus.is_dir():
        raise IndexerError(
            f"corpus directory {corpus} does not exist: import posts with "
            "`policy-search import PATH...`, or point --corpus / "
            "POLICY_SEARCH_CORPUS at the right directory"
        )


def _rebuild(
    backend: Backend, corpus: Path, reason: str, progress: Progress | None, workers: int | None
) -> BuildSummary:
    _check_corpus(corpus)
    started = time.perf_counter()
    paths = post_paths(corpus)
    session = backend.begin(rebuild=True)
    try:
        result = session.write(
            paths, load_post_file, workers=_workers(workers, len(paths)), progress=progress
        )
        indexed = {i: (e.content_hash, e.key) for i, e in result.written.items()}
        session.put_file(READINGS_NAME, ReadingLexicon.from_pairs(result.readings).dumps())
        session.put_file(SUGGEST_NAME, result.words.lexicon().dumps())
        session.put_file(HASHES_NAME, hashes_bytes(indexed))
        session.put_file(
            META_NAME, build_info_bytes(BuildInfo.now("rebuild", len(indexed), corpus))
        )
        published = session.publish()
    except BaseException:
        session.abort()
        raise
    return BuildSummary(
        "rebuild",
        reason,
        added=len(indexed),
        problems=list(result.rejected),
        posts=published.posts,
        seconds=time.perf_counter() - started,
        generation=published.name,
    )


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


def _update(
    backend: Backend,
    live: Generation,
    info: BuildInfo,
    corpus: Path,
    progress: Progress | None,
    workers: int | None,
) -> BuildSummary:
    _check_corpus(corpus)
    started = time.perf_counter()
    indexed = _indexed_entries(live)
    changes = _changes(scan_corpus(corpus), indexed)
    summary = BuildSummary(
        "update",
        "corpus changed",
        added=len(changes.new),
        updated=len(changes.changed),
        removed=len(changes.removed),
        unchanged=changes.unchanged,
        problems=changes.problems,
    )
    entries = {i: entry for i, entry in indexed.items() if i not in changes.removed}
    entries.update(changes.touched)
    todo = changes.new + changes.changed
    if not (todo or changes.removed):
        if changes.touched:
            # only file keys changed: remember them, index untouched
            live.write_file(HASHES_NAME, hashes_bytes(entries))
        summary.action, summary.reason = "none", "nothing changed"
        summary.posts, summary.generation = len(indexed), live.name
        summary.seconds = time.perf_counter() - started
        return summary
    lexicon = ReadingLexicon.parse(live.read_file(READINGS_NAME)) or ReadingLexicon()
    session = backend.begin(rebuild=False)
    try:
        posts = [post for post, _ in todo]
        # The suggestion counts lose the words of the posts replaced or removed: their text as
        # the live index holds it, read before this session changes anything.
        words = SuggestLexicon.parse(live.read_file(SUGGEST_NAME)) or SuggestLexicon()
        counts = words.counts()
        gone = [p.id for p, _ in changes.changed] + changes.removed
        for title, body in _stored_texts(backend, gone):
            counts.add_post(title, body, sign=-1)
        session.delete(changes.removed)
        result = session.write(
            posts, load_post_file, workers=_workers(workers, len(posts)), progress=progress
        )
        session.put_file(READINGS_NAME, lexicon.merged(result.readings).dumps())
        counts.merge(result.words)
        session.put_file(SUGGEST_NAME, counts.lexicon().dumps())
        keys = {post.id: key for post, key in todo}
        entries.update({i: (e.content_hash, keys[i]) for i, e in result.written.items()})
        session.put_file(HASHES_NAME, hashes_bytes(entries))
        posts_after = len(entries)
        session.put_file(
            META_NAME,
            build_info_bytes(BuildInfo.now("update", posts_after, corpus, info.rebuilt_at)),
        )
        published = session.publish()
    except BaseException:
        session.abort()
        raise
    summary.posts = published.posts
    summary.generation = published.name
    summary.seconds = time.perf_counter() - started
    return summary


def _stored_texts(backend: Backend, ids: list[str]) -> list[tuple[str, str]]:
    """``(title, body)`` of the posts ``ids`` as the live index holds them (before they go)."""
    if not ids:
        return []
    with backend.snapshot() as snap:
        found = [snap.post(post_id) for post_id in ids]
    return [(p.title, p.body) for p in found if p is not None]


def _indexed_entries(generation: Generation) -> dict[str, tuple[str, tuple | None]]:
    """``{id: (content_hash, file key)}`` of every post in a generation: from ``hashes.json``, else
    (a generation written without it) the hashes of the stored posts, with no keys."""
    entries = read_hashes(generation)
    if entries is not None:
        return entries
    return {post_id: (digest, None) for post_id, digest in generation.content_hashes().items()}
