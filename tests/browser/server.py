"""Run ``policy-search serve`` as a real server process on a free local port (tests, screenshot)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from tests.servers import cli, free_port, serve

__all__ = ["CHROMIUM", "cli", "free_port", "launch_chromium", "running_server"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def running_server(index_dir: Path, timeout: float = 60.0) -> Iterator[str]:
    """Start the server over ``index_dir``; yield its base URL once it answers; stop it."""
    with serve(index_dir, timeout=timeout) as server:
        yield server.base


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
