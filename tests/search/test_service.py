"""SearchService's calls for the HTML pages: post, neighbours, archives."""

import pytest

from search import SearchService
from tests.fixtures.posts import FIXTURE_POSTS


@pytest.fixture(scope="module")
def service(settings):
    svc = SearchService(settings)
    yield svc
    svc.close()


def brief(post_id):
    post = next(p for p in FIXTURE_POSTS if p.id == post_id)
    return {"id": post.id, "title": post.title, "date": post.date.isoformat()}


@pytest.mark.parametrize(("post_id", "prev", "next"), [
    ("ninchi-old", None, "long-report"),  # the oldest post
    ("kodomo-katei", "yoshida-8050", None),  # the newest
    ("machi-phrase", "corona-kihon", "machi-bara"),  # 2020-03-25 between 02-25 and 04-01
    ("hoikushi-title", "fukushi-soudan", "wajima-torikumi"),  # 2021-06-30 < 2021-09-01 < 2022-07-01
])
def test_neighbours(service, post_id, prev, next):
    assert service.neighbours(post_id) == (prev and brief(prev), next and brief(next))


def test_neighbours_of_an_unknown_post(service):
    assert service.neighbours("nope") == (None, None)


def test_post(service):
    assert service.post("kaigo-jinzai") == {
        "id": "kaigo-jinzai", "title": "介護人材の確保", "date": "2021-01-20", "category": "介護",
        "url": "https://example.jp/posts/kaigo-jinzai", "tags": [],
        "body": "介護の現場では人材不足が続いている。処遇改善加算の拡充が議論された。"}
    assert service.post("nope") is None


def test_archives(service):
    archives = service.archives()
    assert archives["total"] == len(FIXTURE_POSTS)
    assert archives["years"] == [{"value": y, "count": n} for y, n in [
        ("2025", 1), ("2024", 2), ("2023", 3), ("2022", 3), ("2021", 5), ("2020", 6), ("2019", 2),
        ("2018", 1)]]
    assert [m["value"] for m in archives["months"]][:3] == ["2025-01", "2024-12", "2024-05"]
    assert archives["categories"][:2] == [{"value": "地方創生", "count": 5},
                                          {"value": "子ども", "count": 5}]
    archives["years"].clear()  # callers get their own copy
    assert len(service.archives()["years"]) == 8


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"page": 0}, "invalid_page"),
    ({"per_page": 0}, "invalid_per_page"),
    ({"sort": "newest"}, "invalid_sort"),
])
def test_requests_built_in_code_are_checked(kwargs, code):
    from search import QueryError, SearchRequest

    with pytest.raises(QueryError) as info:
        SearchRequest(**kwargs)
    assert info.value.code == code
