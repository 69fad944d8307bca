"""Every error path of the JSON API answers in the canonical shape, never with a traceback."""

import pytest

from search import Settings
from tests.contract import assert_canonical_error
from tests.fixtures.index import build_index
from tests.fixtures.posts import FIXTURE_POSTS
from web import create_app


@pytest.mark.parametrize(("params", "code", "param"), [
    ({"q": "あ" * 5001}, "query_too_long", "q"),
    ({"q": " ".join(["介護"] * 65)}, "too_many_words", "q"),
    ({"q": ["介護", "福祉"]}, "repeated_parameter", "q"),
    ({"category": "あ" * 201}, "invalid_category", "category"),
    ({"category": [f"c{i}" for i in range(51)]}, "invalid_category", "category"),
    ({"from": "2020-1-1"}, "invalid_date", "from"),
    ({"from": "2020-02-30"}, "invalid_date", "from"),
    ({"from": "20200101"}, "invalid_date", "from"),
    ({"from": "２０２０-０１-０１"}, "invalid_date", "from"),
    ({"from": "2020-01-01T00:00"}, "invalid_date", "from"),
    ({"to": "yesterday"}, "invalid_date", "to"),
    ({"to": ["2020-01-01", "2020-02-01"]}, "repeated_parameter", "to"),
    ({"from": "2021-01-01", "to": "2020-12-31"}, "invalid_date_range", "to"),
    ({"sort": "newest"}, "invalid_sort", "sort"),
    ({"sort": "RELEVANCE"}, "invalid_sort", "sort"),
    ({"page": "0"}, "invalid_page", "page"),
    ({"page": "-1"}, "invalid_page", "page"),
    ({"page": "1.5"}, "invalid_page", "page"),
    ({"page": "abc"}, "invalid_page", "page"),
    ({"page": "10001"}, "invalid_page", "page"),
    ({"page": "9" * 40}, "invalid_page", "page"),
    ({"page": "１"}, "invalid_page", "page"),
    ({"per_page": "0"}, "invalid_per_page", "per_page"),
    ({"per_page": "101"}, "invalid_per_page", "per_page"),
    ({"per_page": "ten"}, "invalid_per_page", "per_page"),
    ({"per_page": ["10", "20"]}, "repeated_parameter", "per_page"),
])
def test_bad_parameters(client, params, code, param):
    response = client.get("/api/search", query_string=params)
    assert_canonical_error(response, 400, code, param)


def test_the_message_says_what_is_allowed(client):
    body = client.get("/api/search?per_page=500").get_json()
    assert body["error"]["message"] == "per_page must be an integer from 1 to 100, got '500'"
    body = client.get("/api/search?sort=x").get_json()
    assert body["error"]["message"] == "sort must be one of relevance, date_desc, date_asc"


@pytest.mark.parametrize(("params", "total"), [
    ({"page": " 2 ", "per_page": "5"}, len(FIXTURE_POSTS)),  # surrounding spaces are fine
    ({"from": "", "to": "", "sort": "", "page": "", "per_page": ""}, len(FIXTURE_POSTS)),
    ({"page": "0002"}, len(FIXTURE_POSTS)),
])
def test_lenient_values(client, params, total):
    response = client.get("/api/search", query_string=params)
    assert (response.status_code, response.get_json()["total"]) == (200, total)


@pytest.mark.parametrize(("path", "param"), [
    ("/api/posts/nope", "id"),
    ("/api/posts/%E4%BB%8B%E8%AD%B7", "id"),
    ("/api/posts/..%2F..%2Fetc%2Fpasswd", None),  # not an id: no such endpoint
    ("/api/nope", None),
    ("/api/", None),
    ("/api/search/extra", None),
])
def test_not_found(client, path, param):
    assert_canonical_error(client.get(path), 404, "not_found", param)


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/search"), ("PUT", "/api/search"), ("DELETE", "/api/search"),
    ("PATCH", "/api/posts/kaigo-jinzai"), ("POST", "/api/posts/kaigo-jinzai"),
    ("POST", "/api/openapi.json"),
])
def test_method_not_allowed(client, method, path):
    response = client.open(path, method=method)
    assert_canonical_error(response, 405, "method_not_allowed", None)
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_head_and_options_work(client):
    assert client.head("/api/search?q=介護").status_code == 200
    assert client.options("/api/search").status_code == 200


@pytest.fixture
def missing_app(tmp_path):
    app = create_app(Settings(index_dir=tmp_path / "never-built"))
    yield app
    app.extensions["search_service"].close()


@pytest.mark.parametrize("path", ["/api/search", "/api/search?q=介護", "/api/posts/kaigo-jinzai"])
def test_no_index_yet_is_503(missing_app, path):
    response = missing_app.test_client().get(path)
    assert_canonical_error(response, 503, "index_unavailable", None)
    assert response.headers["Retry-After"] == "5"


def test_openapi_is_served_without_an_index(missing_app):
    assert missing_app.test_client().get("/api/openapi.json").status_code == 200


def test_the_index_appearing_later_is_picked_up(tmp_path):
    app = create_app(Settings(index_dir=tmp_path / "index"))
    client = app.test_client()
    try:
        assert client.get("/api/search").status_code == 503
        build_index(tmp_path / "index", FIXTURE_POSTS[:3])
        response = client.get("/api/search")
        assert (response.status_code, response.get_json()["total"]) == (200, 3)
    finally:
        app.extensions["search_service"].close()


def test_an_unexpected_failure_is_a_500_in_the_same_shape(settings):
    """A view that fails unexpectedly (a real exception raised inside a real request): the
    answer is the canonical 500, without a traceback or the exception's text."""
    app = create_app(settings)

    def fails():
        return {}["no such key"]

    app.add_url_rule("/api/fails", view_func=fails)
    try:
        response = app.test_client().get("/api/fails")
        assert_canonical_error(response, 500, "internal_error", None)
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "no such key" not in text
    finally:
        app.extensions["search_service"].close()
