"""The corpus shipped in corpus/ parses cleanly and is big and varied enough to search."""

from __future__ import annotations

from indexer import load_corpus

from .conftest import ROOT


def test_shipped_corpus_parses_with_zero_errors_and_is_varied():
    posts, problems = load_corpus(ROOT / "corpus")
    assert [str(p) for p in problems] == []
    assert len(posts) >= 40
    assert len({p.date.year for p in posts}) >= 5
    assert len({p.category for p in posts}) >= 6
    assert [p.id for p in posts if len(p.body) < 400] == []
    assert all(p.url.startswith("https://") for p in posts)
