"""The index's write lock: one writer at a time, on ``IndexStore.lock_path`` with ``fcntl.flock``.

A second ``rebuild`` or ``update`` waits up to ``wait`` seconds (default 0: not at all) and then
stops with :class:`IndexLocked`, naming the process that holds the lock. The kernel drops the
lock when its holder exits, however it exits, so a crash never leaves the index locked.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from search import IndexStore

from .problems import IndexLocked


@contextmanager
def writer_lock(store: IndexStore, wait: float = 0.0) -> Iterator[None]:
    store.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(store.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLocked(_busy_message(store, fd, wait)) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _busy_message(store: IndexStore, fd: int, wait: float) -> str:
    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    who = f"process {holder}" if holder.isdigit() else "another process"
    waited = f" (waited {wait:g} s)" if wait else ""
    return (
        f"the index at {store.root} is being written by {who}{waited}; wait for it to "
        f"finish, or pass --wait SECONDS to queue behind it"
    )
