"""A short load run: 8 clients against a real server for a few seconds while staff edit five
posts, run ``policy-search update`` and then ``policy-search rebuild`` (the long run over the
white-paper corpus is ``python -m benchmarks.bench_load``, figures in docs/reliability.md)."""

from __future__ import annotations

import pytest

import indexer
from benchmarks.bench_load import PHASES, staff_under_load
from search import IndexStore, Settings
from tests.fixtures.index import write_corpus

from .server import serve


@pytest.mark.slow
def test_no_request_fails_while_staff_update_and_rebuild(tmp_path, fixture_posts):
    corpus = write_corpus(tmp_path / "corpus", fixture_posts)
    index = tmp_path / "index"
    indexer.rebuild(Settings(index_dir=index, corpus_dir=corpus), workers=1)
    with serve(index) as server:
        report = staff_under_load(server.host, server.port, index, corpus, seconds=6.0,
                                  clients=8, edit=5)
    assert [(c["command"], c["exit"]) for c in report["commands"]] == [("update", 0), ("rebuild", 0)], \
        report["commands"]
    assert report["failures"] == []
    assert report["failed"] == 0
    assert report["marker_problems"] == []
    assert report["marker_counts_seen"] == [0, 5]
    assert all(report["phases"][p]["requests"] > 0 for p in PHASES), report["phases"]
    assert report["requests"] > 100
    store = IndexStore(index)
    assert [p.name.endswith("-tmp") for p in store.stale_dirs()] in ([], [False])
