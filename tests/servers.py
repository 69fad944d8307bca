"""Real ``policy-search`` server processes for the tests: started on a free loopback port with a
clean environment, waited for until they answer, and always stopped."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli() -> list[str]:
    """The ``policy-search`` console script beside this interpreter, or ``python -m web.cli``."""
    script = Path(sys.executable).with_name("policy-search")
    return [str(script)] if script.exists() else [sys.executable, "-m", "web.cli"]


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
