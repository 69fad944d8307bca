"""pytest plugin (loaded by tests/conftest.py): the real two-node OpenSearch cluster for tests.

Fixtures, session-scoped unless said otherwise:

- ``opensearch_cluster``: the :class:`LocalCluster` (opensearch/cluster.py) the session uses:
  ``urls`` (one per node), ``url``, ``kill_node(i)`` (``kill -9``), ``start_node(i)`` (waits for
  green), ``stop_node(i)``, ``stop_all()``, ``start_all()``, ``wait_for(status, nodes, node)``,
  ``manager()``, ``request(method, path, body, node)``. A healthy cluster of ours already
  answering on ``OPENSEARCH_HTTP_PORT`` (9200) is reused and left running; otherwise the session
  starts one (building the launcher with Maven first if needed) and stops it at the end.
- ``opensearch_url``: the first node's URL, ``http://127.0.0.1:9200`` by default.
- ``opensearch_faults`` (function-scoped): the same cluster for a test that kills or stops nodes;
  afterwards every node is started again and the cluster is green, for the tests that follow.

Without Java (or without Maven to build the launcher) these fixtures skip with "no Java: ..."; under
``CI=true`` they fail instead, as does a cluster that cannot start anywhere. Every test that uses
them gets the ``opensearch`` marker (``-m "not opensearch"`` leaves them out).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "opensearch" / "cluster.py"
_spec = importlib.util.spec_from_file_location("policy_search_local_opensearch", _PATH)
cluster_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = cluster_module  # dataclasses look their module up while the class is made
_spec.loader.exec_module(cluster_module)

LocalCluster = cluster_module.LocalCluster
ClusterError = cluster_module.ClusterError
NODES = cluster_module.NODES
FIXTURES = ("opensearch_cluster", "opensearch_url", "opensearch_faults")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str, ci: bool) -> None:
    """Outside CI a machine without Java skips the OpenSearch tests; in CI that is a failure."""
    if ci:
        pytest.fail(f"CI=true needs the OpenSearch cluster, but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in FIXTURES):
            item.add_marker(pytest.mark.opensearch)


@pytest.fixture(scope="session")
def opensearch_cluster():
    cluster = LocalCluster()
    if cluster.is_healthy():
        yield cluster
        return
    reason = cluster_module.java_missing()
    if reason:
        unavailable(reason, in_ci())
    try:
        cluster.start_all()
    except ClusterError as error:
        cluster.stop_all()
        pytest.fail(f"the local OpenSearch cluster did not start: {error}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture(scope="session")
def opensearch_url(opensearch_cluster) -> str:
    return opensearch_cluster.url


@pytest.fixture
def opensearch_faults(opensearch_cluster):
    yield opensearch_cluster
    for i in range(NODES):
        opensearch_cluster.start_node(i, wait=False)
    opensearch_cluster.wait_for(status="green", nodes=NODES)
