"""Fixtures over the sample corpus shipped in corpus/: a copy of its post files, an index built
from them by the real indexer (reading and suggestion lexicons included), and an app over it.

Tests that add posts (``update``) copy the corpus and build their own index in ``tmp_path``.

Sample indexes are built with two worker processes: that covers the parallel path (word counts
merged from workers), and it keeps the sample's words out of this process's analysis caches,
from which in-process builds of other tests take their reading pairs (:mod:`search.readings`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search import Settings

SAMPLE_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def copy_sample(target: Path) -> Path:
    """The sample post files copied into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for path in SAMPLE_CORPUS.glob("*.md"):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory) -> Settings:
    from indexer import rebuild

    settings = Settings(index_dir=tmp_path_factory.mktemp("sample-index"),
                        corpus_dir=copy_sample(tmp_path_factory.mktemp("sample-corpus")))
    rebuild(settings, workers=2)
    return settings


@pytest.fixture(scope="session")
def sample_app(sample_settings):
    from web import create_app

    application = create_app(sample_settings)
    yield application
    application.extensions["search_service"].close()


@pytest.fixture
def sample_client(sample_app):
    return sample_app.test_client()


@pytest.fixture(scope="session")
def sample_service(sample_app):
    return sample_app.extensions["search_service"]
