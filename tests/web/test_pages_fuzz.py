"""Generated requests to the HTML pages: always a page (200, 400 or 404), never a 500 or a traceback,
always well-formed, and whatever was sent comes back escaped."""

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.html import parse

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
PARAM = st.sampled_from(["q", "category", "from", "to", "sort", "page", "per_page", "x"])
VALUE = st.one_of(TEXT, st.sampled_from(["2020-01-01", "2020-12-31", "date_desc", "relevance", "2", "0",
                                         "子ども", "介護", '"', "<script>alert(1)</script>", "-1", "1e3"]))


def check(response):
    assert response.status_code in {200, 400, 404}, response.status_code
    raw = response.get_data(as_text=True)
    assert "Traceback" not in raw and "<script>alert" not in raw
    doc = parse(raw)
    assert doc.find("html").get("lang") == "ja"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.lists(st.tuples(PARAM, VALUE), max_size=6))
def test_search_page_answers_any_parameters(client, params):
    check(client.get("/search", query_string=params))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(post_id=TEXT.filter(lambda s: "/" not in s and s not in {"", ".", ".."}), q=TEXT)
def test_post_page_answers_any_id_and_query(client, post_id, q):
    check(client.get(f"/posts/{quote(post_id, safe='')}", query_string={"q": q}))
