"""The local two-node cluster (opensearch/cluster.py) that the OpenSearch backend's tests stand on:
green with both nodes, a full copy of every index on each node, and what a ``kill -9`` of either
node leaves, seen through the official client the way the service sees it.
"""

from __future__ import annotations

import uuid

import pytest
from opensearchpy import OpenSearch

from tests.opensearch_cluster import NODES, unavailable

DOCS = 40


@pytest.fixture
def make_index(opensearch_cluster):
    """Creates uniquely named indexes (``settings`` None: the cluster's defaults); drops them after."""
    names = []

    def make(settings: dict | None, docs: int = DOCS) -> str:
        name = f"test-cluster-{uuid.uuid4().hex[:8]}"
        names.append(name)
        opensearch_cluster.request("PUT", f"/{name}", {"settings": settings} if settings else {})
        client = OpenSearch(opensearch_cluster.urls, timeout=10)
        body = []
        for i in range(docs):
            body += [{"index": {"_index": name, "_id": str(i)}}, {"text": f"政策 {i}"}]
        if body:
            answer = client.bulk(body=body, refresh=True)
            assert answer["errors"] is False
        client.close()
        opensearch_cluster.wait_for(status="green", nodes=NODES)
        return name

    yield make
    for name in names:
        for node in range(NODES):  # a fault test may have left either node down: try both
            try:
                opensearch_cluster.request("DELETE", f"/{name}", node=node)
                break
            except OSError:
                continue


@pytest.fixture
def client(opensearch_cluster):
    """The official client with both nodes as hosts, as a service should configure it."""
    client = OpenSearch(opensearch_cluster.urls, timeout=10)
    yield client
    client.close()


def copies(cluster, index: str) -> dict[str, list[tuple[int, str]]]:
    """{node name: sorted [(shard, 'p' or 'r')]} of the started copies of *index*."""
    found: dict[str, list[tuple[int, str]]] = {}
    for row in cluster.request("GET", f"/_cat/shards/{index}?format=json"):
        if row["state"] == "STARTED":
            found.setdefault(row["node"], []).append((int(row["shard"]), row["prirep"]))
    return {node: sorted(rows) for node, rows in found.items()}


def test_the_cluster_is_green_with_two_nodes_over_plain_http(opensearch_cluster):
    health = opensearch_cluster.request("GET", "/_cluster/health")
    assert (health["cluster_name"], health["status"]) == ("policy-search-local", "green")
    assert (health["number_of_nodes"], health["number_of_data_nodes"]) == (2, 2)
    nodes = opensearch_cluster.request("GET", "/_cat/nodes?format=json&h=name,http_address")
    assert sorted(n["name"] for n in nodes) == ["node-0", "node-1"]
    assert opensearch_cluster.urls[0].startswith("http://127.0.0.1:")
    for i, url in enumerate(opensearch_cluster.urls):
        info = opensearch_cluster.request("GET", "/", node=i)
        assert info["name"] == f"node-{i}"
        assert info["version"]["distribution"] == "opensearch"
        assert info["version"]["number"].startswith("2.19.")
    # node-0 bootstraps the cluster and is the one voting member (see opensearch/cluster.py)
    assert opensearch_cluster.manager() == 0


@pytest.mark.parametrize("settings", [
    {"number_of_shards": 2, "number_of_replicas": 1},
    None,  # the cluster's default template gives the same
], ids=["explicit", "template"])
def test_each_node_holds_a_full_copy_of_an_index(opensearch_cluster, make_index, settings):
    index = make_index(settings)
    held = copies(opensearch_cluster, index)
    assert sorted(held) == ["node-0", "node-1"]
    for rows in held.values():
        assert [shard for shard, _ in rows] == [0, 1]
    # one primary and one replica of each shard, never both on one node
    assert sorted(held["node-0"] + held["node-1"]) == [(0, "p"), (0, "r"), (1, "p"), (1, "r")]


def count(client: OpenSearch, index: str) -> int:
    answer = client.search(index=index, body={"query": {"match": {"text": "政策"}}, "size": 0,
                                              "track_total_hits": True})
    assert answer["_shards"]["failed"] == 0
    return answer["hits"]["total"]["value"]


@pytest.mark.slow
def test_kill_9_of_node_1_leaves_a_yellow_searchable_writable_cluster(
        opensearch_faults, make_index, client):
    cluster = opensearch_faults
    index = make_index({"number_of_shards": 2, "number_of_replicas": 1})
    cluster.kill_node(1)
    assert cluster.pid(1) is None
    assert count(client, index) == DOCS
    health = cluster.wait_for(status="yellow", nodes=1, timeout=30)
    assert (health["status"], health["number_of_nodes"]) == ("yellow", 1)
    # node-0 still has a manager (itself), so the cluster takes writes on the surviving copies
    client.index(index=index, id="new", body={"text": "政策 new"}, refresh=True)
    assert count(client, index) == DOCS + 1

    cluster.start_node(1)  # waits for green with both nodes
    assert sorted(copies(cluster, index)) == ["node-0", "node-1"]
    node_1_only = OpenSearch([cluster.urls[1]], timeout=10)
    try:
        assert count(node_1_only, index) == DOCS + 1  # the write made while it was down recovered
    finally:
        node_1_only.close()


@pytest.mark.slow
def test_kill_9_of_the_manager_leaves_searches_answering_and_writes_unacknowledged(
        opensearch_faults, make_index, client):
    cluster = opensearch_faults
    index = make_index({"number_of_shards": 2, "number_of_replicas": 1})
    cluster.kill_node(0)
    # The client's first host is gone: it fails over to node-1, which answers from its full copy.
    for _ in range(5):
        assert count(client, index) == DOCS
    # node-1 alone is no quorum: with no cluster manager a write is not acknowledged; it waits
    # for a manager for up to its `timeout` (1 minute by default), so a caller needs its own limit
    with pytest.raises(OSError):  # an HTTP error (500/503) or the 5 s client timeout
        cluster.request("PUT", f"/{index}/_doc/new?timeout=1s", {"text": "政策 new"}, node=1,
                        timeout=5)

    cluster.start_node(0)
    assert cluster.manager() == 0
    # The same client, never restarted, writes again. (The unacknowledged write above may have
    # been applied once the manager came back: a caller retries writes by id, idempotently.)
    client.index(index=index, id="after", body={"text": "政策 after"}, refresh=True)
    assert client.get(index=index, id="after")["found"] is True
    assert count(client, index) in (DOCS + 1, DOCS + 2)


@pytest.mark.parametrize(("ci", "outcome"), [(False, "skip"), (True, "fail")])
def test_without_java_the_fixture_skips_and_ci_fails(ci, outcome):
    expected = pytest.skip.Exception if outcome == "skip" else pytest.fail.Exception
    with pytest.raises(expected) as stopped:
        unavailable("no Java: install a JDK 17", ci)
    assert "no Java" in str(stopped.value)
