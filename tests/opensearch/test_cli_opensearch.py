"""Every indexer command and ``search`` with ``POLICY_SEARCH_BACKEND=opensearch``, as real
``policy-search`` processes on the real cluster: rebuild (a new index behind the alias), update
(a changed, a new and a removed post), remove, stats, search; and a cluster that cannot be
reached: one line on stderr and a non-zero exit, within the stated timeouts."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from tests.opensearch.backend_fixtures import drop_alias, unique_alias
from tests.servers import base_env, cli

pytestmark = pytest.mark.slow


@pytest.fixture
def run_cli(opensearch_cluster, corpus_dir, tmp_path):
    alias = unique_alias("cli")
    corpus = shutil.copytree(corpus_dir, tmp_path / "corpus")
    env = base_env(POLICY_SEARCH_BACKEND="opensearch",
                   POLICY_SEARCH_OPENSEARCH_URL=",".join(opensearch_cluster.urls),
                   POLICY_SEARCH_OPENSEARCH_INDEX=alias, POLICY_SEARCH_CORPUS=str(corpus),
                   POLICY_SEARCH_INDEX=str(tmp_path / "state"))

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli(), *args], env={**env, **extra}, capture_output=True,
                              text=True, timeout=300)

    run.alias = alias
    run.corpus = corpus
    yield run
    drop_alias(opensearch_cluster, alias)


def search_ids(run, *args: str) -> list[str]:
    done = run("search", "--json", "--per-page", "100", *args)
    assert done.returncode == 0, done.stderr
    return sorted(h["id"] for h in json.loads(done.stdout)["hits"])


def test_rebuild_update_remove_stats_search(run_cli, opensearch_cluster, fixture_posts):
    run = run_cli
    done = run("rebuild")
    assert done.returncode == 0, done.stderr
    assert f"{len(fixture_posts)} posts" in done.stdout
    first = opensearch_cluster.request("GET", f"/_alias/{run.alias}")
    assert len(first) == 1 and next(iter(first)).startswith(f"{run.alias}-gen-")

    assert search_ids(run, "介護 人材") == ["kaigo-jinzai"]
    assert search_ids(run, "わじまし") == ["wajima-torikumi"]

    stats = run("stats")
    assert stats.returncode == 0, stats.stderr
    assert "opensearch" in stats.stdout and next(iter(first)) in stats.stdout
    assert f"posts:          {len(fixture_posts)}" in stats.stdout
    assert "policy-search-local" in stats.stdout  # the cluster's name

    # update: one post changed, one new, one file gone
    changed = run.corpus / "kaigo-jinzai.md"
    changed.write_text(changed.read_text("utf-8").replace("介護人材の確保", "介護人材と特定技能"),
                       "utf-8")
    new = (run.corpus / "fuzoku-kikan.md").read_text("utf-8")
    (run.corpus / "zz-new.md").write_text(
        new.replace('id = "fuzoku-kikan"', 'id = "zz-new"').replace("審議会", "ぴよ審議会"),
        "utf-8")
    (run.corpus / "kodomo-katei.md").unlink()
    done = run("update")
    assert done.returncode == 0, done.stderr
    assert "1 added, 1 updated, 1 removed" in done.stdout
    # visible as soon as the command returns, in the same index (no new generation)
    assert opensearch_cluster.request("GET", f"/_alias/{run.alias}") == first
    assert search_ids(run, "特定技能") == ["kaigo-jinzai"]
    assert "zz-new" in search_ids(run, "審議会")
    assert search_ids(run, "こども家庭庁") == []

    done = run("remove", "zz-new")
    assert done.returncode == 0, done.stderr
    done = run("update")
    assert done.returncode == 0, done.stderr
    assert "zz-new" not in search_ids(run, "審議会")

    # a rebuild swaps the alias to a new index and deletes the old one
    done = run("rebuild")
    assert done.returncode == 0, done.stderr
    second = opensearch_cluster.request("GET", f"/_alias/{run.alias}")
    assert second != first
    indexes = opensearch_cluster.request("GET", f"/{run.alias}-gen-*")
    assert sorted(indexes) == sorted(second)


@pytest.mark.parametrize("command", [["search", "介護"], ["stats"], ["rebuild"], ["update"]])
def test_an_unreachable_cluster_is_one_line_and_a_failure(run_cli, command):
    started = time.monotonic()
    done = run_cli(*command, POLICY_SEARCH_OPENSEARCH_URL="http://127.0.0.1:9")
    seconds = time.monotonic() - started
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "cannot be reached" in lines[0] and "POLICY_SEARCH_OPENSEARCH_URL" in lines[0]
    assert "Traceback" not in done.stderr
    assert seconds < 30  # process start and Sudachi included; the client gives up in seconds


def test_no_index_yet_says_to_rebuild(run_cli):
    done = run_cli("search", "介護")
    assert done.returncode != 0
    assert "rebuild" in done.stderr and "Traceback" not in done.stderr
