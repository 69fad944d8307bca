"""Crashes and clashes while the index is written, with a real server answering all along.

* ``kill -9`` of ``rebuild`` (two worker processes) and of ``update`` (in-process) at each phase
  of :mod:`search.faults` — during analysis, during the commit, just before the switch: the
  server keeps answering from the old generation, the killed build's workers go away, the next
  run succeeds and removes what the crash left, and no partial index is ever served (a marker
  word added to three posts is found in 0 or 3 of them, never 1 or 2).
* Two ``update`` runs at once: one refuses clearly (or queues with ``--wait``); no post is lost.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

import indexer
from benchmarks.bench_load import MARKER, Load, edit_posts
from search.faults import PHASES
from indexer.lock import writer_lock
from search import IndexStore, Post, Settings
from tests.servers import cli
from tests.fixtures.index import write_corpus

from .server import base_env, get_json, run_cli, serve

EDITED = 3
MIX = [("json", "/api/search?q=" + quote("介護")), ("json", "/api/search"),
       ("json", "/api/posts/kaigo-jinzai"), ("html", "/search?q=" + quote("福祉")),
       ("html", "/posts/kaigo-jinzai")]


@pytest.fixture
def site(tmp_path, fixture_posts):
    corpus = write_corpus(tmp_path / "corpus", fixture_posts)
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    indexer.rebuild(settings, workers=1)
    return settings


def _processes_with(tag: str) -> list[int]:
    """Pids of live processes whose environment holds ``FAULT_RUN=<tag>``."""
    found = []
    needle = f"FAULT_RUN={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                status = (entry / "status").read_text()
                if "\nState:\tZ" not in status:
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def _kill_at(command: str, phase: str, settings: Settings, *args: str) -> float:
    """Run ``command`` with the fault hook set to ``phase``: it must die by SIGKILL. Returns how
    long its worker processes outlived it (its output goes to a file, so waiting for it does not
    wait for workers holding a pipe)."""
    tag = uuid.uuid4().hex
    env = base_env(POLICY_SEARCH_INDEX=str(settings.index_dir),
                   POLICY_SEARCH_CORPUS=str(settings.corpus_dir), POLICY_SEARCH_FAULT=phase,
                   FAULT_RUN=tag)
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([*cli(), command, *args], env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
        code = proc.wait(timeout=300)
        died = time.monotonic()
        log.seek(0)
        assert code == -9, (phase, code, log.read().decode("utf-8", "replace"))
    while _processes_with(tag):
        assert time.monotonic() - died < 20, f"workers of the killed {command} are still running"
        time.sleep(0.05)
    return time.monotonic() - died


def _names(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


def _build_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.endswith("-tmp"))


def _wait_for(url: str, check, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status, body = get_json(url)
        if status == 200 and check(body):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("command, workers", [
    ("rebuild", {"analysis": "2", "commit": "1", "switch": "1"}),  # a worker kills its parent
    ("update", {"analysis": "1", "commit": "1", "switch": "1"}),
], ids=["rebuild", "update"])
def test_kill_9_at_every_phase(site, command, workers):
    root = Path(site.index_dir)
    store = IndexStore(root)
    live = store.live_dir()
    edited = edit_posts(Path(site.corpus_dir), EDITED)
    (Path(site.corpus_dir) / "fault-new.md").write_text(indexer.render_post(Post(
        id="fault-new", title="障害試験の新着", date=dt.date(2025, 3, 1),
        category="行政", url="https://example.jp/posts/fault-new", body="新着の記事。")), "utf-8")
    marker_url = "/api/search?q=" + MARKER
    with serve(root) as server:
        load = Load(server.host, server.port, clients=2, mix=MIX, pause=0.02).start()
        try:
            lingered = []
            for phase in PHASES:
                lingered.append(_kill_at(command, phase, site, "--workers", workers[phase]))
                # The crash left its build directory behind and changed nothing live.
                assert len(_build_dirs(root)) >= 1, (phase, _names(root))
                assert store.live_dir() == live
                status, body = get_json(server.base + marker_url)
                assert (status, body["total"]) == (200, 0), phase
                assert get_json(server.base + "/api/search")[1]["total"] == 23
            result = run_cli(command, "--workers", "1", index_dir=root, corpus_dir=site.corpus_dir)
            assert result.returncode == 0, result.stdout + result.stderr
            found = _wait_for(server.base + marker_url, lambda b: b["total"] == EDITED)
            assert get_json(server.base + "/api/search")[1]["total"] == 24
            assert get_json(server.base + "/api/posts/fault-new")[0] == 200
        finally:
            report = load.stop()
    assert sorted(hit["id"] for hit in found["hits"]) == edited
    assert report.failures == []
    assert report.marker_problems(EDITED) == []
    assert {t for ts in report.marker_totals for t in ts} <= {0, EDITED}
    assert len(report.samples) > 50
    # What the crashes left is gone: no build directories, no temporary links, at most the
    # previous generation kept for readers that had it open.
    assert _build_dirs(root) == []
    assert [n for n in _names(root) if n.startswith(".current-")] == []
    assert store.live_dir() != live
    assert len(store.stale_dirs()) <= 1
    assert max(lingered) < 20


def _add_posts(corpus: Path, prefix: str, count: int) -> list[str]:
    ids = [f"{prefix}-{n:03d}" for n in range(count)]
    for n, post_id in enumerate(ids):
        (corpus / f"{post_id}.md").write_text(indexer.render_post(Post(
            id=post_id, title=f"同時更新の確認 {n}", date=dt.date(2024, 1, 1 + n % 28),
            category="行政", url=f"https://example.jp/posts/{post_id}",
            body=f"同時に走る更新で投稿が失われないことを確かめる。番号{n}。")), "utf-8")
    return ids


def _all_ids(settings: Settings) -> set[str]:
    from search import SearchRequest, SearchService

    service = SearchService(settings)
    try:
        result = service.search(SearchRequest(per_page=100))
        assert result["total"] <= 100
        return {hit["id"] for hit in result["hits"]}
    finally:
        service.close()


@pytest.mark.slow
def test_update_while_the_lock_is_held_refuses_clearly(site):
    added = _add_posts(Path(site.corpus_dir), "lock", 3)
    with writer_lock(IndexStore(site.index_dir)):
        refused = run_cli("update", index_dir=site.index_dir, corpus_dir=site.corpus_dir)
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr == (f"Error: the index at {site.index_dir} is being written by process "
                              f"{os.getpid()}; wait for it to finish, or pass --wait SECONDS to "
                              "queue behind it\n")
    done = run_cli("update", index_dir=site.index_dir, corpus_dir=site.corpus_dir)
    assert done.returncode == 0, done.stderr
    assert set(added) <= _all_ids(site)


@pytest.mark.slow
def test_two_updates_at_once_lose_nothing(site):
    """Two real ``update`` processes started together: one indexes, the other refuses (or finds
    nothing left to do); with ``--wait`` the second queues behind the first. Every post is in."""
    corpus = Path(site.corpus_dir)
    env = base_env(POLICY_SEARCH_INDEX=str(site.index_dir), POLICY_SEARCH_CORPUS=str(corpus))
    first_batch = _add_posts(corpus, "race", 30)
    procs = [subprocess.Popen([*cli(), "update"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = sorted((p.wait(timeout=300), *p.communicate()) for p in procs)
    codes = [code for code, _, _ in outcomes]
    assert codes in ([0, 0], [0, 1]), outcomes
    if codes == [0, 1]:
        assert "is being written by " in outcomes[1][2]  # "process N" or "another process"
    else:  # the second started after the first had finished
        assert any(out.startswith("nothing changed") for _, out, _ in outcomes), outcomes

    second_batch = _add_posts(corpus, "queue", 30)
    procs = [subprocess.Popen([*cli(), "update", "--wait", "120"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    queued = sorted((p.wait(timeout=300), *p.communicate()) for p in procs)
    assert [code for code, _, _ in queued] == [0, 0], queued
    ids = _all_ids(site)
    assert set(first_batch) | set(second_batch) <= ids
    assert len(ids) == 23 + 60
