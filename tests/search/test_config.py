"""Settings from the environment: the backend choice and the OpenSearch fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import Settings


def test_defaults():
    s = Settings.from_env({})
    assert (s.backend, s.index_dir, s.opensearch_url, s.opensearch_index, s.opensearch_shards,
            s.opensearch_replicas, s.opensearch_timeout) == (
        "whoosh", Path("var/index"), "http://127.0.0.1:9200", "policy-posts", 2, 1, 10.0)


def test_every_backend_field_from_the_environment():
    s = Settings.from_env({
        "POLICY_SEARCH_BACKEND": " OpenSearch ", "POLICY_SEARCH_INDEX": "/tmp/state",
        "POLICY_SEARCH_OPENSEARCH_URL": "https://search.example.jp:9200",
        "POLICY_SEARCH_OPENSEARCH_INDEX": "posts-test", "POLICY_SEARCH_OPENSEARCH_SHARDS": "3",
        "POLICY_SEARCH_OPENSEARCH_REPLICAS": "0", "POLICY_SEARCH_OPENSEARCH_TIMEOUT": "2.5"})
    assert (s.backend, s.index_dir, s.opensearch_url, s.opensearch_index, s.opensearch_shards,
            s.opensearch_replicas, s.opensearch_timeout) == (
        "opensearch", Path("/tmp/state"), "https://search.example.jp:9200", "posts-test", 3, 0, 2.5)


@pytest.mark.parametrize(("env", "message"), [
    ({"POLICY_SEARCH_BACKEND": "solr"},
     "unknown backend 'solr': set POLICY_SEARCH_BACKEND to one of whoosh, opensearch"),
    ({"POLICY_SEARCH_OPENSEARCH_SHARDS": "two"},
     "POLICY_SEARCH_OPENSEARCH_SHARDS='two' is not a valid int: fix or unset the variable"),
    ({"POLICY_SEARCH_OPENSEARCH_TIMEOUT": "0"},
     "POLICY_SEARCH_OPENSEARCH_TIMEOUT='0' must be at least 0.001: fix or unset the variable"),
    ({"POLICY_SEARCH_OPENSEARCH_SHARDS": "0"},
     "POLICY_SEARCH_OPENSEARCH_SHARDS='0' must be at least 1: fix or unset the variable"),
    ({"POLICY_SEARCH_OPENSEARCH_REPLICAS": "-1"},
     "POLICY_SEARCH_OPENSEARCH_REPLICAS='-1' must be at least 0: fix or unset the variable"),
    ({"POLICY_SEARCH_OPENSEARCH_TIMEOUT": "nan"},
     "POLICY_SEARCH_OPENSEARCH_TIMEOUT='nan' must be at least 0.001: fix or unset the variable"),
])
def test_bad_values_say_which_variable(env, message):
    with pytest.raises(ValueError) as info:
        Settings.from_env(env)
    assert str(info.value) == message


def test_an_unknown_backend_is_refused_in_code_too():
    with pytest.raises(ValueError, match="unknown backend 'x'"):
        Settings(backend="x")
