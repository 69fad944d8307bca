"""The Whoosh backend: :class:`search.backend.Backend` over generations of a Whoosh index on disk.

Reading: :class:`~.live.LiveIndex` leases the newest published generation (an
:class:`~.live.IndexView` of per-document arrays and a searcher); :class:`WhooshSnapshot` answers
a search from them: the plan is evaluated on posting lists (:mod:`.engine`) into the scores of
every matching post, the per-document arrays give the filters, the facet counts and the date
order, and only the page's hits are loaded.

Writing: each session builds a new generation directory beside the live one
(:class:`search.store.IndexStore`) and :meth:`WhooshSession.publish` switches ``current`` to it
(an atomic symlink rename):

* a rebuild starts from an empty index;
* an update starts from a copy of the live generation made of hard links (Whoosh never changes a
  segment file after writing it, and deletions live in the table of contents); the new table of
  contents drops the deleted posts and the old versions of the posts written again.

Posts are analysed and written into segments by worker processes (:mod:`.segments`). A crash at
any moment leaves the live generation serving; what a crash leaves behind is removed by the next
build. After a switch the previous generation is kept (readers that opened it a moment ago can
finish) and older ones are deleted.
"""

from __future__ import annotations

import heapq
import os
import shutil
from collections import Counter
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import cast

from whoosh import index as whoosh_index
from whoosh.index import TOC

from search.backend import (
    BackendStats,
    Facets,
    Filters,
    Hit,
    IndexUnavailable,
    Occurrence,
    Order,
    PostBrief,
    PostEntry,
    PostLoader,
    Progress,
    Published,
    SearchPage,
    SearchQuery,
    StoredPost,
    WriteResult,
)
from search.config import Settings
from search.faults import fault
from search.plan import Everything
from search.schema import Post
from search.store import IndexStore, sync_dir, write_atomically

from .engine import Engine
from .live import IndexView, LiveIndex, open_index
from .schema import make_schema
from .segments import commit, write_segments

#: Fields whose distinct terms ``stats`` counts: the words of titles and bodies.
TERM_FIELDS = ("title", "body")


class WhooshBackend:
    """Generations of a Whoosh index under ``settings.index_dir``."""

    name = "whoosh"

    def __init__(self, settings: Settings, check_interval: float = 0.25) -> None:
        self.root = Path(settings.index_dir)
        self.store = IndexStore(self.root)
        self._live = LiveIndex(self.root, check_interval=check_interval)

    # --- reading ---------------------------------------------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[WhooshSnapshot]:
        with self._live.lease() as (view, searcher):
            yield WhooshSnapshot(view, searcher)

    def forget(self) -> None:
        self._live.forget()

    def close(self) -> None:
        self._live.close()

    @property
    def switches(self) -> int:
        """How many times a newer generation was opened (for tests)."""
        return self._live.switches

    # --- writing ---------------------------------------------------------------------------

    def live(self) -> WhooshGeneration | None:
        directory = self.store.live_dir()
        return None if directory is None else WhooshGeneration(directory)

    def begin(self, rebuild: bool) -> WhooshSession:
        live = self.store.live_dir()
        if not rebuild and live is None:
            raise IndexUnavailable(f"no index under {self.root} to update: rebuild it")
        return WhooshSession(self.store, None if rebuild else live)

    def stats(self) -> BackendStats:
        live = self.store.live_dir()
        if live is None:
            raise IndexUnavailable(
                f"no index under {self.root}: build it with `policy-search "
                "update` (or point --index / POLICY_SEARCH_INDEX at the right "
                "directory)"
            )
        ix = open_index(live)
        try:
            with ix.reader() as reader:
                terms: set[bytes] = set()
                for name in TERM_FIELDS:
                    terms.update(reader.lexicon(name))
                posts = reader.doc_count()
            segments = len(ix._segments())
        finally:
            ix.close()
        size = sum(p.stat().st_size for p in Path(live).rglob("*") if p.is_file())
        return BackendStats(
            "whoosh", str(self.root), live.name, posts, len(terms), size, (("segments", segments),)
        )


def create(settings: Settings) -> WhooshBackend:
    return WhooshBackend(settings)


# --- read side -------------------------------------------------------------------------------


class WhooshSnapshot:
    """One leased generation (:class:`search.backend.Snapshot`); ``ref`` is the Whoosh document
    number."""

    has_offsets = True

    def __init__(self, view: IndexView, searcher) -> None:
        self.view = view
        self.reader = searcher.reader()
        self.readings = view.readings
        self.generation = f"{view.directory}@{view.generation}"

    @cached_property
    def engine(self) -> Engine:
        return Engine(self.view, self.reader)

    @property
    def lexicon(self):
        """The Whoosh reader: ``(field, term) in reader`` and ``reader.doc_frequency``."""
        return self.reader

    def search(self, query: SearchQuery) -> SearchPage:
        view, plan = self.view, query.plan
        if isinstance(plan, Everything):  # browsing: every post, in a known order
            matched, scores = view.live, None
        elif plan is None:
            matched, scores = [], None
        else:
            scores = self.engine.run(plan)
            matched = list(scores)
        passing, facets = _facets(view, matched, query.filters)
        if query.order is not Order.RELEVANCE:
            scores = None
        docs = (
            _page(
                view,
                passing,
                scores,
                query.order is Order.DATE_ASC,
                query.start,
                query.start + query.size,
            )
            if query.size > 0
            else []
        )
        strict = isinstance(plan, Everything) or plan is None or not self.engine.partial
        if strict:
            hits = tuple(Hit(self._stored(d), scores.get(d, 0.0) if scores else 0.0) for d in docs)
            return SearchPage(len(passing), hits, facets)
        missing = self.engine.missing
        hits = tuple(
            Hit(self._stored(d), scores.get(d, 0.0) if scores else 0.0, missing.get(d, ()))
            for d in docs
        )
        return SearchPage(len(passing), hits, facets, "partial")

    def term_chars(
        self, field: str, term: str, refs: Sequence[Hashable]
    ) -> Mapping[Hashable, Sequence[Occurrence]]:
        # This backend's refs are its document numbers (see _stored).
        found = self.engine.term_chars(field, term, cast("list[int]", list(refs)))
        return cast("Mapping[Hashable, Sequence[Occurrence]]", found)

    def post(self, post_id: str) -> StoredPost | None:
        d = self.view.docnum_by_id.get(post_id)
        return None if d is None else self._stored(d)

    def read_file(self, name: str) -> bytes | None:
        return _read_file(self.view.directory, name)

    def neighbours(self, post_id: str) -> tuple[PostBrief | None, PostBrief | None]:
        view = self.view
        order = view.date_order
        d = view.docnum_by_id.get(post_id)
        if d is None:
            return None, None
        i = view.date_rank[d]

        def brief(k: int) -> PostBrief | None:
            if not 0 <= k < len(order):
                return None
            fields = self.reader.stored_fields(order[k])
            return PostBrief(fields["id"], fields["title"], fields["date"])

        return brief(i - 1), brief(i + 1)

    def _stored(self, d: int) -> StoredPost:
        fields = self.reader.stored_fields(d)
        tags = fields.get("tags") or ""
        return StoredPost(
            d,
            fields["id"],
            fields["title"],
            fields["date"],
            fields["category"],
            fields.get("url", ""),
            tuple(t for t in tags.split(",") if t),
            fields.get("body", ""),
        )


def _page(
    view: IndexView,
    passing: list[int],
    scores: dict[int, float] | None,
    ascending: bool,
    start: int,
    end: int,
) -> list[int]:
    """Documents ``start:end`` of ``passing`` by score (ties: newer first), or by date."""
    rank = view.date_rank
    if scores:
        top = heapq.nlargest(end, passing, key=lambda d: (scores[d], rank[d]))
        return top[start:end]
    if passing is view.live:  # browsing everything: the order is known
        ordered, n = view.date_order, len(view.date_order)
        if ascending:
            return ordered[start:end]
        return ordered[max(0, n - end) : max(0, n - start)][::-1]
    pick = heapq.nsmallest if ascending else heapq.nlargest
    return pick(end, passing, key=rank.__getitem__)[start:end]


def _facets(view: IndexView, matched: list[int], filters: Filters) -> tuple[list[int], Facets]:
    """The documents passing the filters, and the multi-select facet counts of ``matched``."""
    cats, dates = view.categories, view.dates
    selected = set(filters.categories)
    lo = filters.date_from.isoformat() if filters.date_from else None
    hi = filters.date_to.isoformat() if filters.date_to else None
    if not selected and lo is None and hi is None:
        passing = matched
        if matched is view.live and "browse_facets" in view.cache:
            return passing, view.cache["browse_facets"]
        if matched:
            getter = itemgetter(*matched)
            many = len(matched) > 1
            cat_counts = Counter(getter(cats) if many else [getter(cats)])
            date_counts = Counter(getter(dates) if many else [getter(dates)])
        else:
            cat_counts, date_counts = Counter(), Counter()
    else:
        passing, cat_counts, date_counts = [], Counter(), Counter()
        for d in matched:
            c = cats[d]
            ds = dates[d]
            in_cat = not selected or c in selected
            in_dates = (lo is None or ds >= lo) and (hi is None or ds <= hi)
            if in_dates:
                cat_counts[c] += 1
            if in_cat:
                date_counts[ds] += 1
                if in_dates:
                    passing.append(d)
    months: Counter = Counter()
    for date, n in date_counts.items():
        months[date[:7]] += n
    facets = Facets.counted(cat_counts, months)
    if matched is view.live and not selected and lo is None and hi is None:
        view.cache["browse_facets"] = facets
    return passing, facets


# --- write side ------------------------------------------------------------------------------


class WhooshGeneration:
    """A published generation directory (:class:`search.backend.Generation`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.name = str(directory)

    def read_file(self, name: str) -> bytes | None:
        return _read_file(self.directory, name)

    def write_file(self, name: str, data: bytes) -> None:
        write_atomically(self.directory / name, data)

    def content_hashes(self) -> dict[str, str]:
        ix = open_index(self.directory)
        try:
            with ix.reader() as reader:
                return {
                    fields["id"]: fields.get("content_hash") for _, fields in reader.iter_docs()
                }
        finally:
            ix.close()


class WhooshSession:
    """A new generation being built (:class:`search.backend.WriteSession`): empty for a rebuild,
    hard links to ``live``'s files for an update."""

    def __init__(self, store: IndexStore, live: Path | None) -> None:
        self.store = store
        self.live = live
        self.previous = store.live_dir()
        self.build_dir = store.new_build_dir()
        self._segments: list = []
        self._delete: set[str] = set()
        self._done = False
        try:
            if live is None:
                self.ix = whoosh_index.create_in(self.build_dir, make_schema())
            else:
                _link_generation(live, self.build_dir)
                self.ix = whoosh_index.open_dir(self.build_dir)
        except BaseException:
            self.abort()
            raise

    def write(
        self,
        items: Sequence[Path | Post],
        load: PostLoader,
        *,
        workers: int = 1,
        progress: Progress | None = None,
    ) -> WriteResult:
        result = write_segments(self.build_dir, items, load, workers, progress)
        self._segments += result.segments
        if self.live is not None:  # the old versions of these posts go at the commit
            self._delete.update(result.indexed)
        return WriteResult(
            {i: PostEntry(h, k) for i, (h, k) in result.indexed.items()},
            list(result.problems),
            set(result.readings),
            result.words,
        )

    def delete(self, ids: Collection[str]) -> None:
        if self.live is not None:
            self._delete.update(ids)

    def put_file(self, name: str, data: bytes) -> None:
        (self.build_dir / name).write_bytes(data)

    def publish(self) -> Published:
        try:
            commit(self.ix, self._segments, delete_ids=sorted(self._delete))
            posts = self.ix.doc_count()
            final = _publish(self.store, self.build_dir)
        except BaseException:
            self.abort()
            raise
        self._done = True
        _remove_stale(self.store, self.previous)
        return Published(str(final), posts)

    def abort(self) -> None:
        if not self._done:
            self._done = True
            shutil.rmtree(self.build_dir, ignore_errors=True)


def _read_file(directory: Path, name: str) -> bytes | None:
    """A file kept with the generation in ``directory`` (None when missing or unreadable)."""
    try:
        return (Path(directory) / name).read_bytes()
    except OSError:
        return None


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
    fault("switch")  # crash-test hook: search/faults.py
    return store.publish(build_dir)
