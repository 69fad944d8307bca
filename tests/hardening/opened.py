"""Which files does the process open while a block runs? A ``sys.addaudithook`` recorder.

Audit hooks cannot be removed, so one hook is installed the first time and stays; it records
only while :func:`record_opens` is active, and only on the thread that started recording.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_state = threading.local()
_installed = False


def _hook(event: str, args: tuple) -> None:
    if event != "open":
        return
    sink = getattr(_state, "sink", None)
    if sink is None or not args:
        return
    path = args[0]
    if isinstance(path, int):
        return
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    sink.append(os.path.abspath(os.fspath(path)))


@contextlib.contextmanager
def record_opens() -> Iterator[list[str]]:
    """``with record_opens() as paths:`` — every file opened on this thread meanwhile."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    paths: list[str] = []
    _state.sink = paths
    try:
        yield paths
    finally:
        _state.sink = None
