"""Parity: the search-contract tests of the Whoosh backend, run unchanged on the OpenSearch
backend. This module imports the test functions of ``tests/api/test_search_api.py`` (ids, totals,
filters, facet counts, sorting, paging, the error shape), ``tests/api/test_errors.py`` (400s in
the canonical shape) and ``tests/search/test_service.py`` (posts, neighbours, archives), and
gives them the OpenSearch versions of the ``client`` and ``service`` fixtures: the same literal
expectations then hold for both backends. A few more tests compare whole responses (snippets,
highlights and facets included) of the two backends side by side."""

from __future__ import annotations

import pytest

from search import SearchService
from tests.api import test_errors as error_tests
from tests.api import test_search_api as contract
from tests.opensearch.backend_fixtures import os_app, os_client, os_settings  # noqa: F401
from tests.search import test_service as service_tests


def _tests_of(module, names=None):
    return {name: getattr(module, name) for name in dir(module)
            if name.startswith("test_") and (names is None or name in names)}


# Every contract test of the JSON API; those of the errors module that only need a client.
globals().update(_tests_of(contract))
globals().update(_tests_of(error_tests, {
    "test_bad_parameters", "test_the_message_says_what_is_allowed", "test_lenient_values",
    "test_not_found", "test_method_not_allowed", "test_head_and_options_work"}))
globals().update(_tests_of(service_tests))


@pytest.fixture
def client(os_client):
    return os_client


@pytest.fixture(scope="module")
def service(os_settings):
    svc = SearchService(os_settings)
    yield svc
    svc.close()


def _comparable(body: dict) -> dict:
    """A search response without what differs by design: the time taken and the scores (each
    backend scores with its own BM25)."""
    out = dict(body)
    out.pop("took_ms", None)
    out["hits"] = [{k: v for k, v in h.items() if k != "score"} for h in body["hits"]]
    return out


SIDE_BY_SIDE = [
    {"q": "介護"}, {"q": "わじまし"}, {"q": "保育士"}, {"q": "生活 保護 基準"},
    {"q": "コロナ -児童"}, {"q": "厚労省"}, {"q": "(介護 OR 福祉) 人材"},
    {"q": "こども", "sort": "date_asc"}, {"q": "", "category": "子ども"},
    {"q": "", "from": "2020-01-01", "to": "2021-12-31", "category": ["地方創生", "子ども"]},
    {"q": "-コロナ", "per_page": 3, "page": 2}, {"q": "title:保育士"},
]


@pytest.mark.parametrize("params", SIDE_BY_SIDE, ids=lambda p: repr(p)[:60])
def test_the_same_response_as_whoosh(app, os_client, params):
    """Totals, facets, hits in date order and every snippet and highlighted title: equal.
    Relevance order may differ where scores differ, so hits are compared by id there."""
    whoosh, opensearch = contract.search(app.test_client(), **params), \
        contract.search(os_client, **params)
    assert whoosh.status_code == opensearch.status_code == 200
    a, b = _comparable(whoosh.get_json()), _comparable(opensearch.get_json())
    if (params.get("sort") or ("relevance" if params.get("q") else "date_desc")) == "relevance":
        a["hits"] = sorted(a["hits"], key=lambda h: h["id"])
        b["hits"] = sorted(b["hits"], key=lambda h: h["id"])
    assert b == a
