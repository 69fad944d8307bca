"""Writing posts into Whoosh segments, in parallel, and committing them into one index.

Each worker process opens the index being built, takes small batches of posts from a shared
queue, analyses them and writes them into segments of its own (:class:`.writer.LeanWriter`,
without the index lock, as :mod:`whoosh.multiproc` does). The parent then writes one table of
contents that lists the existing segments (minus deleted posts) and the new ones. No segment is
merged after the fact: each post is analysed and written exactly once.

Workers are started with the ``spawn`` method: nothing (no Sudachi dictionary, no open index,
no web server threads, no lock file) is inherited from the parent. A worker that finds its parent
gone (killed mid-build) stops at once; its files are in a directory that is never published and
that the next build removes.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import shutil
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from search.analysis import morphology
from search.backend import BackendError, PostLoader, Rejected
from search.faults import fault
from search.schema import Post
from search.suggest import WordCounts

from .schema import post_document
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
#: Posts a worker takes from the queue at a time.
BATCH = 8

Item = Path | Post
Progress = Callable[[int, int], None]


@dataclass
class SegmentsResult:
    """What :func:`write_segments` made: segments (not yet committed), rejected files, ids."""

    segments: list = field(default_factory=list)
    problems: list[Rejected] = field(default_factory=list)
    indexed: dict[str, tuple[str, tuple | None]] = field(default_factory=dict)
    """``{id: (content_hash, key)}`` of the posts written; the key the loader gave with the post
    (the post file's, as it was read), None for posts given as :class:`Post` objects."""
    readings: set[tuple[str, str]] = field(default_factory=set)
    """``(reading, term)`` pairs of the analysed posts, for the reading lexicon
    (:mod:`search.readings`)."""
    words: WordCounts = field(default_factory=WordCounts)
    """Post counts of the analysed posts' words, for the suggestion lexicon
    (:mod:`search.suggest`)."""


def write_segments(
    index_dir: Path,
    items: Sequence[Item],
    load: PostLoader,
    workers: int = 2,
    progress: Progress | None = None,
) -> SegmentsResult:
    """Analyse and write ``items`` (post files, read with ``load``, or posts) into new segments of
    the index in ``index_dir``, using ``workers`` processes (1: this process)."""
    result = SegmentsResult()
    if not items:
        return result
    workers = max(1, min(workers, len(items)))
    if workers == 1:

        def report(done: int) -> None:
            if progress is not None:
                progress(done, len(items))

        _collect(result, *_write_share(str(index_dir), load, [items], report))
        return result
    return _write_parallel(index_dir, items, load, workers, progress, result)


def _write_parallel(
    index_dir: Path,
    items: Sequence[Item],
    load: PostLoader,
    workers: int,
    progress: Progress | None,
    result: SegmentsResult,
) -> SegmentsResult:
    """Workers take small batches from one queue as they go, so both finish at the same time
    whatever the posts' lengths (and whatever else the machine is doing)."""
    ctx = mp.get_context("spawn")
    jobs, messages = ctx.Queue(), ctx.Queue()
    for start in range(0, len(items), BATCH):
        jobs.put(list(items[start : start + BATCH]))
    for _ in range(workers):
        jobs.put(None)
    procs = [
        ctx.Process(
            target=_worker,
            name=f"policy-search-indexer-{n}",
            daemon=True,
            args=(str(index_dir), load, jobs, messages, n, os.getpid()),
        )
        for n in range(workers)
    ]
    counts = [0] * workers
    finished: set[int] = set()
    try:
        for proc in procs:
            proc.start()
        while len(finished) < workers:
            try:
                message = messages.get(timeout=0.5)
            except queue.Empty:
                dead = [n for n, p in enumerate(procs) if n not in finished and not p.is_alive()]
                if dead and messages.empty():
                    raise BackendError(
                        f"indexer worker {dead[0]} died (exit code "
                        f"{procs[dead[0]].exitcode}); nothing was published"
                    ) from None
                continue
            kind, n = message[0], message[1]
            if kind == "progress":
                counts[n] = message[2]
                if progress is not None:
                    progress(sum(counts), len(items))
            elif kind == "done":
                finished.add(n)
                _collect(result, *message[2:])
            else:
                raise BackendError(
                    f"indexer worker {n} failed; nothing was published:\n{message[2]}"
                )
        for proc in procs:
            proc.join()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join()
        jobs.cancel_join_thread()  # batches nobody will take any more
        for q in (jobs, messages):
            q.close()
            q.join_thread()
    return result


def _collect(
    result: SegmentsResult,
    segments: list,
    problems: list[Rejected],
    indexed: dict,
    readings: set,
    words: WordCounts,
) -> None:
    result.segments += segments
    result.problems += problems
    result.indexed.update(indexed)
    result.readings |= readings
    result.words.merge(words)


def _write_share(
    index_dir: str,
    load: PostLoader,
    batches: Iterable[Sequence[Item]],
    report: Callable[[int], None],
    parent: int | None = None,
) -> tuple[list, list[Rejected], dict, set, WordCounts]:
    """Index the items of ``batches`` into new segments: ``(segments, problems, indexed,
    readings, words)`` (see :class:`SegmentsResult`)."""
    ix = whoosh_index.open_dir(index_dir)
    segments: list = []
    problems: list[Rejected] = []
    indexed: dict[str, tuple[str, tuple | None]] = {}
    words = WordCounts()
    writer: LeanWriter | None = None
    done = 0
    try:
        for batch in batches:
            for item in batch:
                if parent is not None and os.getppid() != parent:
                    os._exit(3)  # orphaned: the build was killed, its directory will be removed
                done += 1
                if isinstance(item, Post):
                    post, key = item, None
                else:
                    loaded = load(item)
                    if isinstance(loaded, Rejected):
                        problems.append(loaded)
                        continue
                    post, key = loaded.post, loaded.key
                if writer is None:
                    writer = LeanWriter(ix, _lk=False)
                document = post_document(post)
                writer.add_document(**document)
                indexed[post.id] = (document["content_hash"], key)
                words.add_post(post.title, post.body)  # the analyses just made, from the cache
                if len(indexed) == 1:
                    fault("analysis", parent)  # crash-test hook: search/faults.py
                if writer.postings_count >= MAX_SEGMENT_POSTINGS:
                    segments.append(writer.finish())
                    writer = None
                if done % PROGRESS_EVERY == 0:
                    report(done)
        if writer is not None:
            segments.append(writer.finish())
    except BaseException:
        if writer is not None and not writer.is_closed:
            # Closing may fail as well (a file the error left closed): report the first error.
            with contextlib.suppress(Exception):
                writer._close_segment()
        raise
    report(done)
    return segments, problems, indexed, morphology().reading_pairs() if indexed else set(), words


def _worker(index_dir: str, load: PostLoader, jobs, messages, n: int, parent: int) -> None:
    def batches() -> Iterator[list[Item]]:
        while True:
            try:
                batch = jobs.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:
                    os._exit(3)  # orphaned while waiting for work
                continue
            if batch is None:
                return
            yield batch

    try:
        shares = _write_share(
            index_dir, load, batches(), lambda k: messages.put(("progress", n, k)), parent
        )
        messages.put(("done", n, *shares))
    except BaseException:
        messages.put(
            ("failed", n, traceback.format_exc().strip().splitlines()[-1])
        )  # no traceback for staff
    messages.close()
    messages.join_thread()
    # Everything is on disk and in the pipe: skip tearing down the heap object by object (a
    # quarter of a second or more that the parent would wait for).
    os._exit(0)


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
        fault("commit")  # crash-test hook: search/faults.py
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
