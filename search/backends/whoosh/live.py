"""The live index as a running service sees it: always the newest published generation.

:class:`LiveIndex` hands out *leases*. A lease holds an :class:`IndexView` (one opened generation,
with per-document arrays shared by all requests) and a Whoosh searcher of its own: Whoosh's
posting readers seek and read one shared file object, so a searcher must not serve two threads at
once. Idle searchers go back to the view's pool, which holds at most :data:`MAX_SEARCHERS`.

Freshness: at most every ``check_interval`` seconds a lease looks at the ``current`` symlink and
at the TOC generation of the live directory. When either changed, a new view is opened from a
fresh ``ix.searcher()`` (never ``Searcher.refresh()``, which in whoosh-reloaded 2.7.5 reuses
segment readers and keeps showing deleted documents) and becomes the one new leases get. The
retired view is closed when its last lease ends. If opening the new generation fails (a writer is
half way through a commit, say), the old view keeps serving and the next check tries again.

This module also accepts an index root that is itself a Whoosh index directory (no ``current``
link), which is handy for ad hoc indexes.
"""

from __future__ import annotations

import itertools
import os
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sized
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex
from whoosh.searching import Searcher

from search.backend import IndexUnavailable
from search.readings import ReadingLexicon
from search.store import IndexStore

#: How many entries the per-generation cache of posting lists and results may hold in all: one
#: per posting of a remembered posting list, one per document of a remembered term or phrase
#: result (the memory this bounds is measured in docs/search.md).
RESULT_CACHE_ENTRIES = 1_000_000


#: Searchers one generation may have open at once. Whoosh 2.7.5 copies a segment's postings
#: into memory for every searcher (``BufferFile`` wraps the mapped file in a ``BytesIO``).
#: Requests beyond this wait for a free searcher; with the GIL, more would add memory rather
#: than speed.
MAX_SEARCHERS = 2


class IndexView:
    """One opened generation: a pool of searchers and read-only per-document data.

    Per-document arrays are indexed by Whoosh document number and built once per view:
    ``ids``, ``categories``, ``dates`` (``YYYY-MM-DD``), and ``live`` (the document numbers that
    are not deleted, in index order). ``readings`` is the generation's reading lexicon.
    """

    def __init__(self, directory: Path, generation: int) -> None:
        self.directory = directory
        self.generation = generation
        self.key = (str(directory), generation)
        self._ix = open_index(directory)
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._opening = 0
        self._idle: list[Searcher] = []
        self._all: list[Searcher] = []
        self.refs = 0
        self.retired = False
        self.closed = False
        self.cache: dict = {}  # per-generation results (browse facets, archives, date order)
        self._results: OrderedDict = OrderedDict()  # LRU of term/phrase scores, see remember()
        self._results_size = 0
        self.readings = ReadingLexicon.load(directory)
        searcher = self._open_searcher()
        try:
            self._load_arrays(searcher.reader())
        finally:
            self._give(searcher)

    def _open_searcher(self) -> Searcher:
        searcher = self._ix.searcher()
        with self._lock:
            self._all.append(searcher)
        return searcher

    def _take(self) -> Searcher:
        """An idle searcher; a new one while fewer than :data:`MAX_SEARCHERS` are open; else
        wait for one to come back."""
        with self._available:
            while not self._idle and len(self._all) + self._opening >= MAX_SEARCHERS:
                self._available.wait()
            if self._idle:
                return self._idle.pop()
            self._opening += 1
        try:
            return self._open_searcher()
        finally:
            with self._available:
                self._opening -= 1
                self._available.notify()

    def _give(self, searcher: Searcher) -> None:
        with self._available:
            self._idle.append(searcher)
            self._available.notify()

    def _load_arrays(self, reader) -> None:
        count = reader.doc_count_all()
        self.doc_count_all = count
        self.ids = _column(reader, "id", count)
        self.categories = _column(reader, "category", count)
        self.dates = _column(reader, "date", count)
        self.has_deletions = reader.has_deletions()
        if self.has_deletions:
            self.live = [d for d in range(count) if not reader.is_deleted(d)]
        else:
            self.live = list(range(count))
        self.live_set = frozenset(self.live)
        self.docnum_by_id = {self.ids[d]: d for d in self.live}
        #: Live document numbers oldest first (by date, then id), and each one's place in it.
        self.date_order = sorted(self.live, key=lambda d: (self.dates[d], self.ids[d]))
        self.date_rank = [0] * count
        for rank, d in enumerate(self.date_order):
            self.date_rank[d] = rank

    def docs_of_category(self, value: str) -> list[int]:
        """Live document numbers whose category is ``value``."""
        index = self.cache.get("by_category")
        if index is None:
            index = {}
            for d in self.live:
                index.setdefault(self.categories[d], []).append(d)
            self.cache["by_category"] = index
        return index.get(value, [])

    def length_norms(self, field: str, reader, k1: float, b: float) -> list[float]:
        """``k1 * ((1 - b) + b * length / average length)`` of ``field`` for every document
        number: the length part of BM25, with Whoosh's stored (byte-rounded) lengths."""
        key = ("norms", field, k1, b)
        norms = self.cache.get(key)
        if norms is None:
            average = reader.field_length(field) / (reader.doc_count() or 1) or 1
            length = reader.doc_field_length
            norms = [
                k1 * ((1 - b) + b * length(d, field, 1) / average)
                for d in range(self.doc_count_all)
            ]
            self.cache[key] = norms
        return norms

    def recall(self, key):
        """A remembered result (read only), or None."""
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            return found

    def forget(self) -> None:
        """Drop every remembered result (benchmarks use it to time cold queries)."""
        with self._lock:
            self._results.clear()
            self._results_size = 0

    def remember(self, key, result: Sized) -> None:
        """Keep ``result`` (a posting list, or a term's or phrase's scores: the generation never
        changes, so they stay right); the least recently used go beyond
        :data:`RESULT_CACHE_ENTRIES` entries in all."""
        with self._lock:
            if key in self._results:
                return
            self._results[key] = result
            self._results_size += len(result) + 1
            while self._results_size > RESULT_CACHE_ENTRIES and len(self._results) > 1:
                _, dropped = self._results.popitem(last=False)
                self._results_size -= len(dropped) + 1

    def close(self) -> None:
        with self._lock:
            searchers, self._all, self._idle = self._all, [], []
            self.closed = True
        for searcher in searchers:
            searcher.close()
        self._ix.close()


def open_index(directory: Path) -> FileIndex:
    """The Whoosh index in ``directory``, for reading.

    Whoosh unpickles the schema from the table of contents, analyzer classes included; one that
    names a class this version no longer has (an index from before schema version 2 names
    ``ReadingFilter``) cannot be read, and the error says to rebuild it.
    """
    storage = FileStorage(str(directory), readonly=True)
    try:
        return FileIndex(storage, indexname=whoosh_index._DEF_INDEX_NAME)
    except (AttributeError, ImportError, pickle.UnpicklingError) as exc:
        _close_toc_stream(exc)
        raise IndexUnavailable(
            f"the index in {directory} was written by an older version of policy-search and "
            f"cannot be read ({exc}): rebuild it with `policy-search rebuild`"
        ) from exc


def _close_toc_stream(exc: BaseException) -> None:
    """Close the table of contents ``TOC.read`` had open when ``exc`` interrupted it
    (whoosh-reloaded 2.7.5 leaves it to the garbage collector, which warns)."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is TOC.read.__func__.__code__:
            stream = tb.tb_frame.f_locals.get("stream")
            if stream is not None:
                stream.close()
        tb = tb.tb_next


def _column(reader, field: str, count: int) -> list[str]:
    """The stored column ``field`` for every document number (deleted ones included)."""
    if reader.has_column(field):
        column = reader.column_reader(field)
        values = list(itertools.islice(iter(column), count))
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
    return [(reader.stored_fields(d) or {}).get(field, "") for d in range(count)]


class LiveIndex:
    """Leases on the newest published generation under ``root`` (thread-safe)."""

    def __init__(self, root: str | os.PathLike[str], check_interval: float = 0.25) -> None:
        self.root = Path(root)
        self.check_interval = check_interval
        self._store = IndexStore(self.root)
        self._lock = threading.Lock()
        self._open_lock = threading.Lock()  # one thread opens a new generation at a time
        self._view: IndexView | None = None
        self._checked = 0.0
        self._closed = False
        self.switches = 0  # how many times a newer generation was opened

    def _locate(self) -> tuple[Path, int] | None:
        """The live directory and its TOC generation, or None if nothing is published."""
        directory = self._store.live_dir()
        if directory is None:
            if not self.root.is_dir():
                return None
            directory = self.root  # a bare Whoosh index directory
        try:
            storage = FileStorage(str(directory), readonly=True)
            generation = whoosh_index.TOC._latest_generation(storage, whoosh_index._DEF_INDEX_NAME)
        except OSError:
            return None
        if generation < 0:
            return None
        return directory.resolve(), generation

    def _refresh(self) -> None:
        """Open the live generation if it is not the one open. The slow part (opening a
        searcher, reading the per-document arrays) runs outside ``_lock``: requests meanwhile
        go on with the old view, and only one thread opens at a time."""
        found = self._locate()
        if found is None:
            return  # nothing published, or the root is being replaced: keep what is open
        key = (str(found[0]), found[1])
        with self._open_lock:
            with self._lock:
                current = self._view
            if current is not None and current.key == key:
                return
            try:
                view = IndexView(*found)
            except Exception:
                if current is None:
                    raise
                return  # e.g. a commit in progress: keep the old view, try again next time
            with self._lock:
                old, self._view = self._view, view
                self.switches += 1
                if self._closed:  # closed while this was opening
                    self._view = None
                    old, view.retired = view, True
                if old is not None:
                    old.retired = True
                    if old.refs == 0 and not old.closed:
                        old.close()

    @contextmanager
    def lease(self) -> Iterator[tuple[IndexView, Searcher]]:
        """``with live.lease() as (view, searcher):`` — raises :class:`IndexUnavailable`."""
        view, searcher = self._acquire()
        try:
            yield view, searcher
        finally:
            view._give(searcher)
            self._release(view)

    def _acquire(self) -> tuple[IndexView, Searcher]:
        while True:
            view = self._current()
            try:
                return view, view._take()
            except Exception as exc:
                self._release(view)
                if not view.retired:
                    raise IndexUnavailable(
                        f"the index under {self.root} cannot be read: {exc}"
                    ) from exc
                # The view was replaced (and its files perhaps removed) before this request
                # got a searcher of it: take the new one.

    def _current(self) -> IndexView:
        now = time.monotonic()
        with self._lock:
            if self._closed:
                raise IndexUnavailable("the search service is closed")
            due = self._view is None or now - self._checked >= self.check_interval
            if due:
                self._checked = now
        if due:
            try:
                self._refresh()
            except IndexUnavailable:
                raise
            except Exception as exc:  # an index that cannot be opened at all
                raise IndexUnavailable(
                    f"the index under {self.root} cannot be opened: {exc}"
                ) from exc
        with self._lock:
            if self._closed:
                raise IndexUnavailable("the search service is closed")
            view = self._view
            if view is None:
                raise IndexUnavailable(f"no index has been built under {self.root} yet")
            view.refs += 1
            return view

    def _release(self, view: IndexView) -> None:
        with self._lock:
            view.refs -= 1
            if view.retired and view.refs == 0 and not view.closed:
                view.close()

    def forget(self) -> None:
        """Drop the remembered results of the open generation."""
        with self._lock:
            view = self._view
        if view is not None:
            view.forget()

    def close(self) -> None:
        """Close the open generation; later leases raise :class:`IndexUnavailable`."""
        with self._lock:
            self._closed = True
            view, self._view = self._view, None
            if view is not None:
                view.retired = True
                if view.refs == 0:
                    view.close()
