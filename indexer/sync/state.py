"""What sync remembers between rounds: ``<index root>/sync/state.json``, under ``sync/lock``.

Per feed: the validators of its last answer (``ETag``, ``Last-Modified``) for a conditional GET,
the address of the feed found on a blog page, and per post the hash of its feed entry and where
its text came from (``page``, ``feed`` with ``--no-pages``, ``fallback`` when the page failed).
Per host: its robots.txt (:class:`~indexer.sync.fetch.RobotsEntry`). The file is replaced
atomically at the end of each feed's sync; a missing or unreadable file means a first sync
(everything is fetched again, nothing in the corpus is lost).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..corpus import write_atomically
from ..problems import IndexLocked
from .fetch import RobotsEntry

STATE_DIR = "sync"
STATE_FILE = "state.json"
LOCK_FILE = "lock"
VERSION = 1


@dataclass
class ItemState:
    entry: str
    """Hash of the feed entry (the post the feed alone gives)."""
    source: str
    """``page``, ``feed`` or ``fallback``."""


@dataclass
class FeedState:
    feed_url: str | None = None
    """The feed's address when the URL given was a blog page that links it."""
    etag: str | None = None
    last_modified: str | None = None
    items: dict[str, ItemState] = field(default_factory=dict)
    """Post id → what was synced for it."""


@dataclass
class SyncState:
    path: Path
    feeds: dict[str, FeedState] = field(default_factory=dict)
    robots: dict[str, RobotsEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, index_dir: Path) -> SyncState:
        path = Path(index_dir) / STATE_DIR / STATE_FILE
        state = cls(path)
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("version") != VERSION:
                return state
            for url, feed in data.get("feeds", {}).items():
                items = {k: ItemState(**v) for k, v in feed.pop("items", {}).items()}
                state.feeds[url] = FeedState(**feed, items=items)
            state.robots = {k: RobotsEntry(**v) for k, v in data.get("robots", {}).items()}
        except (OSError, ValueError, TypeError, AttributeError):
            return cls(path)  # unreadable: start afresh (costs full fetches, loses no posts)
        return state

    def save(self) -> None:
        data = {
            "version": VERSION,
            "feeds": {url: asdict(feed) for url, feed in self.feeds.items()},
            "robots": {origin: asdict(entry) for origin, entry in self.robots.items()},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


@contextmanager
def sync_lock(index_dir: Path) -> Iterator[None]:
    """One sync at a time per index root (a ``sync --every`` service and the webhook, say)."""
    folder = Path(index_dir) / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise IndexLocked(
                f"a sync of the index at {index_dir} is already running ({who}); "
                "let it finish and run this one again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
