"""Fixtures over the sample corpus shipped in corpus/: a copy of its post files, an index built
from them by the real indexer (reading and suggestion lexicons included), and an app over it.

The chain ``sample_settings`` → ``sample_app`` → ``sample_client`` / ``sample_service`` has the
backend as its one parameter (:data:`tests.fixtures.backends.CONTRACT_BACKENDS`: Whoosh, and
OpenSearch on the real two-node cluster), so a reader-feature test that takes them runs on both.
``whoosh_sample_settings`` is the Whoosh index alone (the browser tests serve it). Tests that add
posts (``update``) copy the corpus and build their own index with ``backend_index``.

Sample indexes are built with two worker processes: that covers the parallel path (word counts
merged from workers), and it keeps the sample's words out of this process's analysis caches,
from which in-process builds of other tests take their reading pairs (:mod:`search.readings`).
OpenSearch analyses a corpus this small in the calling process, so its builds run in a spawned
process of their own (:func:`rebuild_elsewhere`) for the same reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search import Settings
from tests.fixtures.backends import BACKEND_SETUPS, CONTRACT_BACKENDS, serving

SAMPLE_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def copy_sample(target: Path) -> Path:
    """The sample post files copied into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for path in SAMPLE_CORPUS.glob("*.md"):
        shutil.copy(path, target / path.name)
    return target


def rebuild_elsewhere(settings: Settings) -> None:
    """``rebuild(settings, workers=2)`` in a fresh process: its analyses stay out of this one."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from indexer import rebuild

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(rebuild, settings, workers=2).result()


def _rebuild(settings: Settings) -> None:
    if settings.backend == "whoosh":
        from indexer import rebuild

        rebuild(settings, workers=2)
    else:
        rebuild_elsewhere(settings)


@pytest.fixture(scope="session")
def sample_corpus(tmp_path_factory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("sample-corpus"))


@pytest.fixture(scope="session")
def whoosh_sample_settings(tmp_path_factory, sample_corpus) -> Settings:
    from indexer import rebuild

    settings = Settings(index_dir=tmp_path_factory.mktemp("sample-index"), corpus_dir=sample_corpus)
    rebuild(settings, workers=2)
    return settings


@pytest.fixture(scope="session", params=CONTRACT_BACKENDS)
def sample_settings(request, tmp_path_factory, sample_corpus) -> Settings:
    """The sample corpus indexed by ``rebuild`` on each backend in turn."""
    if request.param == "whoosh":
        return request.getfixturevalue("whoosh_sample_settings")
    settings = BACKEND_SETUPS[request.param](request, tmp_path_factory.mktemp("sample-state"),
                                             sample_corpus)
    _rebuild(settings)
    return settings


@pytest.fixture(params=CONTRACT_BACKENDS)
def backend_index(request, tmp_path):
    """``make(corpus) -> Settings``: a fresh index of the post files in ``corpus`` on each
    backend in turn, built by ``rebuild`` (for tests that then ``update`` it)."""
    def make(corpus: Path, name: str = "index") -> Settings:
        settings = BACKEND_SETUPS[request.param](request, tmp_path / name, corpus)
        _rebuild(settings)
        return settings

    return make


@pytest.fixture(scope="session")
def sample_app(sample_settings):
    yield from serving(sample_settings)


@pytest.fixture
def sample_client(sample_app):
    return sample_app.test_client()


@pytest.fixture(scope="session")
def sample_service(sample_app):
    return sample_app.extensions["search_service"]
