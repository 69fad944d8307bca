"""The backend seam: what a search backend (Whoosh, OpenSearch) implements, and the typed objects
that cross it.

Everything above this seam is backend-independent and shared: Sudachi analysis
(:mod:`search.analysis`), synonyms, the reading lexicon (:mod:`search.readings`), the query
language (:mod:`search.query`), plans (:mod:`search.plan`), snippets (:mod:`search.snippets`) and
the JSON contract (:mod:`search.service`). Everything below it lives in one package per backend,
``search/backends/<name>/``, which is the only place that imports the backend's library
(``whoosh``, ``opensearchpy``; ``tests/test_layers.py`` checks it). A backend package exposes one
function, ``create(settings) -> Backend``; :func:`create_backend` picks the package named by
:attr:`search.config.Settings.backend`.

Read side (the service, one request at a time)::

    with backend.snapshot() as snap:                # one consistent generation
        plan = compiler.compile(tree, snap.lexicon, snap.readings).plan
        page = snap.search(SearchQuery(plan, Filters(...), Order.RELEVANCE, start=0, size=20))
        spans = ... snap.term_chars(field, term, [h.post.ref for h in page.hits]) ...

The reader features above the seam use nothing else: suggestions and did-you-mean read the
generation's ``suggest.json`` (:meth:`Snapshot.read_file`, kept per :attr:`Snapshot.generation`);
related posts weigh a post's terms by :meth:`TermLexicon.doc_frequency` and search for them with
an ordinary plan (:mod:`search.related`).

Write side (the indexer, under its write lock)::

    session = backend.begin(rebuild=True)          # or rebuild=False: change the live index
    result = session.write(paths, load, workers=2, progress=bar)
    session.delete(ids); session.put_file(name, data)
    published = session.publish()                   # or session.abort()

Contract points every backend keeps (the parity tests check them on both):

* **Matching.** A plan matches the same posts whatever the backend: terms are the analyser's
  units, as :func:`analyse_post` gives them (C and A units; positions count A units, a C unit
  sits at the position of its first A unit), so a :class:`~search.plan.Seq` of several terms is
  a phrase at consecutive positions on one field.
* **Filters** (:class:`Filters`): a post passes when its category is one of ``categories`` (any
  category when empty) and ``date_from <= date <= date_to`` (each bound inclusive, open when
  None). A search's ``total`` counts the matches that pass.
* **Facets** (:class:`Facets`), multi-select: ``category`` counts the matches that pass the
  *date* filters, ignoring the category filter; ``year``, ``month`` and ``fiscal_year`` count the
  matches that pass the *category* filter, ignoring the dates. Values: category as stored,
  year ``YYYY``, month ``YYYY-MM``, fiscal year ``YYYY`` (April to March,
  :func:`search.schema.fiscal_year`). Order: categories by count descending, then value
  ascending; years, months and fiscal years by value descending (newest first). Values with no
  matches are left out.
* **Order** (:class:`Order`): ``RELEVANCE`` is by score descending, ties broken by the newer post
  (date, then id, descending); ``DATE_DESC`` is newest first and ``DATE_ASC`` oldest first, by
  date then id. Pages are ``start:start + size`` of that order.
* **Scores** are the backend's own (Whoosh: BM25F per word as
  :mod:`search.backends.whoosh.engine` says; OpenSearch: per-field BM25 combined as
  :mod:`search.backends.opensearch.dsl` says) and are only compared within one backend.
  :class:`~search.plan.Everything`, :class:`~search.plan.InCategory` and exclusions score 0.
* **Partial answers** (:class:`~search.plan.Partial`, semantics in its docstring): the node
  matches the posts holding every required and every optional child; when no post does, those
  holding every required child and the greatest number of optional children that any such post
  holds. That number is found over every post of the generation, *before* filters and before
  an enclosing :class:`~search.plan.Excluding` (so a filter never changes which words count as
  missing, and the answer is the same on every backend). A fallback sets
  :attr:`SearchPage.match` to ``"partial"`` and each hit's :attr:`Hit.missing` to the labels of
  the optional children it lacks; when nothing holds even that, the page is empty and ``match``
  stays ``"all"``. Within a partial answer, :class:`~search.plan.OneWord` children score as
  elsewhere.
* **Stored posts** come back exactly as written (:class:`StoredPost`).
* **Snippets** are cut by :mod:`search.snippets` for every backend. A backend that keeps term
  offsets says so (:attr:`Snapshot.has_offsets`) and serves :meth:`Snapshot.term_chars`; for one
  that does not, the service finds the same spans by analysing the stored text
  (:func:`search.snippets.text_term_chars`).

A backend that cannot answer (no index built yet, a cluster that is down or unreachable) raises
:class:`IndexUnavailable` (HTTP 503, a one-line CLI error) within its stated timeout, and
recovers by itself once it can answer again.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from .analysis import Unit, morphology
from .readings import ReadingLexicon
from .schema import Post, fiscal_year
from .suggest import WordCounts

if TYPE_CHECKING:
    from .config import Settings
    from .plan import Plan

#: The backends :func:`create_backend` knows: name -> package (imported only when chosen).
BACKENDS: dict[str, str] = {
    "whoosh": "search.backends.whoosh",
    "opensearch": "search.backends.opensearch",
}


class IndexUnavailable(RuntimeError):
    """The backend cannot answer: no index has been published yet, or the cluster is down or
    unreachable. The message says what is wrong and how to fix it (HTTP 503)."""


class BackendError(RuntimeError):
    """A write failed as a whole (a worker died, the cluster refused the bulk request…); nothing
    was published. The message says what happened and how to fix it (a one-line CLI error)."""


# --- analysed posts (write side) -----------------------------------------------------------------


@dataclass(frozen=True)
class AnalysedPost:
    """A post and the analyser's units of its text fields: what every backend indexes.

    ``title``/``body``: :class:`search.analysis.Unit` tuples ``(pos, start, end, term, reading,
    kind)`` in text order, positions counting A units (see :mod:`search.analysis`)."""

    post: Post
    title: Sequence[Unit]
    body: Sequence[Unit]


def analyse_post(post: Post) -> AnalysedPost:
    """The units of ``post``'s title and body (the process-wide Sudachi; cached per text)."""
    units = morphology().units
    return AnalysedPost(post, units(post.title), units(post.body))


@dataclass(frozen=True)
class Loaded:
    """A post read from its source, and the source's key when it was read (for the indexer:
    :func:`indexer.corpus.file_key`; None for posts given as :class:`Post` objects)."""

    post: Post
    key: tuple | None = None


@dataclass(frozen=True)
class Rejected:
    """A source that could not be read as a post: ``file:line: reason`` (the indexer's
    :class:`indexer.problems.Problem` for every kind of input)."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


#: Reads one source (a post file) into a post. It must be a module-level function (it is pickled
#: to the worker processes that analyse posts) and must not raise for bad input: it returns
#: :class:`Rejected`.
PostLoader = Callable[[Path], "Loaded | Rejected"]
#: ``progress(done, total)``, called now and then while a bulk write goes on.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PostEntry:
    """What a backend wrote for one post: its :meth:`Post.content_hash` and source key."""

    content_hash: str
    key: tuple | None = None


@dataclass
class WriteResult:
    """What :meth:`WriteSession.write` did."""

    written: dict[str, PostEntry] = field(default_factory=dict)
    """Every post written, by id."""
    rejected: list[Rejected] = field(default_factory=list)
    """Sources that were not posts (nothing written for them)."""
    readings: set[tuple[str, str]] = field(default_factory=set)
    """``(katakana reading, term)`` pairs of the analysed text, for the reading lexicon
    (:meth:`search.analysis.Morphology.reading_pairs` of every process that analysed)."""
    words: WordCounts = field(default_factory=WordCounts)
    """Post counts of the written posts' words and compounds, for the suggestion lexicon
    ``suggest.json`` (:meth:`search.suggest.WordCounts.add_post` of each post written, in the
    process that analysed it)."""


@dataclass(frozen=True)
class Published:
    """A generation made live by :meth:`WriteSession.publish`."""

    name: str
    """Where it is: the generation's directory (Whoosh), the index behind the alias
    (OpenSearch)."""
    posts: int
    """Posts it holds."""


class Generation(Protocol):
    """The live generation, as the indexer sees it between builds."""

    name: str
    """As :attr:`Published.name`."""

    def read_file(self, name: str) -> bytes | None:
        """A file kept with this generation (:meth:`WriteSession.put_file`), or None when there
        is none or it cannot be read."""

    def write_file(self, name: str, data: bytes) -> None:
        """Replace a file kept with this generation, atomically (the indexer records new source
        keys this way when no post changed)."""

    def content_hashes(self) -> dict[str, str]:
        """``{id: content_hash}`` of every post it holds (read from the stored posts: slow, for
        generations whose indexer files are missing)."""


class WriteSession(Protocol):
    """One batch of changes, made visible by :meth:`publish` and by nothing before it in a
    rebuild. One session at a time per index (the indexer holds its write lock).

    A rebuild session starts empty and its :meth:`publish` replaces the live generation
    atomically (Whoosh: a symlink rename; OpenSearch: an alias swap); :meth:`abort` leaves no
    trace that a later build would serve. An update session starts from the live generation;
    a backend may apply its changes to the live index as they are written (OpenSearch) or only at
    :meth:`publish` (Whoosh, copy on write), so after :meth:`abort` some of them may be live:
    re-running the update converges, since writes replace by id."""

    def write(
        self,
        items: Sequence[Path | Post],
        load: PostLoader,
        *,
        workers: int = 1,
        progress: Progress | None = None,
    ) -> WriteResult:
        """Add ``items`` (post files, read with ``load``, or posts), each replacing any post
        with the same id, analysed with :func:`analyse_post` by up to ``workers`` processes."""

    def delete(self, ids: Collection[str]) -> None:
        """Remove the posts with these ids (unknown ids are ignored)."""

    def put_file(self, name: str, data: bytes) -> None:
        """Keep a small file with the new generation (the reading lexicon ``readings.json``, the
        suggestion lexicon ``suggest.json``, the indexer's ``build.json``/``hashes.json``):
        published with it, readable through :meth:`Generation.read_file` and
        :meth:`Snapshot.read_file`."""

    def publish(self) -> Published:
        """Make the changes live, atomically, and durably."""

    def abort(self) -> None:
        """Give up the session (idempotent)."""


# --- read side ------------------------------------------------------------------------------------


class Order(enum.Enum):
    """Sort orders (see the module docstring for ties)."""

    RELEVANCE = "relevance"
    DATE_DESC = "date_desc"
    DATE_ASC = "date_asc"


@dataclass(frozen=True)
class Filters:
    """Which matches count: categories (any of them; all when empty) and an inclusive date
    range (each end open when None)."""

    categories: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not self.categories and self.date_from is None and self.date_to is None


@dataclass(frozen=True)
class SearchQuery:
    """One search: a plan, filters, an order and a page (``start``, ``size``; ``size`` 0 asks
    only for the total and the facets).

    ``plan`` None matches nothing (a query that compiled to no terms);
    :class:`~search.plan.Everything` matches every post (browsing), scoring 0."""

    plan: Plan | None
    filters: Filters = Filters()
    order: Order = Order.RELEVANCE
    start: int = 0
    size: int = 20


@dataclass(slots=True)
class StoredPost:
    """A post as stored (read-only, though not frozen: see :class:`FacetCount`). ``ref`` is the
    backend's handle of the document in this snapshot (pass it back to
    :meth:`Snapshot.term_chars`); ``date`` is ``YYYY-MM-DD``."""

    ref: Hashable
    id: str
    title: str
    date: str
    category: str
    url: str
    tags: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class PostBrief:
    """A post's id, title and date (``YYYY-MM-DD``): enough to link to it."""

    id: str
    title: str
    date: str


@dataclass(slots=True)
class Hit:
    post: StoredPost
    score: float
    """The backend's relevance score; 0 for orders other than relevance and for browsing."""
    missing: tuple[str, ...] = ()
    """In a partial answer (:attr:`SearchPage.match` ``"partial"``): the labels of the
    :class:`~search.plan.Partial` node's optional words this post lacks, in the node's order.
    Empty otherwise."""


@dataclass(slots=True)
class FacetCount:
    """One facet value and how many matches have it. Read-only, though not frozen (like
    :class:`StoredPost` and :class:`Hit`): a frozen dataclass costs three to four times as much to
    make and a search makes hundreds; a backend may hand out the same objects again."""

    value: str
    count: int


@dataclass(frozen=True)
class Facets:
    """Multi-select facet counts, ordered as the module docstring says."""

    category: tuple[FacetCount, ...] = ()
    year: tuple[FacetCount, ...] = ()
    month: tuple[FacetCount, ...] = ()
    fiscal_year: tuple[FacetCount, ...] = ()

    @classmethod
    def counted(cls, categories: Mapping[str, int], months: Mapping[str, int]) -> Facets:
        """The facets of category counts and ``YYYY-MM`` month counts: a year and a 年度 are
        unions of months, so a backend counts months alone and the other two follow."""
        years: Counter[str] = Counter()
        fiscal: Counter[str] = Counter()
        for month, n in months.items():
            first = dt.date(int(month[:4]), int(month[5:7]), 1)
            years[f"{first.year:04d}"] += n
            fiscal[f"{fiscal_year(first):04d}"] += n

        def newest_first(counts: Mapping[str, int]) -> tuple[FacetCount, ...]:
            return tuple(FacetCount(v, n) for v, n in sorted(counts.items(), reverse=True) if n)

        by_count = sorted(
            ((v, n) for v, n in categories.items() if n), key=lambda kv: (-kv[1], kv[0])
        )
        return cls(
            category=tuple(FacetCount(v, n) for v, n in by_count),
            year=newest_first(years),
            month=newest_first(months),
            fiscal_year=newest_first(fiscal),
        )


#: Whether a search's plan matched strictly (``"all"``) or through the fallback of a
#: :class:`~search.plan.Partial` node (``"partial"``; module docstring, "Partial answers").
MatchKind = Literal["all", "partial"]


@dataclass(frozen=True)
class SearchPage:
    total: int
    """Matches that pass the filters."""
    hits: tuple[Hit, ...]
    facets: Facets
    match: MatchKind = "all"
    """``"partial"`` when a :class:`~search.plan.Partial` node of the plan fell back to the
    posts with the most of its optional words (then each hit's :attr:`Hit.missing` says which
    it lacks); ``"all"`` otherwise, including browsing and plans without such a node."""


#: Where a term occurs in one document: ``(position, startchar, endchar)``, positions as the
#: analyser counts them and characters into the stored field text.
Occurrence = tuple[int, int, int]


class TermLexicon(Protocol):
    """The terms a snapshot holds, for the query compiler (:mod:`search.plan`)."""

    def __contains__(self, key: tuple[str, str]) -> bool:
        """Whether some post holds ``(field, term)``."""

    def doc_frequency(self, field: str, term: str) -> int:
        """How many posts hold ``term`` in ``field`` (deleted ones may still count)."""


class Snapshot(Protocol):
    """One consistent generation, for one request on one thread (:meth:`Backend.snapshot`)."""

    generation: str
    """Identifies the generation: equal strings, equal contents (for caches above the seam)."""
    readings: ReadingLexicon
    """The generation's reading lexicon (empty when it has none)."""
    lexicon: TermLexicon
    has_offsets: bool
    """True when :meth:`term_chars` answers from the index; else the service re-finds matches in
    the stored text."""

    def search(self, query: SearchQuery) -> SearchPage:
        """Evaluate the plan, filter, count facets and return one page (contract: module
        docstring)."""

    def term_chars(
        self, field: str, term: str, refs: Sequence[Hashable]
    ) -> Mapping[Hashable, Sequence[Occurrence]]:
        """Occurrences of ``term`` in ``field`` of each of the documents ``refs`` that hold it
        (only when :attr:`has_offsets`)."""

    def post(self, post_id: str) -> StoredPost | None:
        """The stored post with this id, or None."""

    def read_file(self, name: str) -> bytes | None:
        """A file kept with this snapshot's generation (:meth:`WriteSession.put_file`; the
        suggestion lexicon ``suggest.json``), or None when there is none or it cannot be read.
        Not cached by the backend: callers keep what they make of it per :attr:`generation`."""

    def neighbours(self, post_id: str) -> tuple[PostBrief | None, PostBrief | None]:
        """The posts just before (older) and after (newer) ``post_id`` in date order (ties by
        id); ``(None, None)`` for an unknown id."""


@dataclass(frozen=True)
class BackendStats:
    """What ``policy-search stats`` says about the live index, whatever the backend."""

    backend: str
    """``whoosh`` or ``opensearch``."""
    location: str
    """Where it reads: the index root (Whoosh), the cluster URL and alias (OpenSearch)."""
    generation: str
    """The live generation, as people name it (Whoosh: the directory's name; OpenSearch: the
    index behind the alias)."""
    posts: int
    terms: int | None = None
    """Distinct terms of titles and bodies, when the backend can tell cheaply."""
    size_bytes: int | None = None
    """Size of the index (on disk, or primary store size)."""
    details: tuple[tuple[str, str | int], ...] = ()
    """Backend-specific lines, as ``(label, value)``: segments, cluster health, nodes…"""


class Backend(Protocol):
    """A search backend over one index (one per process; thread-safe)."""

    name: str
    """``whoosh`` or ``opensearch``."""

    def snapshot(self) -> AbstractContextManager[Snapshot]:
        """``with backend.snapshot() as snap:`` the newest published generation, for one request.
        Raises :class:`IndexUnavailable`."""

    def live(self) -> Generation | None:
        """The live generation, or None when nothing was published yet. Raises
        :class:`IndexUnavailable` when the backend cannot be reached."""

    def begin(self, rebuild: bool) -> WriteSession:
        """Start a rebuild (a new, empty generation) or an update (of the live one). The caller
        holds the index's write lock."""

    def stats(self) -> BackendStats:
        """Raises :class:`IndexUnavailable` when nothing is published or it cannot be reached."""

    def forget(self) -> None:
        """Drop cached results (benchmarks time cold queries this way)."""

    def close(self) -> None:
        """Release everything; later snapshots raise :class:`IndexUnavailable`."""


def create_backend(settings: Settings) -> Backend:
    """The backend :attr:`Settings.backend` names (its package is imported here, not before)."""
    try:
        package = BACKENDS[settings.backend]
    except KeyError:
        raise ValueError(
            f"unknown backend {settings.backend!r}: set POLICY_SEARCH_BACKEND to "
            f"one of {', '.join(BACKENDS)}"
        ) from None
    return importlib.import_module(package).create(settings)
