"""Fixtures of the indexer tests: the real ``policy-search`` commands on files in ``tmp_path``."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from search import IndexStore, Post

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def cli(monkeypatch):
    """``cli(*args)`` runs ``policy-search ARGS`` in-process (click's CliRunner on web.cli.main)."""
    from web.cli import main

    for name in ("POLICY_SEARCH_CORPUS", "POLICY_SEARCH_INDEX"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: object):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture
def dirs(tmp_path):
    """``(corpus, index)`` directories under ``tmp_path`` (the corpus exists, the index not yet)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    return corpus, tmp_path / "index"


def make_post(post_id: str, body: str, title: str = "テスト記事", date: str = "2021-04-01",
              category: str = "介護", tags: tuple[str, ...] = ()) -> Post:
    return Post(id=post_id, title=title, date=dt.date.fromisoformat(date), category=category,
                url=f"https://example.jp/posts/{post_id}", body=body, tags=tags)


def live_index(index_root: Path):
    live = IndexStore(index_root).live_dir()
    assert live is not None
    return whoosh_index.open_dir(live)


def indexed(index_root: Path) -> dict[str, str]:
    """``{id: title}`` of every post in the live index."""
    ix = live_index(index_root)
    with ix.searcher() as searcher:
        return {f["id"]: f["title"] for f in searcher.all_stored_fields()}


def find(index_root: Path, field: str, term: str) -> list[str]:
    """Ids of the posts whose ``field`` holds ``term`` (a term query)."""
    from whoosh.query import Term

    ix = live_index(index_root)
    with ix.searcher() as searcher:
        return sorted(hit["id"] for hit in searcher.search(Term(field, term), limit=None))


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared is not beside this checkout)")
    return path


def generations(index_root: Path) -> list[str]:
    return sorted(p.name for p in index_root.iterdir() if p.name.startswith("gen-"))


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_SEARCH_")}
    return env
