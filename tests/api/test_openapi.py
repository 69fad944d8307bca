"""The OpenAPI 3.1 document at /api/openapi.json: well formed, in step with the code, and true of
real responses."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from search import Settings
from search.request import MAX_PAGE, SORTS
from tests.contract import schema_errors
from web.api import openapi_document

DOC_PATH = Path(__file__).resolve().parents[2] / "web" / "openapi.json"


def test_served_document_is_the_file(client):
    """Without an admin token, the file minus the webhook's paths (tests/hardening/test_admin.py
    checks the document served with one)."""
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    whole = json.loads(DOC_PATH.read_text("utf-8"))
    assert response.get_json() == openapi_document()
    assert sorted(whole["paths"]) == sorted([*openapi_document()["paths"], "/api/admin/jobs/{id}",
                                             "/api/admin/sync", "/api/admin/update"])
    assert openapi_document(admin=True) == whole


def test_document_shape():
    doc = openapi_document()
    assert doc["openapi"].startswith("3.1.")
    assert sorted(doc["paths"]) == ["/api/openapi.json", "/api/posts/{id}", "/api/posts/{id}/related",
                                    "/api/search", "/api/suggest", "/search.atom"]
    assert all(not item.get("x-admin-only") for item in doc["paths"].values())
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)


def test_search_parameters_match_the_code():
    settings = Settings()
    params = {p["name"]: p for p in openapi_document()["paths"]["/api/search"]["get"]["parameters"]}
    assert sorted(params) == ["category", "from", "page", "per_page", "q", "sort", "to"]
    assert params["sort"]["schema"]["enum"] == list(SORTS)
    assert params["per_page"]["schema"]["maximum"] == settings.max_per_page
    assert params["per_page"]["schema"]["default"] == settings.per_page
    assert params["page"]["schema"]["maximum"] == MAX_PAGE
    assert params["q"]["schema"]["maxLength"] == settings.max_query_chars


def test_every_error_code_is_listed():
    listed = set(openapi_document()["components"]["schemas"]["Error"]["properties"]["error"]
                 ["properties"]["code"]["enum"])
    produced = {"query_too_long", "too_many_words", "repeated_parameter", "invalid_category",
                "invalid_date", "invalid_date_range", "invalid_sort", "invalid_page",
                "invalid_per_page", "not_found", "method_not_allowed", "internal_error",
                "index_unavailable"}
    assert produced <= listed


@pytest.mark.parametrize("params", [
    {}, {"q": "介護"}, {"q": "コロナ OR 介護", "sort": "date_asc"}, {"q": "存在しない語彙"},
    {"q": "わじまし", "per_page": 1}, {"category": ["子ども", "介護"], "from": "2020-04-01"},
    {"q": "-コロナ", "page": 2, "per_page": 7}, {"q": "遠隔医療"}, {"q": "<script>"},
    {"page": 99},
])
def test_search_responses_follow_the_schema(client, params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200
    assert schema_errors(response.get_json(), "SearchResponse") == []


def test_post_response_follows_the_schema(client):
    response = client.get("/api/posts/machi-phrase")
    body = response.get_json()
    assert schema_errors(body, "Post") == []
    assert body["tags"] == ["生涯活躍のまち", "地方創生"]


def test_the_schema_can_fail():
    """The checker is not vacuous: broken responses are caught."""
    assert schema_errors({"query": "", "total": -1, "page": 1, "per_page": 20, "took_ms": 1.0,
                          "hits": [], "facets": {}}, "SearchResponse") != []
    assert schema_errors({"error": {"code": "nope", "message": "", "param": None}}, "Error") != []
    assert schema_errors({"id": "x", "title": "t", "date": "2020-13-45", "category": "c",
                          "url": "u", "tags": [], "body": "b"}, "Post") != []
