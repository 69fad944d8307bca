"""The OpenSearch backend: the seam of :mod:`search.backend` over one cluster.

**Indexes.** Searches read the alias ``Settings.opensearch_index`` (``policy-posts``). A rebuild
creates ``<alias>-gen-<UTC time>-<random>`` (no replicas and no refresh while it is filled, then
the configured replicas, a refresh and a wait until every copy is allocated), and moves the alias
to it with one ``_aliases`` call (remove from the old index and add to the new one: atomic, so
every search sees one of the two). Old generations are deleted :data:`GRACE_SECONDS` later, so
that a search that resolved the alias just before the swap still finds its shards. An update
writes into the index behind the alias and refreshes it before it returns.

**Files kept with a generation** (the reading lexicon, the indexer's ``build.json`` and
``hashes.json``) are documents of a small side index ``<alias>-meta`` with the id
``<index>/<file name>``: every policy-search process that reads the cluster shares them, and a
rebuild's files are written before its alias swap. ``<index>/.published`` is bumped by every
publish; servers look at it (and at the alias) at most every ``check_interval`` seconds and then
load the new reading lexicon.

**The compiler's term statistics** (which reading terms a field holds, and how many posts hold
each) come from the cluster: :class:`Lexicon` asks for all the terms a kana word could stand for
in one ``filters`` aggregation and keeps the answers per generation.

**Snippets**: each hit's ``_source`` keeps the unit field and the units' character offsets
(:mod:`.mapping`), so :meth:`Snapshot.term_chars` answers from the hits the search fetched.
"""

from __future__ import annotations

import base64
import datetime as dt
import multiprocessing as mp
import secrets
import threading
import time
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from opensearchpy import helpers
from opensearchpy.exceptions import NotFoundError, OpenSearchException

from search.analysis import morphology
from search.backend import (
    BackendError,
    BackendStats,
    Facets,
    Hit,
    IndexUnavailable,
    Loaded,
    MatchKind,
    Order,
    PostBrief,
    PostEntry,
    PostLoader,
    Progress,
    Published,
    Rejected,
    SearchPage,
    SearchQuery,
    StoredPost,
    WriteResult,
)
from search.plan import Everything, Plan
from search.readings import READINGS_NAME, ReadingLexicon
from search.schema import Post
from search.suggest import WordCounts

from . import dsl
from .connection import connect, public_url, reaching
from .mapping import document, encode_term, find_term, index_body

#: Seconds between a rebuild's alias swap and the deletion of the index it replaced.
GRACE_SECONDS = 2.0
#: Seconds a write may take (bulk requests, index creation, waiting for replicas).
WRITE_TIMEOUT = 120
#: Posts analysed and sent to the cluster at a time.
CHUNK = 64
#: Terms whose document frequency one request asks for.
DF_BATCH = 1000
#: Term statistics kept per generation before the cache starts again.
DF_ENTRIES = 200_000
#: The largest ``from + size`` a search may ask for (pages up to 10,000 of 100 posts).
MAX_WINDOW = 1_000_100
PUBLISHED = ".published"
#: Scores from the term statistics of the whole index, not of each shard: identical posts in two
#: shards tie, and a ranking does not depend on where the alias's documents happen to lie. Costs
#: one more round of small per-shard requests per search (docs/scale-out.md).
SEARCH_TYPE = "dfs_query_then_fetch"
#: Searches are answered from the copies on the node the client asked, where it holds them (on
#: the local cluster each node holds a copy of every shard): every phase of a search then runs in
#: one process, with no hop to the other node, which showed in the latency's tail on a busy
#: machine (docs/scale-out.md). A copy that is missing or failing is taken from another node.
PREFERENCE = "_local"
#: Seconds to wait before asking again a search that some shard copies failed (a copy that has
#: just been allocated can fail its first searches for a moment): at most about a third of a
#: second in all, well inside the read timeout.
SHARD_RETRY_PAUSES = (0.05, 0.25)


@dataclass
class _State:
    """What a server knows about the live generation: the index behind the alias, its publish
    count, its reading lexicon, and the term statistics asked for so far."""

    index: str
    version: int
    readings: ReadingLexicon
    df: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def generation(self) -> str:
        return f"{self.index}#{self.version}"


class OpenSearchBackend:
    """The seam's :class:`~search.backend.Backend` over an OpenSearch cluster (thread-safe)."""

    name = "opensearch"

    def __init__(self, settings, check_interval: float = 0.5) -> None:
        self.settings = settings
        self.url = settings.opensearch_url
        self.alias = settings.opensearch_index
        if self.alias != self.alias.lower() or not self.alias or self.alias[0] in "-_+.":
            raise ValueError(
                f"POLICY_SEARCH_OPENSEARCH_INDEX={self.alias!r}: OpenSearch index "
                "names are lower case and start with a letter or digit"
            )
        self.meta = f"{self.alias}-meta"
        self.prefix = f"{self.alias}-gen-"
        self.check_interval = check_interval
        self.client = connect(self.url, settings.opensearch_timeout, settings.opensearch_ca)
        self._lock = threading.Lock()
        self._state: _State | None = None
        self._checked = 0.0
        self._closed = False

    # --- helpers ----------------------------------------------------------------------------

    def reaching(self):
        return reaching(self.url, self.alias)

    def alias_target(self) -> str | None:
        """The index behind the alias, or None when there is none."""
        try:
            # local: from this node's cluster state. Without it the call waits for the cluster
            # manager, and a two-node cluster that lost its voting node has none (searches
            # still work there: they need no cluster manager).
            found = self.client.indices.get_alias(name=self.alias, local=True)
        except NotFoundError:
            return None
        names = sorted(found)
        return names[-1] if names else None

    def read_file(self, index: str, name: str) -> bytes | None:
        try:
            doc = self.client.get(index=self.meta, id=f"{index}/{name}")
        except NotFoundError:
            return None
        src = doc.get("_source") or {}
        data = src.get("data")
        if not isinstance(data, str):
            return None
        return base64.b64decode(data) if src.get("encoding") == "base64" else data.encode("utf-8")

    def write_files(self, index: str, files: Mapping[str, bytes]) -> None:
        """Write files kept with ``index`` (and bump nothing: see :meth:`bump`)."""
        if not files:
            return
        self._ensure_meta()
        actions = []
        for name, data in files.items():
            try:
                text, encoding = data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                text, encoding = base64.b64encode(data).decode("ascii"), "base64"
            actions.append(
                {
                    "_index": self.meta,
                    "_id": f"{index}/{name}",
                    "_source": {"index": index, "name": name, "data": text, "encoding": encoding},
                }
            )
        helpers.bulk(self.client, actions, refresh="wait_for", request_timeout=WRITE_TIMEOUT)

    def bump(self, index: str) -> None:
        """Tell readers that ``index`` changed (they reload its files)."""
        self._ensure_meta()
        self.client.index(
            index=self.meta,
            id=f"{index}/{PUBLISHED}",
            body={"index": index, "name": PUBLISHED, "at": dt.datetime.now(dt.UTC).isoformat()},
            request_timeout=WRITE_TIMEOUT,
        )

    def _ensure_meta(self) -> None:
        if self.client.indices.exists(index=self.meta):
            return
        body = {
            "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
            "mappings": {
                "dynamic": False,
                "properties": {"index": {"type": "keyword"}, "name": {"type": "keyword"}},
            },
        }
        try:
            self.client.indices.create(index=self.meta, body=body, request_timeout=WRITE_TIMEOUT)
        except OpenSearchException as exc:
            if "resource_already_exists_exception" not in str(exc):
                raise

    def drop_files(self, index: str) -> None:
        if not self.client.indices.exists(index=self.meta):
            return
        found = self.client.search(
            index=self.meta,
            body={"query": {"term": {"index": index}}, "size": 1000, "_source": False},
        )
        actions = [
            {"_op_type": "delete", "_index": self.meta, "_id": h["_id"]}
            for h in found["hits"]["hits"]
        ]
        if actions:
            helpers.bulk(self.client, actions, raise_on_error=False, refresh="wait_for")

    # --- read side --------------------------------------------------------------------------

    def _current(self) -> _State:
        now = time.monotonic()
        with self._lock:
            if self._closed:
                raise IndexUnavailable("the search service is closed")
            state = self._state
            if state is not None and now - self._checked < self.check_interval:
                return state
            self._checked = now
        with self.reaching():
            index = self._published()
            version = self._version(index)
            if state is not None and (state.index, state.version) == (index, version):
                return state
            raw = self.read_file(index, READINGS_NAME)
        readings = ReadingLexicon.parse(raw) or ReadingLexicon()
        state = _State(index, version, readings)
        with self._lock:
            self._state = state
        return state

    def _published(self) -> str:
        """The index the alias points at; IndexUnavailable, saying how to build one, when none."""
        index = self.alias_target()
        if index is None:
            raise IndexUnavailable(
                f"no OpenSearch index {self.alias!r} at {public_url(self.url)} yet: build it "
                "with `POLICY_SEARCH_BACKEND=opensearch policy-search rebuild`"
            )
        return index

    def _version(self, index: str) -> int:
        try:
            doc = self.client.get(index=self.meta, id=f"{index}/{PUBLISHED}", _source=False)
        except NotFoundError:
            return 0
        return int(doc.get("_version", 0))

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        state = self._current()
        yield Snapshot(self, state)

    def live(self) -> Generation | None:
        with self.reaching():
            index = self.alias_target()
        return None if index is None else Generation(self, index)

    def begin(self, rebuild: bool) -> WriteSession:
        with self.reaching():
            return WriteSession(self, rebuild)

    def stats(self) -> BackendStats:
        with self.reaching():
            index = self._published()
            health = self.client.cluster.health(local=True)
            count = self.client.count(index=index)["count"]
            store = self.client.indices.stats(index=index, metric="store")
            settings = self.client.indices.get_settings(index=index)[index]["settings"]["index"]
            raw = self.read_file(index, READINGS_NAME)
        readings = ReadingLexicon.parse(raw) or ReadingLexicon()
        size = store["_all"]["primaries"]["store"]["size_in_bytes"]
        return BackendStats(
            backend=self.name,
            location=f"{public_url(self.url)} (alias {self.alias})",
            generation=index,
            posts=count,
            size_bytes=size,
            details=(
                ("cluster", f"{health['cluster_name']} ({health['status']})"),
                ("nodes", health["number_of_nodes"]),
                (
                    "shards",
                    f"{settings['number_of_shards']} primaries, "
                    f"{settings['number_of_replicas']} replicas each",
                ),
                ("readings", len(readings)),
            ),
        )

    def forget(self) -> None:
        with self._lock:
            state = self._state
        if state is not None:
            with state.lock:
                state.df.clear()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._state = None
        self.client.close()


class Lexicon:
    """The compiler's view of the terms the live index holds (:class:`~search.backend.
    TermLexicon`), asked of the cluster in batches and remembered for the generation."""

    def __init__(self, backend: OpenSearchBackend, state: _State) -> None:
        self._backend = backend
        self._state = state

    def prefetch(self, field: str, terms: Iterable[str]) -> None:
        """Learn the document frequency of every term in ``terms`` (one request per
        :data:`DF_BATCH`)."""
        df, lock = self._state.df, self._state.lock
        with lock:
            missing = sorted({t for t in terms if (field, t) not in df})
        for start in range(0, len(missing), DF_BATCH):
            batch = missing[start : start + DF_BATCH]
            body = {
                "size": 0,
                "track_total_hits": False,
                "aggs": {
                    "df": {
                        "filters": {"filters": [{"term": {field: encode_term(t)}} for t in batch]}
                    }
                },
            }
            with self._backend.reaching():
                found = self._backend.client.search(
                    index=self._backend.alias, body=body, preference=PREFERENCE
                )
            buckets = found["aggregations"]["df"]["buckets"]
            with lock:
                if len(df) + len(batch) > DF_ENTRIES:
                    df.clear()
                df.update(
                    ((field, t), b["doc_count"]) for t, b in zip(batch, buckets, strict=False)
                )

    def doc_frequency(self, field: str, term: str) -> int:
        key = (field, term)
        found = self._state.df.get(key)
        if found is None:
            self.prefetch(field, (term,))
            found = self._state.df.get(key, 0)
        return found

    def __contains__(self, key: tuple[str, str]) -> bool:
        return self.doc_frequency(*key) > 0


def _stored(hit: dict) -> StoredPost:
    src = hit["_source"]
    stored = src["stored"]
    return StoredPost(
        ref=hit["_id"],
        id=src["id"],
        title=stored["title"],
        date=src["date"],
        category=src["category"],
        url=stored.get("url") or "",
        tags=tuple(stored.get("tags") or ()),
        body=stored.get("body") or "",
    )


def _missing(labels: Mapping[str, str], matched: Iterable[str]) -> tuple[str, ...]:
    """The labels of a partial answer's optional words whose named query a hit did not match."""
    if not labels:
        return ()
    held = set(matched)
    return tuple(label for name, label in labels.items() if name not in held)


def _epoch_millis(date: str) -> int:
    return (dt.date.fromisoformat(date) - dt.date(1970, 1, 1)).days * 86_400_000


class Snapshot:
    """The live generation for one request (:class:`~search.backend.Snapshot`)."""

    has_offsets = True

    def __init__(self, backend: OpenSearchBackend, state: _State) -> None:
        self._backend = backend
        self._client = backend.client
        self._alias = backend.alias
        self.generation = state.generation
        self._index = state.index
        self.readings = state.readings
        self.lexicon = Lexicon(backend, state)
        self._sources: dict[Hashable, dict] = {}

    def search(self, query: SearchQuery) -> SearchPage:
        if query.plan is None:
            return SearchPage(0, (), Facets())
        guess = dsl.assume_whole(query.plan)
        if guess:
            # Most searches with Partial nodes match some post that holds every word: ask for
            # that answer first, and probe (one more search per node) only when it is empty.
            page = self._page(query, guess, {}, guessed=True)
            if page is not None:
                return page
        resolved, partial = self._resolve_partials(query.plan)
        page = self._page(query, resolved, partial, guessed=False)
        assert page is not None
        return page

    def _page(
        self,
        query: SearchQuery,
        resolved: dsl.Resolved,
        partial: Mapping[str, str],
        guessed: bool,
    ) -> SearchPage | None:
        """The page of ``query`` with its Partial nodes as ``resolved`` says; ``None`` when
        ``resolved`` is a guess (:func:`.dsl.assume_whole`) and the query matched no post, so
        the guess is unconfirmed."""
        assert query.plan is not None
        body: dict = {
            "query": dsl.to_query(query.plan, resolved),
            "aggs": dsl.facet_aggregations(query.filters, matched=guessed),
            "sort": dsl.sort(query.order),
            "track_total_hits": True,
        }
        post_filter = dsl.post_filter(query.filters)
        if post_filter is not None:
            body["post_filter"] = post_filter
        match: MatchKind = "partial" if partial else "all"
        with self._backend.reaching():
            if query.start + query.size > 10_000:
                # A deep page: learn the total first, so that the window asked for never
                # exceeds the matches (each shard keeps from + size entries in memory).
                counted = self._client.search(
                    index=self._alias, body={**body, "size": 0}, preference=PREFERENCE
                )
                if guessed and not _matched(counted):
                    return None
                total = counted["hits"]["total"]["value"]
                if query.start >= total:
                    return SearchPage(total, (), _facets(counted), match)
            found = self._whole(body, query.start, query.size)
        if guessed and not _matched(found):
            return None
        scored = query.order is Order.RELEVANCE and not isinstance(query.plan, Everything)
        hits = []
        for h in found["hits"]["hits"]:
            self._sources[h["_id"]] = h["_source"]
            hits.append(
                Hit(
                    _stored(h),
                    float(h.get("_score") or 0.0) if scored else 0.0,
                    _missing(partial, h.get("matched_queries") or ()),
                )
            )
        return SearchPage(found["hits"]["total"]["value"], tuple(hits), _facets(found), match)

    def _whole(self, body: dict, start: int, size: int) -> dict:
        """The search's answer from every shard. A shard copy that fails (one still starting,
        or on a node that just died) leaves OpenSearch's answer short of hits while it still
        says 200; the search is asked again after a short pause (:data:`SHARD_RETRY_PAUSES`),
        which the other copy, or the copy that has finished starting, answers; an answer still
        short after that is a 503 rather than a page served as if it were whole."""
        for pause in (*SHARD_RETRY_PAUSES, None):
            found = self._client.search(
                index=self._alias,
                body={**body, "from": start, "size": size},
                search_type=SEARCH_TYPE,
                preference=PREFERENCE,
            )
            shards = found.get("_shards") or {}
            if not shards.get("failed"):
                return found
            if pause is not None:
                time.sleep(pause)
        raise IndexUnavailable(
            f"OpenSearch answered from {shards.get('successful', 0)} of "
            f"{shards.get('total', '?')} shards; the cluster is recovering, "
            "try again in a moment"
        )

    def _resolve_partials(self, plan: Plan) -> tuple[dict[int, int | None], dict[str, str]]:
        """Each :class:`~search.plan.Partial` node of ``plan`` and the number of its optional
        words a post must hold (:func:`.dsl.partial_probe`, one search per node, rarely more
        than one); and, for the nodes that fell back, ``{query name: label}`` of their optional
        words (empty when no node fell back)."""
        resolved: dict[int, int | None] = {}
        labels: dict[str, str] = {}
        for node in dsl.partial_nodes(plan):
            with self._backend.reaching():
                found = self._client.search(
                    index=self._alias,
                    body=dsl.partial_probe(node, resolved),
                    preference=PREFERENCE,
                )
            best = found["hits"]["hits"]
            m = round(best[0]["_score"] or 0.0) if best else None
            index = len(resolved)
            resolved[id(node)] = m
            if m is not None and m < len(node.optional):
                labels.update(
                    (dsl.partial_name(index, k), label) for k, label in enumerate(node.labels)
                )
        return resolved, labels

    def _source(self, refs: Sequence[Hashable]) -> None:
        missing = [r for r in refs if r not in self._sources]
        if not missing:
            return
        with self._backend.reaching():
            found = self._client.mget(index=self._alias, body={"ids": missing})
        for doc in found["docs"]:
            if doc.get("found"):
                self._sources[doc["_id"]] = doc["_source"]

    def term_chars(
        self, field: str, term: str, refs: Sequence[Hashable]
    ) -> Mapping[Hashable, Sequence[tuple[int, int, int]]]:
        self._source(refs)
        encoded = encode_term(term)
        out = {}
        for ref in refs:
            src = self._sources.get(ref)
            if src is None:
                continue
            found = find_term(src.get(field) or "", src["offsets"][field], encoded)
            if found:
                out[ref] = found
        return out

    def post(self, post_id: str) -> StoredPost | None:
        with self._backend.reaching():
            try:
                doc = self._client.get(index=self._alias, id=post_id)
            except NotFoundError as exc:
                if isinstance(exc.info, dict) and exc.info.get("found") is False:
                    return None
                raise
        self._sources[doc["_id"]] = doc["_source"]
        return _stored(doc)

    def read_file(self, name: str) -> bytes | None:
        with self._backend.reaching():
            return self._backend.read_file(self._index, name)

    def neighbours(self, post_id: str) -> tuple[PostBrief | None, PostBrief | None]:
        post = self.post(post_id)
        if post is None:
            return None, None
        after = [_epoch_millis(post.date), post.id]
        source = ["id", "date", "stored.title"]
        searches = []
        for direction in ("desc", "asc"):
            searches += [
                {"index": self._alias},
                {
                    "query": {"match_all": {}},
                    "size": 1,
                    "_source": source,
                    "sort": [{"date": direction}, {"id": direction}],
                    "search_after": after,
                },
            ]
        with self._backend.reaching():
            found = self._client.msearch(body=searches)
        out: list[PostBrief | None] = []
        for response in found["responses"]:
            if "error" in response:
                raise IndexUnavailable(
                    f"OpenSearch could not find a post's neighbours: {response['error']}"
                )
            hits = response["hits"]["hits"]
            if not hits:
                out.append(None)
                continue
            src = hits[0]["_source"]
            out.append(PostBrief(src["id"], src["stored"]["title"], src["date"]))
        return out[0], out[1]


def _facets(found: dict) -> Facets:
    aggs = found["aggregations"]
    return Facets.counted(
        {b["key"]: b["doc_count"] for b in aggs["by_category"]["category"]["buckets"]},
        {b["key"]: b["doc_count"] for b in aggs["by_date"]["month"]["buckets"]},
    )


def _matched(found: dict) -> int:
    """How many posts the search's query matched before its filters (its aggregations counted
    them: ``dsl.facet_aggregations(..., matched=True)``)."""
    matched = found["aggregations"].get("matched")
    return found["hits"]["total"]["value"] if matched is None else matched["doc_count"]


# --- write side -------------------------------------------------------------------------------


def _analyse(
    items: Sequence[Path | Post], load: PostLoader
) -> tuple[list[tuple[dict, PostEntry]], list[Rejected], set[tuple[str, str]], WordCounts]:
    """Documents of a chunk of items (in a worker process, or in this one), the items that were
    not posts, the ``(reading, term)`` pairs of the analysed text and its words' post counts
    (:attr:`search.backend.WriteResult.words`)."""
    units = morphology().units
    docs: list[tuple[dict, PostEntry]] = []
    rejected: list[Rejected] = []
    pairs: set[tuple[str, str]] = set()
    words = WordCounts()
    for item in items:
        read = Loaded(item) if isinstance(item, Post) else load(item)
        if isinstance(read, Rejected):
            rejected.append(read)
            continue
        loaded = read
        post = loaded.post
        title, body = units(post.title), units(post.body)
        for unit_list in (title, body):
            pairs.update((u[4], u[3]) for u in unit_list if u[4])
        entry = PostEntry(post.content_hash(), loaded.key)
        docs.append((document(post, title, body, loaded.key), entry))
        words.add_post(post.title, post.body)  # from the analyses just made (cached)
    return docs, rejected, pairs, words


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class WriteSession:
    """A rebuild (a new index, swapped in by :meth:`publish`) or an update (of the live index,
    visible once :meth:`publish` refreshes it)."""

    def __init__(self, backend: OpenSearchBackend, rebuild: bool) -> None:
        self._backend = backend
        self._client = backend.client
        self._files: dict[str, bytes] = {}
        self._done = False
        self.rebuild = rebuild
        if rebuild:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dt%H%M%S")
            self.index = f"{backend.prefix}{stamp}-{secrets.token_hex(3)}"
            settings = backend.settings
            body = index_body(settings.opensearch_shards, 0, refresh_interval="-1")
            body["settings"]["index"]["max_result_window"] = MAX_WINDOW
            self._client.indices.create(index=self.index, body=body, request_timeout=WRITE_TIMEOUT)
        else:
            index = backend.alias_target()
            if index is None:
                raise IndexUnavailable(
                    f"no OpenSearch index {backend.alias!r} to update: run "
                    "`policy-search rebuild` first"
                )
            self.index = index

    def write(
        self,
        items: Sequence[Path | Post],
        load: PostLoader,
        *,
        workers: int = 1,
        progress: Progress | None = None,
    ) -> WriteResult:
        result = WriteResult()
        if not items:
            return result
        chunks = _chunks(list(items), CHUNK)
        with self._backend.reaching():
            if workers <= 1 or len(chunks) == 1:
                analysed: Iterable = (_analyse(chunk, load) for chunk in chunks)
                self._send(analysed, result, progress, len(items))
            else:
                # spawn: workers inherit nothing (no server threads, no locks, no client).
                try:
                    with ProcessPoolExecutor(
                        max_workers=workers, mp_context=mp.get_context("spawn")
                    ) as pool:
                        analysed = pool.map(_analyse, chunks, repeat(load))
                        self._send(analysed, result, progress, len(items))
                except BrokenProcessPool as exc:
                    raise BackendError(
                        "a process analysing posts died (out of memory, or "
                        "killed); nothing was published: run the command "
                        "again"
                    ) from exc
        return result

    def _send(
        self, analysed: Iterable, result: WriteResult, progress: Progress | None, total: int
    ) -> None:
        done = 0
        for docs, rejected, pairs, words in analysed:
            result.rejected.extend(rejected)
            result.readings |= pairs
            result.words.merge(words)
            actions = [{"_index": self.index, "_id": doc["id"], "_source": doc} for doc, _ in docs]
            if actions:
                _ok, errors = helpers.bulk(
                    self._client, actions, raise_on_error=False, request_timeout=WRITE_TIMEOUT
                )
                if errors:
                    raise BackendError(
                        f"OpenSearch refused {len(errors)} of {len(actions)} "
                        f"posts (first: {_first_error(errors)}); nothing was "
                        "published"
                    )
            for doc, entry in docs:
                result.written[doc["id"]] = entry
            done += len(docs) + len(rejected)
            if progress is not None:
                progress(done, total)

    def delete(self, ids: Collection[str]) -> None:
        actions = [{"_op_type": "delete", "_index": self.index, "_id": i} for i in ids]
        if not actions:
            return
        with self._backend.reaching():
            _ok, errors = helpers.bulk(
                self._client, actions, raise_on_error=False, request_timeout=WRITE_TIMEOUT
            )
        errors = [e for e in errors if e.get("delete", {}).get("status") != 404]
        if errors:
            raise BackendError(
                f"OpenSearch could not delete {len(errors)} posts (first: {_first_error(errors)})"
            )

    def put_file(self, name: str, data: bytes) -> None:
        self._files[name] = bytes(data)

    def publish(self) -> Published:
        backend, client = self._backend, self._client
        with backend.reaching():
            if self.rebuild:
                replicas = backend.settings.opensearch_replicas
                client.indices.put_settings(
                    index=self.index,
                    body={"index": {"number_of_replicas": replicas, "refresh_interval": "1s"}},
                    request_timeout=WRITE_TIMEOUT,
                )
            client.indices.refresh(index=self.index, request_timeout=WRITE_TIMEOUT)
            if self.rebuild:
                self._wait_for_copies()
            backend.write_files(self.index, self._files)
            posts = client.count(index=self.index)["count"]
            if self.rebuild:
                old = sorted(
                    client.indices.get(index=f"{backend.prefix}*", expand_wildcards="open,closed")
                )
                actions = [
                    {"remove": {"index": name, "alias": backend.alias}}
                    for name in (backend.alias_target(),)
                    if name
                ]
                actions.append({"add": {"index": self.index, "alias": backend.alias}})
                client.indices.update_aliases(
                    body={"actions": actions}, request_timeout=WRITE_TIMEOUT
                )
            backend.bump(self.index)
        self._done = True
        if self.rebuild:
            stale = [name for name in old if name != self.index]
            if stale:
                time.sleep(GRACE_SECONDS)
                self._delete_indexes(stale)
        return Published(self.index, posts)

    def _wait_for_copies(self) -> None:
        """Wait until every copy of the new index is allocated (green), or until primaries are
        (yellow) when the cluster has too few nodes for the replicas."""
        client = self._client
        nodes = client.cluster.health()["number_of_data_nodes"]
        wanted = "green" if self._backend.settings.opensearch_replicas < nodes else "yellow"
        health = client.cluster.health(
            index=self.index, wait_for_status=wanted, timeout="100s", request_timeout=WRITE_TIMEOUT
        )
        if health.get("timed_out"):
            raise BackendError(
                f"the new index {self.index} did not become {wanted} in 100 s "
                f"(it is {health.get('status')}); nothing was published"
            )

    def _delete_indexes(self, names: list[str]) -> None:
        """Delete replaced generations and their files; a failure only leaves them behind (the
        next rebuild tries again)."""
        for name in names:
            try:
                self._client.indices.delete(index=name, request_timeout=WRITE_TIMEOUT)
                self._backend.drop_files(name)
            except OpenSearchException:
                pass

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        if self.rebuild:
            try:
                self._client.indices.delete(index=self.index, request_timeout=WRITE_TIMEOUT)
                self._backend.drop_files(self.index)
            except OpenSearchException:
                pass  # left for the next rebuild, which deletes every generation but the live one


def _first_error(errors: list) -> str:
    first = errors[0] if errors else {}
    detail = next(iter(first.values()), {}) if isinstance(first, dict) else first
    if isinstance(detail, dict):
        error = detail.get("error")
        if isinstance(error, dict):
            return f"{detail.get('_id')}: {error.get('type')}: {error.get('reason')}"
        return f"{detail.get('_id')}: {error}"
    return str(detail)[:300]


class Generation:
    """The index behind the alias, as the indexer sees it (:class:`~search.backend.Generation`)."""

    def __init__(self, backend: OpenSearchBackend, index: str) -> None:
        self._backend = backend
        self.name = index

    def read_file(self, name: str) -> bytes | None:
        with self._backend.reaching():
            return self._backend.read_file(self.name, name)

    def write_file(self, name: str, data: bytes) -> None:
        with self._backend.reaching():
            self._backend.write_files(self.name, {name: bytes(data)})

    def content_hashes(self) -> dict[str, str]:
        out = {}
        with self._backend.reaching():
            for hit in helpers.scan(
                self._backend.client,
                index=self.name,
                query={"query": {"match_all": {}}},
                _source=["id", "stored.content_hash"],
                size=1000,
            ):
                src = hit["_source"]
                out[src["id"]] = src["stored"]["content_hash"]
        return out
