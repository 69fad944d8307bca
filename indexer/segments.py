"""Writing posts into Whoosh segments, in parallel, and committing them into one index.

Each worker process opens the index being built, analyses its share of the posts and writes them
into segments of its own (:class:`indexer.writer.LeanWriter`, without the index lock, as
:mod:`whoosh.multiproc` does). The parent then writes one table of contents that lists the
existing segments (minus deleted posts) and the new ones. No segment is merged after the fact:
each post is analysed and written exactly once.

Workers are started with the ``spawn`` method: nothing (no Sudachi dictionary, no open index,
no web server threads, no lock file) is inherited from the parent. A worker that finds its parent
gone (killed mid-build) stops at once; its files are in a directory that is never published and
that the next build removes.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import shutil
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from search import Post, post_document

from .corpus import read_post
from .problems import IndexerError, InputError, Problem
from .writer import LeanWriter

#: A worker closes its segment and starts another after this many postings (about 140 bytes of
#: memory each), so memory stays bounded however large the corpus is.
MAX_SEGMENT_POSTINGS = 2_000_000
#: Posting pool memory of the writer that merges small segments at commit time.
LIMIT_MB = 128
#: A segment with fewer live posts than this is small; more than MAX_SMALL_SEGMENTS small
#: segments are merged into one at the next commit.
SMALL_SEGMENT = 1000
MAX_SMALL_SEGMENTS = 4
#: A worker reports progress after this many posts.
PROGRESS_EVERY = 25

Item = Path | Post
Progress = Callable[[int, int], None]


@dataclass
class SegmentsResult:
    """What :func:`write_segments` made: segments (not yet committed), rejected files, ids."""

    segments: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    indexed: list[str] = field(default_factory=list)


def write_segments(index_dir: Path, items: Sequence[Item], workers: int = 2,
                   progress: Progress | None = None) -> SegmentsResult:
    """Analyse and write ``items`` (post files or posts) into new segments of the index in
    ``index_dir``, using ``workers`` processes (1: this process)."""
    result = SegmentsResult()
    if not items:
        return result
    shares = _shares(items, max(1, min(workers, len(items))))
    if len(shares) == 1:
        def report(n: int) -> None:
            if progress is not None:
                progress(n, len(items))

        _collect(result, *_write_share(str(index_dir), shares[0], report))
        return result
    return _write_parallel(index_dir, shares, progress, result)


def _write_parallel(index_dir: Path, shares: list[list[Item]], progress: Progress | None,
                    result: SegmentsResult) -> SegmentsResult:
    ctx = mp.get_context("spawn")
    messages = ctx.Queue()
    procs = [ctx.Process(target=_worker, name=f"policy-search-indexer-{n}", daemon=True,
                         args=(str(index_dir), share, messages, n, os.getpid()))
             for n, share in enumerate(shares)]
    total = sum(len(s) for s in shares)
    counts = [0] * len(shares)
    finished: set[int] = set()
    try:
        for proc in procs:
            proc.start()
        while len(finished) < len(procs):
            try:
                message = messages.get(timeout=0.5)
            except queue.Empty:
                dead = [n for n, p in enumerate(procs) if n not in finished and not p.is_alive()]
                if dead and messages.empty():
                    raise IndexerError(f"indexer worker {dead[0]} died (exit code "
                                       f"{procs[dead[0]].exitcode}); nothing was published") from None
                continue
            kind, n = message[0], message[1]
            if kind == "progress":
                counts[n] = message[2]
            elif kind == "done":
                finished.add(n)
                counts[n] = len(shares[n])
                _collect(result, *message[2:])
            else:
                raise IndexerError(f"indexer worker {n} failed; nothing was published:\n{message[2]}")
            if progress is not None:
                progress(sum(counts), total)
        for proc in procs:
            proc.join()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join()
        messages.close()
        messages.join_thread()
    return result


def _collect(result: SegmentsResult, segments: list, problems: list[Problem], indexed: list[str]) -> None:
    result.segments += segments
    result.problems += problems
    result.indexed += indexed


def _shares(items: Sequence[Item], n: int) -> list[list[Item]]:
    """Split ``items`` into ``n`` lists of about equal text size (largest first, to the lightest),
    each in the original order."""
    def size(item: Item) -> int:
        if isinstance(item, Post):
            return 3 * (len(item.body) + len(item.title))
        try:
            return item.stat().st_size
        except OSError:
            return 0

    owner = [0] * len(items)
    loads = [0] * n
    for weight, pos in sorted(((size(it), pos) for pos, it in enumerate(items)), key=lambda t: (-t[0], t[1])):
        lightest = loads.index(min(loads))
        owner[pos] = lightest
        loads[lightest] += weight + 1
    shares: list[list[Item]] = [[] for _ in range(n)]
    for pos, item in enumerate(items):
        shares[owner[pos]].append(item)
    return [s for s in shares if s]


def _write_share(index_dir: str, items: Sequence[Item], report: Callable[[int], None],
                 parent: int | None = None) -> tuple[list, list[Problem], list[str]]:
    """Index ``items`` into new segments: ``(segments, problems, indexed ids)``."""
    ix = whoosh_index.open_dir(index_dir)
    segments: list = []
    problems: list[Problem] = []
    indexed: list[str] = []
    writer: LeanWriter | None = None
    try:
        for n, item in enumerate(items, 1):
            if parent is not None and os.getppid() != parent:
                os._exit(3)  # orphaned: the build was killed, its directory will be removed
            if isinstance(item, Post):
                post = item
            else:
                try:
                    post = read_post(item)
                except InputError as exc:
                    problems.append(exc.problem)
                    continue
            if writer is None:
                writer = LeanWriter(ix, _lk=False)
            writer.add_document(**post_document(post))
            indexed.append(post.id)
            if writer.postings_count >= MAX_SEGMENT_POSTINGS:
                segments.append(writer.finish())
                writer = None
            if n % PROGRESS_EVERY == 0:
                report(n)
        if writer is not None:
            segments.append(writer.finish())
    except BaseException:
        if writer is not None and not writer.is_closed:
            writer._close_segment()
        raise
    return segments, problems, indexed


def _worker(index_dir: str, items: list[Item], messages, n: int, parent: int) -> None:
    try:
        segments, problems, indexed = _write_share(
            index_dir, items, lambda k: messages.put(("progress", n, k)), parent)
        messages.put(("done", n, segments, problems, indexed))
    except BaseException:
        messages.put(("failed", n, traceback.format_exc()))
    messages.close()
    messages.join_thread()


def commit(ix, new_segments: list, delete_ids: Sequence[str] = ()) -> None:
    """One new table of contents for ``ix``: its segments without ``delete_ids``, plus
    ``new_segments``. Small segments are merged so that many updates do not pile them up."""
    writer = SegmentWriter(ix, limitmb=LIMIT_MB)
    try:
        for post_id in delete_ids:
            writer.delete_by_term("id", post_id)
        kept = _merge_small(writer, writer.segments)
        if writer._added:
            kept.append(writer._finalize_segment())
        else:
            writer._close_segment()
        writer._commit_toc(kept + list(new_segments))
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    writer._finish()
    # The writers' shared scratch directory: the workers leave it for the parent to remove.
    shutil.rmtree(Path(ix.storage.folder) / f"{ix.indexname}.tmp", ignore_errors=True)


def _merge_small(writer: SegmentWriter, segments: list) -> list:
    """Merge policy: segments with few live posts are copied (not re-analysed) into the writer's
    own segment when there are more than a few of them, as are segments that are mostly deleted."""
    def live(seg) -> int:
        return seg.doc_count_all() - seg.deleted_count()

    small = [s for s in segments if live(s) < SMALL_SEGMENT]
    merge = small if len(small) > MAX_SMALL_SEGMENTS else []
    merge += [s for s in segments if s not in merge and s.deleted_count() * 2 > s.doc_count_all()]
    for seg in merge:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [s for s in segments if s not in merge]
