"""Fixtures over the OpenSearch backend, built on the real cluster of ``tests.opensearch_cluster``:
``os_settings`` (the fixture posts indexed under an alias of their own, as
``POLICY_SEARCH_BACKEND=opensearch`` settings) → ``os_app`` → ``os_client``. A test module
imports the ones it uses (``from tests.opensearch.backend_fixtures import os_settings, ...``).

The index is written by :func:`tests.fixtures.backends.publish_posts`, as for every backend."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import pytest

from search import Post, Settings
from tests.fixtures.backends import publish_posts, serving


def opensearch_settings(url: str, alias: str, **fields) -> Settings:
    return Settings(backend="opensearch", opensearch_url=url, opensearch_index=alias, **fields)


def unique_alias(stem: str = "test") -> str:
    return f"{stem}-{secrets.token_hex(4)}"


def index_posts(settings: Settings, posts: Iterable[Post]) -> str:
    """Rebuild the index of ``settings`` from ``posts``; the name of the new index."""
    return publish_posts(settings, posts)


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
    yield from serving(os_settings)


@pytest.fixture
def os_client(os_app):
    return os_app.test_client()


__all__ = ["drop_alias", "index_posts", "opensearch_settings", "os_app", "os_client",
           "os_settings", "unique_alias"]
