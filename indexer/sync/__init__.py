"""``policy-search sync``: follow a blog through its feed and its post pages.

For each URL (a feed, or a blog page that links its feed): fetch the feed, conditionally when the
last round left nothing to retry; for each entry that is new or changed since the last round, fetch
the post's page and take its article text (:mod:`.article`), with the title, date and category
from the feed; write the posts as ``import`` does (same ids for the same link); then bring the
index up to date with :func:`indexer.update`. What is remembered between rounds is in
:mod:`.state`; how requests are made in :mod:`.fetch`.

Safety: a feed that cannot be fetched or is not a feed writes nothing; a page that cannot be
fetched or read gives its feed excerpt for a new post and leaves a post already in the corpus as it
is (its page is tried again next round). Post files are never deleted by sync.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from search import Settings
from search.store import sync_dir

from ..build import BuildSummary, update
from ..corpus import post_path, write_post
from ..postfile import render_post
from ..problems import IndexerError
from ..sources import ImportOptions
from ..sources.feeds import read_feed_data
from ..sources.model import DEFAULT_CATEGORY
from .article import ArticleError, article_text, entry_count, feed_link, feed_root, is_html
from .fetch import Fetcher, FetchError, FetchPolicy, Response, Stopped
from .state import FeedState, ItemState, SyncState, sync_lock

__all__ = ["FetchPolicy", "Failure", "Stopped", "SyncOptions", "SyncSummary", "sync_feeds"]


@dataclass(frozen=True)
class SyncOptions:
    pages: bool = True
    """Fetch each new or changed post's page for its full text (``--no-pages``: feed text only)."""
    category: str = DEFAULT_CATEGORY
    """Category of entries whose feed names none."""
    policy: FetchPolicy = FetchPolicy()


@dataclass(frozen=True)
class Failure:
    """Something sync could not fetch or read: a ``feed`` (nothing of it written), a ``page``
    (its feed excerpt used, or the post already in the corpus kept) or a feed ``entry``
    (skipped)."""

    kind: str
    url: str
    reason: str
    outcome: str = ""

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}" + (f"; {self.outcome}" if self.outcome else "")


@dataclass
class SyncSummary:
    feeds: int = 0
    fetched: int = 0
    """HTTP requests made (robots.txt, feeds, pages)."""
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    index: BuildSummary | None = None
    """What the index update did (None when there is no corpus yet or it failed)."""
    index_error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """No feed failed, no entry was rejected and the index is up to date (a page that fell
        back to its excerpt is reported but does not make a round fail)."""
        return (
            self.index_error is None
            and (self.index is None or self.index.ok)
            and not any(f.kind != "page" for f in self.failures)
        )

    def line(self) -> str:
        """The one summary line."""
        reasons = Counter(f"{f.kind} {f.reason}" for f in self.failures)
        failed = f"{len(self.failures)} failed" + (
            " (" + ", ".join(f"{r}: {n}" for r, n in sorted(reasons.items())) + ")"
            if reasons
            else ""
        )
        feeds = "1 feed" if self.feeds == 1 else f"{self.feeds} feeds"
        return (
            f"synced {feeds}: fetched {self.fetched}, {self.new} new, {self.changed} changed, "
            f"{self.unchanged} unchanged, {failed}; {self._index_phrase()}; {self.seconds:.1f} s"
        )

    def _index_phrase(self) -> str:
        b = self.index
        if self.index_error is not None:
            return "index not updated (see the error)"
        if b is None:
            return "no index update (no corpus yet)"
        if b.action == "none":
            return f"index unchanged ({b.posts} posts)"
        if b.action == "rebuild":
            return f"index rebuilt ({b.posts} posts)"
        return f"index updated: {b.added} added, {b.updated} updated ({b.posts} posts)"

    def to_dict(self) -> dict:
        """Every field (``index`` as :meth:`BuildSummary.to_dict` gives it), ``failed`` (how many
        failures) and ``ok``."""
        return {
            **asdict(self),
            "failed": len(self.failures),
            "index": None if self.index is None else self.index.to_dict(),
            "ok": self.ok,
        }


def sync_feeds(
    urls: Sequence[str],
    settings: Settings,
    options: SyncOptions = SyncOptions(),
    *,
    stop: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
    wait: float = 0.0,
) -> SyncSummary:
    """One round over ``urls``; raises :class:`~indexer.IndexLocked` when another sync of the
    same index runs, :class:`Stopped` when ``stop`` is set mid-round."""
    started = time.perf_counter()
    summary = SyncSummary(feeds=len(urls))
    corpus = Path(settings.corpus_dir)
    with sync_lock(settings.index_dir):
        state = SyncState.load(settings.index_dir)
        fetcher = Fetcher(options.policy, state.robots, stop)
        try:
            for url in urls:
                _FeedSync(url, state, fetcher, corpus, options, summary).run()
                state.save()
        finally:
            summary.fetched = fetcher.requests
    if corpus.is_dir():
        try:
            summary.index = update(settings, progress, wait=wait)
        except IndexerError as exc:
            summary.index_error = (
                f"{exc} (the posts are in {corpus}: run `policy-search update` "
                "once the index is free)"
            )
    summary.seconds = time.perf_counter() - started
    return summary


class _FeedSync:
    def __init__(
        self,
        url: str,
        state: SyncState,
        fetcher: Fetcher,
        corpus: Path,
        options: SyncOptions,
        summary: SyncSummary,
    ) -> None:
        self.url = url
        self.state = state
        self.feed = state.feeds.get(url) or FeedState()
        self.fetcher = fetcher
        self.corpus = corpus
        self.options = options
        self.summary = summary
        self.rediscovered = False

    def fail(self, kind: str, url: str, reason: str, outcome: str = "") -> None:
        self.summary.failures.append(Failure(kind, url, reason, outcome))

    def run(self) -> None:
        response = self._fetch_feed()
        if response is None:
            return
        if response.status == 304:
            self.summary.unchanged += len(self.feed.items)
            return
        if entry_count(response.body) == 0:
            posts, problems = [], []
        else:
            result = read_feed_data(
                response.body, response.url, ImportOptions(category=self.options.category)
            )
            posts, problems = result.posts, result.problems
        for problem in problems:
            self.fail("entry", f"{problem.file}:{problem.line}", problem.reason, "skipped")
        items: dict[str, ItemState] = {}
        for source in posts:
            if source.post.id in items:
                self.fail(
                    "entry",
                    f"{source.file}:{source.line}",
                    f"a second entry links {source.post.url}",
                    "skipped",
                )
                continue
            items[source.post.id] = self._sync_post(source.post)
        if self.corpus.is_dir():
            sync_dir(self.corpus)
        self.feed.items = items
        self.feed.etag = response.headers.get("ETag")
        self.feed.last_modified = response.headers.get("Last-Modified")
        self.state.feeds[self.url] = self.feed

    # --- the feed ---------------------------------------------------------------------------

    def _settled(self, post_id: str, item: ItemState) -> bool:
        """Nothing to do for this post unless its feed entry changes."""
        return (item.source == "page" or not self.options.pages) and post_path(
            self.corpus, post_id
        ).is_file()

    def _fetch_feed(self) -> Response | None:
        feed = self.feed
        headers = {}
        if all(self._settled(k, v) for k, v in feed.items.items()):
            if feed.etag:
                headers["If-None-Match"] = feed.etag
            if feed.last_modified:
                headers["If-Modified-Since"] = feed.last_modified
        target = feed.feed_url or self.url
        try:
            response = self.fetcher.get(target, headers)
        except FetchError as exc:
            if feed.feed_url and exc.reason in ("HTTP 404", "HTTP 410") and not self.rediscovered:
                self.rediscovered = True
                feed.feed_url, feed.etag, feed.last_modified = None, None, None
                return self._fetch_feed()  # the blog moved its feed: look for it again
            self.fail("feed", exc.url, exc.reason, "nothing of this feed was written")
            return None
        if response.status == 304 or feed_root(response.body):
            return response
        if target == self.url and is_html(response):
            link = feed_link(response)
            if link is None:
                self.fail(
                    "feed",
                    self.url,
                    'not a feed, and the page links none (<link rel="alternate" '
                    'type="application/rss+xml" href=…>)',
                    "nothing written",
                )
                return None
            feed.feed_url, feed.etag, feed.last_modified = link, None, None
            return self._fetch_feed()
        self.fail(
            "feed",
            response.url,
            f"not an RSS, RDF or Atom feed (the answer is "
            f"{response.content_type}, {_xml_reason(response.body)})",
            "nothing written",
        )
        return None

    # --- one post ---------------------------------------------------------------------------

    def _sync_post(self, post) -> ItemState:
        entry = hashlib.sha256(render_post(post).encode("utf-8")).hexdigest()
        old = self.feed.items.get(post.id)
        exists = post_path(self.corpus, post.id).is_file()
        if old is not None and old.entry == entry and self._settled(post.id, old):
            self.summary.unchanged += 1
            return old
        source = "feed"
        if self.options.pages:
            try:
                page = self.fetcher.get(post.url)
                post = replace(post, body=article_text(page, post.title))
                source = "page"
            except (FetchError, ArticleError) as exc:
                reason = exc.reason if isinstance(exc, FetchError) else str(exc)
                if exists:
                    self.fail("page", post.url, reason, "the post already in the corpus is kept")
                    self.summary.unchanged += 1
                    return ItemState(entry, "fallback")
                self.fail("page", post.url, reason, "the feed's excerpt is indexed instead")
                source = "fallback"
        outcome = write_post(self.corpus, post)
        if outcome == "added":
            self.summary.new += 1
        elif outcome == "updated":
            self.summary.changed += 1
        else:
            self.summary.unchanged += 1
        return ItemState(entry, source)


def _xml_reason(data: bytes) -> str:
    from lxml import etree

    try:
        etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return f"not XML: {exc.msg}"
    except ValueError as exc:
        return f"not XML: {exc}"
    return "XML of another kind"
