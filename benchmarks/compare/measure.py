"""Memory high-water marks, sizes on disk and percentiles, for the worker process that measures."""

from __future__ import annotations

import os
import threading
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kb(key: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds() -> float:
    """User + system CPU seconds of this process (all its threads) and of its child processes
    that have ended and been waited for (an indexer's worker processes), so far."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def reset_peak() -> bool:
    """Start a new high-water mark of resident memory (Linux: ``5`` to ``clear_refs`` resets
    ``VmHWM``). False where that is not possible; peaks then count from process start."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float | None:
    """The resident-memory high-water mark since the last :func:`reset_peak`, in MiB."""
    kb = _status_kb("VmHWM")
    if kb is None:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


def rss_mb() -> float | None:
    kb = _status_kb("VmRSS")
    return None if kb is None else kb / 1024


def dir_size_mb(path: Path) -> float:
    """Bytes of every file under ``path``, in MiB."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total / (1024 * 1024)


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0–100) with linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class PeakMemory:
    """``with PeakMemory() as m: ...`` then ``m.mb``: the peak resident memory of this process and
    its child processes during the block. This process's own peak is exact (``VmHWM``); child
    processes (an indexer that forks workers) are sampled every ``interval`` seconds and added to
    this process's memory at that moment."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.mb: float | None = None

    def __enter__(self) -> "PeakMemory":
        import psutil

        reset_peak()
        self._me = psutil.Process()
        self._sampled = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        import psutil

        while not self._stop.wait(self.interval):
            try:
                children = self._me.children(recursive=True)
                if not children:
                    continue
                total = self._me.memory_info().rss
                for child in children:
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                continue
            self._sampled = max(self._sampled, total / (1024 * 1024))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.mb = max(peak_rss_mb() or 0.0, self._sampled)
