"""``policy-search serve`` as a real waitress process: it answers the API, and after ``update`` or
``rebuild`` it answers from the new index within a second, failing no request meanwhile."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from search import Post
from tests.fixtures.index import write_corpus
from tests.fixtures.posts import POSTS_BY_ID

CLI = str(Path(sys.executable).with_name("policy-search"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(base: str, path: str, **params) -> tuple[int, dict, dict]:
    url = base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, dict(e.headers), json.loads(e.read())


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


class Server:
    def __init__(self, index: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = log.open("w")
        self.proc = subprocess.Popen([CLI, "serve", "--index", str(index), "--port", str(self.port),
                                      "--host", "127.0.0.1"], stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + 60
        while True:
            try:
                get(self.base, "/api/openapi.json")
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"server did not start: {log.read_text()}")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self._log.close()


def post(pid: str, body: str, date: str = "2024-06-01") -> Post:
    return Post(id=pid, title=f"{pid} の記事", date=dt.date.fromisoformat(date), category="テスト",
                url=f"https://example.jp/{pid}", body=body)


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", [POSTS_BY_ID[i] for i in
                                              ("kaigo-jinzai", "fukushi-soudan", "wajima-torikumi")])


@pytest.fixture
def server(tmp_path, corpus):
    index = tmp_path / "index"
    result = cli("rebuild", "--corpus", str(corpus), "--index", str(index), "--workers", "1")
    assert result.returncode == 0, result.stderr
    srv = Server(index, tmp_path / "server.log")
    yield srv
    srv.stop()


def ids(base: str, q: str = "") -> list[str]:
    status, _, body = get(base, "/api/search", q=q, per_page=100)
    assert status == 200, body
    return sorted(h["id"] for h in body["hits"])


def test_serves_the_api_with_waitress(server):
    status, headers, body = get(server.base, "/api/search", q="わじまし")
    assert status == 200
    assert headers["Server"] == "policy-search"  # waitress's ident, not Werkzeug's dev server
    assert [h["id"] for h in body["hits"]] == ["wajima-torikumi"]
    status, _, body = get(server.base, "/api/posts/nope")
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, _, body = get(server.base, "/api/search", page="x")
    assert (status, body["error"]["param"]) == (400, "page")


def test_fresh_results_after_update_and_rebuild(server, corpus, tmp_path):
    index = str(tmp_path / "index")
    failures: list[str] = []
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            try:
                status, _, body = get(server.base, "/api/search", q="介護 OR 保育 OR 福祉")
                if status != 200:
                    failures.append(f"{status} {body}")
            except Exception as exc:  # a refused or broken connection is a failure too
                failures.append(repr(exc))

    pollers = [threading.Thread(target=poll) for _ in range(2)]
    for t in pollers:
        t.start()
    try:
        assert ids(server.base, "保育") == []
        write_corpus(corpus, [post("new-hoiku", "保育の受け皿を整備する。")])
        result = cli("update", "--corpus", str(corpus), "--index", index, "--workers", "1")
        assert result.returncode == 0, result.stderr
        started = time.monotonic()
        while ids(server.base, "保育") != ["new-hoiku"]:
            assert time.monotonic() - started < 1.0, "update not served within a second"
            time.sleep(0.02)

        (corpus / "kaigo-jinzai.md").unlink()
        result = cli("rebuild", "--corpus", str(corpus), "--index", index, "--workers", "1")
        assert result.returncode == 0, result.stderr
        started = time.monotonic()
        while ids(server.base, "介護") != []:
            assert time.monotonic() - started < 1.0, "rebuild not served within a second"
            time.sleep(0.02)
        assert ids(server.base) == ["fukushi-soudan", "new-hoiku", "wajima-torikumi"]
    finally:
        stop.set()
        for t in pollers:
            t.join()
    assert failures == []
