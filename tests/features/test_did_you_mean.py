"""「もしかして」: a close query that finds more (issue 15.3), over the sample corpus."""

from __future__ import annotations

import re

import pytest

from search.didyoumean import Known, KnownWords, candidates, edit_distance
from tests.contract import schema_errors


def search(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200
    body = response.get_json()
    assert schema_errors(body, "SearchResponse") == []
    return body


#: Two plain words of which no post holds both: the answer is the posts with one of them.
PARTIAL = {"ケアシステン 地域包括", "令和5年度 こども家庭審議会", "平成30年 課長会議"}


@pytest.mark.parametrize("q, total, proposal", [
    # katakana typos, by edit distance on readings
    ("ホームヘルバー", 0, {"q": "ホームヘルパー", "total": 4}),
    ("インセンテイブ", 0, {"q": "インセンティブ", "total": 2}),
    ("グループホール", 0, {"q": "グループホーム", "total": 4}),
    ("マッチンク", 0, {"q": "マッチング", "total": 2}),
    # a partial answer (7 posts hold 地域包括) still proposes a query that finds every word
    ("ケアシステン 地域包括", 7, {"q": "ケアシステム 地域包括", "total": 6}),
    # kana the dictionary reads as a known word
    ("ほうかごじどうくらぶ", 0, {"q": "放課後児童クラブ", "total": 2}),
    ("じゅうどきつえん", 0, {"q": "受動喫煙", "total": 1}),
    # 年 and 年度
    ("令和3年 報酬改定", 1, {"q": "令和3年度 報酬改定", "total": 3}),
    # (a partial answer of 9 posts holding one of the words)
    ("令和5年度 こども家庭審議会", 9, {"q": "令和5年 こども家庭審議会", "total": 1}),
    # found enough, or nothing close finds anything: no proposal
    ("介護報酬", 7, None),
    ("かいごほけん", 5, None),
    ("ぬぬぬぬぬ", 0, None),
    ("平成30年 課長会議", 3, None),  # a partial answer; nothing close holds both words
    ("-ホームヘルバー", 44, None),
    ('"ホームヘルバー"', 0, None),
])
def test_did_you_mean(sample_client, q, total, proposal):
    body = search(sample_client, q=q)
    assert (body["total"], body["did_you_mean"]) == (total, proposal)
    assert body["match"] == ("partial" if q in PARTIAL else "all")
    if proposal:  # the proposal is what it says: run it
        assert search(sample_client, q=proposal["q"])["total"] == proposal["total"]


def test_filters_apply_to_the_proposal(sample_client):
    body = search(sample_client, q="ホームヘルバー", category="介護")
    assert body["did_you_mean"] == {"q": "ホームヘルパー", "total": 3}
    assert search(sample_client, q="ホームヘルバー", category="子育て支援")["did_you_mean"] is None


def test_the_page_offers_the_proposal_as_a_link(sample_client):
    page = sample_client.get("/search", query_string={"q": "ホームヘルバー", "category": "介護"})
    html = page.get_data(as_text=True)
    assert re.findall(r'<p class="did-you-mean">.*?</p>', html) == [
        '<p class="did-you-mean">もしかして: <a href="/search?q=ホームヘルパー&amp;category=介護">'
        'ホームヘルパー</a>（3件）</p>']
    assert "did-you-mean" not in sample_client.get("/search?q=介護").get_data(as_text=True)


def test_edit_distance_and_candidates():
    assert edit_distance("セキリュティ", "セキュリティ", 2) == 2
    assert edit_distance("ホームヘルバー", "ホームヘルパー", 1) == 1
    assert edit_distance("アイウエオ", "カキクケコ", 1) == 2
    known = KnownWords([Known("セキュリティ", "セキュリティ", 3),
                        Known("サイバーセキュリティ", "サイバーセキュリティ", 2)])
    assert candidates("サイバーセキリュティ 対策", known) == ["サイバーセキュリティ 対策"]
    assert candidates("令和6年 せきゅりてぃ", known) == ["令和6年度 せきゅりてぃ",
                                                         "令和6年 セキュリティ"]


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def test_edit_distance_is_levenshtein_capped():
    import random

    rng = random.Random(20261204)
    for _ in range(3000):
        a = "".join(rng.choice("アイウ") for _ in range(rng.randint(0, 7)))
        b = "".join(rng.choice("アイウ") for _ in range(rng.randint(0, 7)))
        for limit in (1, 2):
            d = _levenshtein(a, b)
            assert edit_distance(a, b, limit) == (d if d <= limit else limit + 1), (a, b, limit)
