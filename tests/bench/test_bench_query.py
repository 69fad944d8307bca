"""The query benchmark's own index building: a fresh build replaces the old one and leaves no
stale generation behind (a rename in search.store once broke it, unnoticed until `make bench`)."""

from __future__ import annotations

import datetime as dt

from benchmarks.bench_query import build_ours
from search import IndexStore, Post, ReadingLexicon
from search.suggest import SuggestLexicon


def post(n: int) -> Post:
    return Post(id=f"p{n}", title=f"介護保険の見直し{n}", date=dt.date(2024, 4, n + 1),
                category="介護", url="https://example.invalid/", body="介護保険制度の見直しについて。" * 3)


def test_build_ours_builds_reuses_and_replaces(tmp_path):
    root = tmp_path / "index"
    assert build_ours([post(1), post(2)], root, "one") == root
    store = IndexStore(root)
    first = store.live_dir()
    # with its reading lexicon, or kana queries would find nothing
    assert "介護" in ReadingLexicon.load(first).terms("カイゴ")
    # and its suggestion lexicon (bench_suggest times it)
    assert [(s.text, s.count) for s in SuggestLexicon.load(first).suggest("かいごほ")] == [
        ("介護保険", 2), ("介護保険制度", 2)]
    assert build_ours([post(1), post(2)], root, "one") == root  # same stamp: reused
    assert store.live_dir() == first
    build_ours([post(1), post(2), post(3)], root, "two")
    assert store.live_dir() != first
    assert store.stale_dirs() == []
    assert (root / "STAMP").read_text() == "two"
    (store.live_dir() / "readings.json").unlink()  # an index of an older version: built again
    second = store.live_dir()
    build_ours([post(1), post(2), post(3)], root, "two")
    assert store.live_dir() != second
    (store.live_dir() / "suggest.json").unlink()
    third = store.live_dir()
    build_ours([post(1), post(2), post(3)], root, "two")
    assert store.live_dir() != third
