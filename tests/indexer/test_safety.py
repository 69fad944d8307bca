"""Two writers at once, and a rebuild killed with SIGKILL: the index is never corrupted."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

import indexer
from indexer.lock import writer_lock
from search import IndexStore, Settings

from tests.fixtures.index import write_corpus

from .conftest import clean_env, find, generations, indexed, make_post

BODY = ("社会保障審議会介護保険部会では、地域包括ケアシステムの深化と介護人材の確保について議論した。"
        "保険者機能の強化や認知症施策の推進も論点となり、自治体の取組事例が紹介された。\n")


@pytest.fixture
def settings(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_corpus(corpus, [make_post("old", "旧版の記事。保育所の整備。", title="旧版")])
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    indexer.rebuild(settings)
    return settings


def test_a_second_writer_is_refused_with_a_clear_message(cli, settings):
    store = IndexStore(settings.index_dir)
    with writer_lock(store):
        result = cli("update", "--corpus", settings.corpus_dir, "--index", settings.index_dir)
        with pytest.raises(indexer.IndexLocked):
            indexer.rebuild(settings)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: the index at {settings.index_dir} is being written by process "
                             f"{os.getpid()}; wait for it to finish, or pass --wait SECONDS to queue "
                             "behind it\n")


def test_a_second_writer_in_another_process_is_refused(settings):
    store = IndexStore(settings.index_dir)
    with writer_lock(store):
        proc = subprocess.run([shutil.which("policy-search", path=os.path.dirname(sys.executable)), "rebuild",
                               "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)],
                              capture_output=True, text=True, env=clean_env(), timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"Error: the index at {settings.index_dir} is being written by process ")
    assert indexed(settings.index_dir) == {"old": "旧版"}


def test_wait_queues_behind_the_writer(cli, settings):
    store = IndexStore(settings.index_dir)
    write_corpus(settings.corpus_dir, [make_post("new", "新しい記事。介護人材の確保。", title="新版")])
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writer_lock(store):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    result = cli("update", "--wait", "20", "--corpus", settings.corpus_dir, "--index", settings.index_dir)
    holder.join()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 0.4
    assert sorted(indexed(settings.index_dir)) == ["new", "old"]


def test_wait_gives_up_after_its_time(cli, settings):
    with writer_lock(IndexStore(settings.index_dir)):
        result = cli("rebuild", "--wait", "0.3", "--corpus", settings.corpus_dir, "--index", settings.index_dir)
    assert result.exit_code == 1
    assert "(waited 0.3 s); wait for it to finish" in result.stderr


def test_killed_rebuild_leaves_the_old_index_serving(settings):
    corpus, index = settings.corpus_dir, settings.index_dir
    store = IndexStore(index)
    old_live = store.live_dir()
    write_corpus(corpus, [make_post(f"big-{i:03d}", BODY * 12, title=f"大きな記事{i}") for i in range(200)])
    exe = shutil.which("policy-search", path=os.path.dirname(sys.executable))
    proc = subprocess.Popen([exe, "rebuild", "--workers", "2", "--corpus", str(corpus), "--index", str(index)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=clean_env())
    try:
        deadline = time.monotonic() + 60
        # Mid-way: the build directory exists and the workers are writing their segments.
        while not any((p / "MAIN.tmp").is_dir() for p in index.glob("gen-*-tmp")):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        workers = psutil.Process(proc.pid).children()
        assert len(workers) >= 2
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    # Orphaned workers notice and stop.
    gone, alive = psutil.wait_procs(workers, timeout=20)
    assert alive == []
    assert store.live_dir() == old_live
    assert indexed(index) == {"old": "旧版"}
    assert find(index, "body", "保育") == ["old"]
    assert len(list(index.glob("gen-*-tmp"))) == 1
    summary = indexer.rebuild(settings)
    assert (summary.posts, summary.rejected) == (201, 0)
    assert find(index, "title", "大きな") == sorted(f"big-{i:03d}" for i in range(200))
    assert generations(index) == sorted([old_live.name, store.live_dir().name])
