"""The live index as a running service sees it: always the newest published generation.

:class:`LiveIndex` hands out *leases*. A lease holds an :class:`IndexView` (one opened generation,
with per-document arrays shared by all requests) and a Whoosh searcher of its own: Whoosh's
posting readers seek and read one shared file object, so a searcher must not serve two threads at
once. Idle searchers go back to the view's pool.

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

import datetime as dt
import itertools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from .schema import fiscal_year
from .store import IndexStore


class IndexUnavailable(RuntimeError):
    """There is no published index under the index root (yet)."""


class IndexView:
    """One opened generation: a pool of searchers and read-only per-document data.

    Per-document arrays are indexed by Whoosh document number and built once per view:
    ``ids``, ``categories``, ``dates`` (``YYYY-MM-DD``), and ``live`` (the document numbers that
    are not deleted, in index order).
    """

    def __init__(self, directory: Path, generation: int) -> None:
        self.directory = directory
        self.generation = generation
        self.key = (str(directory), generation)
        storage = FileStorage(str(directory), readonly=True)
        self._ix = whoosh_index.FileIndex(storage, indexname=whoosh_index._DEF_INDEX_NAME)
        self._lock = threading.Lock()
        self._idle: list[Searcher] = []
        self._all: list[Searcher] = []
        self.refs = 0
        self.retired = False
        self.closed = False
        self.cache: dict = {}  # per-generation results (browse facets, archives, date order)
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
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._open_searcher()

    def _give(self, searcher: Searcher) -> None:
        with self._lock:
            self._idle.append(searcher)

    def _load_arrays(self, reader) -> None:
        count = reader.doc_count_all()
        self.doc_count_all = count
        self.ids = _column(reader, "id", count)
        self.categories = _column(reader, "category", count)
        self.dates = _column(reader, "date", count)
        if reader.has_deletions():
            self.live = [d for d in range(count) if not reader.is_deleted(d)]
        else:
            self.live = list(range(count))
        self.live_set = frozenset(self.live)
        self.docnum_by_id = {self.ids[d]: d for d in self.live}
        months: dict[str, str] = {}
        fiscal: dict[str, str] = {}
        for date in set(self.dates[d] for d in self.live):
            months[date] = date[:7]
            fiscal[date] = f"{fiscal_year(dt.date.fromisoformat(date)):04d}"
        self.month_of_date = months
        self.fiscal_of_date = fiscal

    def close(self) -> None:
        with self._lock:
            searchers, self._all, self._idle = self._all, [], []
            self.closed = True
        for searcher in searchers:
            searcher.close()
        self._ix.close()


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
        """Open a newer generation if there is one (caller holds ``_lock``)."""
        found = self._locate()
        if found is None:
            if self._view is None:
                return
            return  # the root vanished or is being replaced: keep serving what is open
        directory, generation = found
        if self._view is not None and self._view.key == (str(directory), generation):
            return
        try:
            view = IndexView(directory, generation)
        except Exception:
            if self._view is None:
                raise
            return  # e.g. a commit in progress: keep the old view, try again next time
        old, self._view = self._view, view
        self.switches += 1
        if old is not None:
            old.retired = True
            if old.refs == 0:
                old.close()

    @contextmanager
    def lease(self) -> Iterator[tuple[IndexView, Searcher]]:
        """``with live.lease() as (view, searcher):`` — raises :class:`IndexUnavailable`."""
        now = time.monotonic()
        with self._lock:
            if self._closed:
                raise IndexUnavailable("the search service is closed")
            if self._view is None or now - self._checked >= self.check_interval:
                self._checked = now
                try:
                    self._refresh()
                except Exception as exc:  # an index that cannot be opened at all
                    raise IndexUnavailable(f"the index under {self.root} cannot be opened: "
                                           f"{exc}") from exc
            view = self._view
            if view is None:
                raise IndexUnavailable(f"no index has been built under {self.root} yet")
            view.refs += 1
        searcher = None
        try:
            searcher = view._take()
            yield view, searcher
        finally:
            if searcher is not None:
                view._give(searcher)
            with self._lock:
                view.refs -= 1
                if view.retired and view.refs == 0 and not view.closed:
                    view.close()

    def close(self) -> None:
        """Close the open generation; later leases raise :class:`IndexUnavailable`."""
        with self._lock:
            self._closed = True
            view, self._view = self._view, None
            if view is not None:
                view.retired = True
                if view.refs == 0:
                    view.close()
