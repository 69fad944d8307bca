"""Generated bad input: the query parser, the search service and ``GET /api/search`` never fail.

Hypothesis feeds Japanese scripts, full-width forms, combining marks, plane-2 kanji, controls,
bidi marks, lone surrogates (where a layer can receive them), operators and quotes in any order,
and any parameter values. The service answers 200 with a body that matches the OpenAPI schema,
or 400 in the one error shape; never a 500, always JSON.
"""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, event, example, given, settings as hsettings, strategies as st

from search import QueryError, SearchRequest
from search.query import MAX_WORDS, All, Any, Not, Word, parse

from tests.contract import assert_canonical_error, schema_validator

from .checks import assert_no_leak, assert_security_headers
from .strategies import PARAM_NAMES, params, query_text_with_surrogates

FUZZ = hsettings(max_examples=150, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])


def _words(node) -> list[Word]:
    if isinstance(node, Word):
        return [node]
    if isinstance(node, Not):
        return _words(node.child)
    assert isinstance(node, (All, Any)), node
    assert len(node.children) >= 2, node
    return [w for child in node.children for w in _words(child)]


@FUZZ
@given(query_text_with_surrogates)
@example("((((((((((((((((((((((((介護" + ")" * 40)
@example("\ud800介護\udfff")
@example('"' * 7 + "「」『" + "title:" * 5)
@example(" OR ".join(["介護"] * (MAX_WORDS + 1)))
def test_parser_accepts_every_string(text: str) -> None:
    try:
        tree = parse(text)
    except QueryError as exc:
        assert (exc.code, exc.param) == ("too_many_words", "q")
        return
    if tree is None:
        return
    words = _words(tree)
    assert 1 <= len(words) <= MAX_WORDS
    for word in words:
        assert word.field in (None, "title", "category"), word
        assert word.text, word
        assert not any("\ud800" <= c <= "\udfff" for c in word.text), word
        if not word.quoted:
            assert not any(c.isspace() for c in word.text), word


@pytest.fixture(scope="module")
def service(app):
    return app.extensions["search_service"]


@FUZZ
@given(query_text_with_surrogates, st.sampled_from(["relevance", "date_desc", "date_asc"]),
       st.integers(min_value=1, max_value=3))
def test_service_answers_every_query(service, text: str, sort: str, page: int) -> None:
    try:
        result = service.search(SearchRequest(q=text, sort=sort, page=page, per_page=5))
    except QueryError as exc:
        assert (exc.code, exc.param) == ("too_many_words", "q")
        return
    assert result["query"] == text
    event("hits" if result["hits"] else "no hits")
    assert len(result["hits"]) == min(5, max(0, result["total"] - 5 * (page - 1)))
    assert len({hit["id"] for hit in result["hits"]}) == len(result["hits"])


@pytest.fixture(scope="module")
def search_response_schema():
    return schema_validator("SearchResponse")


def _check_search_answer(response, validator) -> None:
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400), (response.status_code, response.data[:300])
    assert_security_headers(response.headers)
    if response.status_code == 400:
        error = assert_canonical_error(response, 400)
        assert error["param"] is None or error["param"] in PARAM_NAMES, error
        assert_no_leak(response.data)
        return
    assert response.content_type == "application/json"
    body = json.loads(response.data.decode("utf-8"))
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, [e.message for e in errors[:3]]


@FUZZ
@given(params)
@example([("q", "介護"), ("q", "福祉")])
@example([("page", "５"), ("per_page", "٣")])
@example([("from", "2024-02-30"), ("to", "2020-01-01")])
@example([("category", "x" * 201)])
@example([("category", str(n)) for n in range(51)])
@example([("q", "介護 " * 2600)])
def test_api_search_never_fails(app, search_response_schema, params) -> None:
    client = app.test_client()
    _check_search_answer(client.get("/api/search", query_string=params), search_response_schema)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PARAM_NAMES), st.binary(max_size=24)), max_size=4))
@example([("q", b"\xed\xa0\x80\xe4\xbb\x8b\xe8\xad\xb7")])  # a UTF-8 encoded lone surrogate
@example([("q", b"\xff\xfe\x00"), ("page", b"\xc0\xaf")])   # overlong encoding of '/'
@example([("q", b"%")])
def test_api_search_takes_raw_bytes(app, search_response_schema, params) -> None:
    """Query strings that are not UTF-8 at all (invalid sequences, encoded surrogates, NUL)."""
    query = "&".join(f"{name}={quote_from_bytes(value, safe='')}" for name, value in params)
    client = app.test_client()
    _check_search_answer(client.get("/api/search?" + query),
                         search_response_schema)
