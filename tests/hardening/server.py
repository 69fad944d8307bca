"""Real ``policy-search`` processes for the hardening tests: a server with chosen environment
variables, and indexer commands run to completion (or to their death)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.browser.server import cli, free_port


@dataclass
class Server:
    host: str
    port: int
    proc: subprocess.Popen
    log: object

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")


def base_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: ours, minus any POLICY_SEARCH_* / FLASK_* settings,
    plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("POLICY_SEARCH_", "FLASK_"))}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@contextlib.contextmanager
def serve(index_dir: Path, threads: int = 4, timeout: float = 60.0, **env: str) -> Iterator[Server]:
    """``policy-search serve`` over ``index_dir`` on a free loopback port, stopped afterwards."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [*cli(), "serve", "--index", str(index_dir), "--host", "127.0.0.1",
             "--port", str(port), "--threads", str(threads)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=base_env(**env))
        server = Server("127.0.0.1", port, proc, log)
        try:
            _wait_until_up(server, timeout)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.base + "/api/openapi.json", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"server at {server.base} did not come up (exit code "
                       f"{server.proc.poll()}):\n{server.output()[-4000:]}")


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
