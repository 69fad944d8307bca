"""Shared fixtures for every test package, chained and session-scoped where building is slow:

``fixture_posts`` → ``index_root`` (a built, published Whoosh index) → ``settings`` → ``app`` →
``client``, plus ``corpus_dir`` (the same posts as post files). The same chain with the backend as
its one parameter: ``backend`` (each of :data:`tests.fixtures.backends.CONTRACT_BACKENDS`) →
``backend_settings`` (the fixture posts indexed on it) → ``backend_app`` → ``backend_client``;
tests of the search contract take these, so they run on every backend. Tests that change an index or a corpus must
build their own (``tests.fixtures.index.build_index`` / ``write_corpus`` into ``tmp_path``).
"""

from __future__ import annotations

import os

import pytest

from search import Post, Settings
from tests.fixtures.backends import BACKEND_SETUPS, CONTRACT_BACKENDS, publish_posts, serving
from tests.fixtures.index import build_index, write_corpus
from tests.fixtures.posts import FIXTURE_POSTS

# opensearch_cluster, opensearch_url, opensearch_faults: the real two-node cluster (issue 13)
pytest_plugins = ["tests.opensearch_cluster"]


@pytest.fixture(scope="session")
def fixture_posts() -> list[Post]:
    """The fixture corpus (:data:`tests.fixtures.posts.FIXTURE_POSTS`); do not mutate."""
    return list(FIXTURE_POSTS)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory, fixture_posts):
    """The fixture posts as ``<id>.md`` post files in a session-wide directory (read only)."""
    return write_corpus(tmp_path_factory.mktemp("corpus"), fixture_posts)


@pytest.fixture(scope="session")
def index_root(tmp_path_factory, fixture_posts):
    """An index root (``IndexStore`` layout) whose live generation holds the fixture posts."""
    root = tmp_path_factory.mktemp("index")
    build_index(root, fixture_posts)
    return root


@pytest.fixture(scope="session")
def settings(index_root, corpus_dir) -> Settings:
    return Settings(index_dir=index_root, corpus_dir=corpus_dir)


@pytest.fixture(scope="session")
def app(settings):
    """The Flask app over the fixture index (``create_app(settings)``)."""
    yield from serving(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session", params=CONTRACT_BACKENDS)
def backend(request) -> str:
    """The name of a backend the contract tests run on."""
    return request.param


@pytest.fixture(scope="session")
def backend_settings(request, backend, tmp_path_factory, corpus_dir, fixture_posts) -> Settings:
    """Settings of an index of the fixture posts on ``backend``."""
    state = tmp_path_factory.mktemp(f"index-{backend}")
    settings = BACKEND_SETUPS[backend](request, state, corpus_dir)
    publish_posts(settings, fixture_posts)
    return settings


@pytest.fixture(scope="session")
def backend_app(backend_settings):
    """The Flask app over ``backend_settings``."""
    yield from serving(backend_settings)


@pytest.fixture
def backend_client(backend_app):
    return backend_app.test_client()


# --- under CI=true an unexpected skip fails the run --------------------------------------------

#: Skips CI accepts: the start of the skip reason, and why it may happen on a CI machine.
CI_ALLOWED_SKIPS = {
    "unshare -rm cannot create user/mount namespaces here":
        "the disk-full tests need user namespaces, which some CI containers do not grant",
}
_SKIPS: list[tuple[str, str]] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        _SKIPS.append((report.nodeid, reason.removeprefix("Skipped: ")))


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI") != "true":
        return
    unexpected = [(node, reason) for node, reason in _SKIPS
                  if not any(reason.startswith(allowed) for allowed in CI_ALLOWED_SKIPS)]
    if not unexpected:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line(f"CI=true: {len(unexpected)} unexpected skip(s) fail the run "
                            "(allowed ones are listed in tests/conftest.py CI_ALLOWED_SKIPS):",
                            red=True)
        for node, reason in unexpected:
            reporter.write_line(f"  {node}: {reason}", red=True)
    if session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
