"""Fixtures over the OpenSearch backend, built on the real cluster of ``tests.opensearch_cluster``:
``os_settings`` (the fixture posts indexed under an alias of their own, as
``POLICY_SEARCH_BACKEND=opensearch`` settings) → ``os_app`` → ``os_client``. A test module
imports the ones it uses (``from tests.opensearch.backend_fixtures import os_settings, ...``).

The index is written through the backend's write side (as ``policy-search rebuild`` does) with
the reading lexicon of every unit this process analysed, as :func:`tests.fixtures.index.build_index`
gives the Whoosh fixture index, so both backends answer from the same lexicon."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import pytest

from search import Post, ReadingLexicon, Settings
from search.analysis import morphology
from search.backend import create_backend
from search.readings import READINGS_NAME


def opensearch_settings(url: str, alias: str, **fields) -> Settings:
    return Settings(backend="opensearch", opensearch_url=url, opensearch_index=alias, **fields)


def unique_alias(stem: str = "test") -> str:
    return f"{stem}-{secrets.token_hex(4)}"


def index_posts(settings: Settings, posts: Iterable[Post]) -> str:
    """Rebuild the index of ``settings`` from ``posts``; the name of the new index."""
    backend = create_backend(settings)
    try:
        session = backend.begin(rebuild=True)
        try:
            session.write(list(posts), load=None, workers=1)
            session.put_file(READINGS_NAME,
                             ReadingLexicon.from_pairs(morphology().reading_pairs()).dumps())
            return session.publish().name
        except BaseException:
            session.abort()
            raise
    finally:
        backend.close()


def drop_alias(cluster, alias: str) -> None:
    """Delete every index and file an alias's rebuilds made (test clean-up)."""
    cluster.request("DELETE", f"/{alias}-gen-*,{alias}-meta?ignore_unavailable=true")


@pytest.fixture(scope="session")
def os_settings(opensearch_cluster, fixture_posts, corpus_dir, tmp_path_factory) -> Settings:
    """Settings of an OpenSearch index of the fixture posts (both nodes' URLs, so a request to a
    stopped node goes to the other)."""
    alias = unique_alias("fixture")
    url = ",".join(opensearch_cluster.urls)
    settings = opensearch_settings(url, alias, index_dir=tmp_path_factory.mktemp("os-state"),
                                   corpus_dir=corpus_dir)
    index_posts(settings, fixture_posts)
    yield settings
    drop_alias(opensearch_cluster, alias)


@pytest.fixture(scope="session")
def os_app(os_settings):
    from web import create_app

    application = create_app(os_settings)
    yield application
    application.extensions["search_service"].close()


@pytest.fixture
def os_client(os_app):
    return os_app.test_client()


__all__ = ["drop_alias", "index_posts", "opensearch_settings", "os_app", "os_client",
           "os_settings", "unique_alias"]
