"""Real ``policy-search`` processes for the hardening tests: a server with chosen environment
variables (``tests.servers``), and indexer commands run to completion (or to their death)."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from tests.servers import Server, base_env, cli, free_port, serve

__all__ = ["Server", "base_env", "cli", "free_port", "get_json", "run_cli", "serve"]


def run_cli(*args: str, index_dir: Path, corpus_dir: Path | None = None, timeout: float = 300,
            **env: str) -> subprocess.CompletedProcess:
    """Run ``policy-search ARGS`` with the index (and corpus) given by environment variables."""
    extra = {"POLICY_SEARCH_INDEX": str(index_dir), **env}
    if corpus_dir is not None:
        extra["POLICY_SEARCH_CORPUS"] = str(corpus_dir)
    return subprocess.run([*cli(), *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, env=base_env(**extra))


def get_json(url: str, timeout: float = 30) -> tuple[int, dict]:
    """``(status, JSON body)`` of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())
