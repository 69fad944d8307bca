"""The corpus shipped in corpus/ parses cleanly and is big and varied enough to search."""

from __future__ import annotations

from indexer import load_corpus, render_post
from indexer.corpus import post_paths, read_post

from .conftest import ROOT


def test_shipped_corpus_parses_with_zero_errors_and_is_varied():
    posts, problems = load_corpus(ROOT / "corpus")
    assert [str(p) for p in problems] == []
    assert len(posts) >= 40
    assert len({p.date.year for p in posts}) >= 5
    assert len({p.category for p in posts}) >= 6
    assert [p.id for p in posts if len(p.body) < 400] == []
    assert all(p.url.startswith("https://") for p in posts)


def test_shipped_post_files_are_written_as_the_writer_writes_them():
    """Importing an unchanged post again rewrites nothing (the corpus stays byte for byte)."""
    assert [path.name for path in post_paths(ROOT / "corpus")
            if render_post(read_post(path)).encode("utf-8") != path.read_bytes()] == []
