"""GET /api/posts/<id>: the whole post."""

import pytest

from tests.fixtures.posts import FIXTURE_POSTS, POSTS_BY_ID


def test_a_post(client):
    response = client.get("/api/posts/machi-phrase")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": "machi-phrase",
        "title": "「生涯活躍のまち」の推進",
        "date": "2020-03-25",
        "category": "地方創生",
        "url": "https://example.jp/posts/machi-phrase",
        "tags": ["生涯活躍のまち", "地方創生"],
        "body": "全世代・全員活躍型の「生涯活躍のまち」を推進する。",
    }


@pytest.mark.parametrize("post", FIXTURE_POSTS, ids=lambda p: p.id)
def test_every_post_round_trips(client, post):
    body = client.get(f"/api/posts/{post.id}").get_json()
    assert (body["title"], body["body"], body["date"], body["tags"]) == (
        post.title, post.body, post.date.isoformat(), list(post.tags))


def test_markup_is_returned_as_text(client):
    body = client.get("/api/posts/script-tag").get_json()
    assert body["title"] == POSTS_BY_ID["script-tag"].title
