"""GET /api/search over the fixture corpus: (query string, status, expected ids) for every rule of
the query language, tolerance of odd input, filters, facets, sorting and paging."""

from __future__ import annotations

import pytest

from tests.contract import assert_canonical_error, schema_errors
from tests.fixtures.posts import FIXTURE_POSTS

ALL_IDS = sorted(p.id for p in FIXTURE_POSTS)
NEWEST_FIRST = [p.id for p in sorted(FIXTURE_POSTS, key=lambda p: (p.date, p.id), reverse=True)]


@pytest.fixture
def client(backend_client):
    """The search contract holds on every backend (``backend`` in tests/conftest.py)."""
    return backend_client


def search(client, **params):
    params.setdefault("per_page", 100)
    return client.get("/api/search", query_string=params)


def hit_ids(response) -> list[str]:
    return sorted(h["id"] for h in response.get_json()["hits"])


QUERIES = [
    # words and compounds: units, never substrings
    ("東京都", 200, ["tokyo-taiki"]),
    ("東京", 200, ["tokyo-taiki"]),
    ("京都", 200, ["kyoto-kanko"]),
    ("介護", 200, ["kaigo-jinzai"]),
    ("福祉", 200, ["fukushi-soudan"]),
    ("新型コロナウイルス感染症", 200, ["corona-kihon"]),
    ("コロナ", 200, ["corona-jido-club", "corona-kihon"]),
    ("感染症", 200, ["corona-kihon"]),
    ("生活保護基準", 200, ["seiho-kijun"]),  # a sequence of units, not scattered words
    ("生活保護", 200, ["seiho-kijun"]),
    ("生活 保護 基準", 200, ["seiho-bara", "seiho-kijun"]),
    ("生涯活躍のまち", 200, ["machi-phrase"]),
    ("生涯 活躍 まち", 200, ["machi-bara", "machi-phrase"]),
    ("保育士", 200, ["hoikushi-honbun", "hoikushi-title"]),
    # spelling variants meet
    ("付属", 200, ["fuzoku-kikan"]),
    ("附属", 200, ["fuzoku-kikan"]),
    ("KPI", 200, ["kpi-minaoshi"]),
    ("ＫＰＩ", 200, ["kpi-minaoshi"]),
    ("kpi", 200, ["kpi-minaoshi"]),
    ("8050", 200, ["yoshida-8050"]),
    ("８０５０", 200, ["yoshida-8050"]),
    # kana-only words also search readings
    ("わじまし", 200, ["wajima-torikumi"]),
    ("わじま", 200, ["wajima-torikumi"]),
    ("ワジマシ", 200, ["wajima-torikumi"]),
    ("ワジマ", 200, ["wajima-torikumi"]),
    ("輪島市", 200, ["wajima-torikumi"]),
    ("かいご", 200, ["kaigo-jinzai"]),
    ("ほいくし", 200, ["hoikushi-honbun", "hoikushi-title"]),
    ("こども", 200, ["kodomo-katei"]),
    # synonyms expand at query time, both ways; quoted words are taken as written
    ("厚労省", 200, ["kourou-ryaku", "kousei-roudou"]),
    ("厚生労働省", 200, ["kourou-ryaku", "kousei-roudou"]),
    ("厚労省 予算", 200, ["kousei-roudou"]),
    ('"厚労省"', 200, ["kourou-ryaku"]),
    ("学童保育", 200, ["corona-jido-club"]),
    ("こ家庁", 200, ["kodomo-katei"]),
    # AND, with ASCII and full-width spaces
    ("介護 人材", 200, ["kaigo-jinzai"]),
    ("介護\u3000人材", 200, ["kaigo-jinzai"]),
    ("介護 福祉", 200, []),
    # OR (upper case only; full-width folds), NOT and minus
    ("介護 OR 福祉", 200, ["fukushi-soudan", "kaigo-jinzai"]),
    ("介護 ＯＲ 福祉", 200, ["fukushi-soudan", "kaigo-jinzai"]),
    ("介護 or 福祉", 200, []),
    ("コロナ -児童", 200, ["corona-kihon"]),
    ("コロナ －児童", 200, ["corona-kihon"]),
    ("コロナ NOT 児童", 200, ["corona-kihon"]),
    ("-コロナ", 200, sorted(set(ALL_IDS) - {"corona-kihon", "corona-jido-club"})),
    ("NOT NOT コロナ", 200, ["corona-jido-club", "corona-kihon"]),
    ("COVID-19", 200, ["corona-kihon"]),  # a minus inside a word is text (Sudachi normalizes COVID-19)
    # parentheses
    ("(介護 OR 福祉) 人材", 200, ["kaigo-jinzai"]),
    ("（介護 OR 福祉）\u3000相談", 200, ["fukushi-soudan"]),
    ("((コロナ OR 介護) -(児童 OR 人材))", 200, ["corona-kihon"]),
    # phrases
    ("「生涯活躍のまち」", 200, ["machi-phrase"]),
    ('"生涯活躍のまち"', 200, ["machi-phrase"]),
    ("『生涯活躍のまち』", 200, ["machi-phrase"]),
    ('"生涯 活躍"', 200, ["machi-phrase"]),
    # field prefixes
    ("title:保育士", 200, ["hoikushi-title"]),
    ("title：保育士", 200, ["hoikushi-title"]),
    ('title:"生涯活躍のまち"', 200, ["machi-phrase"]),
    ("title:(介護 OR 輪島)", 200, ["kaigo-jinzai", "wajima-torikumi"]),
    ("title:わじまし", 200, ["wajima-torikumi"]),
    ("category:介護", 200, ["kaigo-jinzai", "ninchi-new", "ninchi-old"]),
    ("category:介護 認知症", 200, ["ninchi-new", "ninchi-old"]),
    ("category:介護 OR category:福祉", 200,
     ["fukushi-soudan", "kaigo-jinzai", "ninchi-new", "ninchi-old", "yoshida-8050"]),
    ("-category:介護 認知症", 200, []),
    # markup is text
    ("script", 200, ["script-tag"]),
    ("<script>alert(1)</script>", 200, ["script-tag"]),
    # a match deep inside a 150 KB post
    ("遠隔医療", 200, ["long-report"]),
    # outside the BMP, emoji
    ("𠮷田町", 200, ["yoshida-8050"]),
    ("😀", 200, ["yoshida-8050"]),
    # tolerated oddities: a sensible result, never a 500
    ('"生涯活躍', 200, ["machi-phrase"]),
    ("「生涯活躍", 200, ["machi-phrase"]),
    ("生涯活躍」", 200, ["machi-phrase"]),
    ("(介護", 200, ["kaigo-jinzai"]),
    ("介護)", 200, ["kaigo-jinzai"]),
    (")))介護(((", 200, ["kaigo-jinzai"]),
    ("介護 OR", 200, ["kaigo-jinzai"]),
    ("OR 介護", 200, ["kaigo-jinzai"]),
    ("AND 介護", 200, ["kaigo-jinzai"]),
    ("介護 NOT", 200, ["kaigo-jinzai"]),
    ("介護\x00人材", 200, ["kaigo-jinzai"]),
    ("介護\t人材\r\n", 200, ["kaigo-jinzai"]),
    ("title:", 200, []),
    ("category:", 200, []),
    ("OR", 200, []),
    ("NOT", 200, []),
    ("-", 200, []),
    ("\"", 200, []),
    ("「」", 200, []),
    ("()", 200, []),
    ("の", 200, []),
    ("\x07", 200, []),
    ("(" * 2000, 200, []),
    ("(" * 40 + "介護" + ")" * 40, 200, ["kaigo-jinzai"]),
    ("NOT " * 1000, 200, []),
    ("あ" * 5000, 200, []),
    ("介護" * 2500, 200, []),
    ("𠮷" * 2500, 200, []),  # 2,500 characters, 5,000 UTF-16 code units
    # empty query: every post
    ("", 200, ALL_IDS),
    ("   \u3000 ", 200, ALL_IDS),
]


@pytest.mark.parametrize(("q", "status", "expected"), QUERIES)
def test_query(client, q, status, expected):
    response = search(client, q=q)
    assert response.status_code == status
    body = response.get_json()
    assert schema_errors(body, "SearchResponse") == []
    assert hit_ids(response) == expected
    assert body["total"] == len(expected)
    assert body["query"] == q


@pytest.mark.parametrize(("raw", "query"), [
    # Werkzeug keeps percent escapes that are not UTF-8 as they were written.
    ("%ED%A0%82", "%ED%A0%82"),  # the UTF-8 form of a lone surrogate
    ("%FF%FE%E4%BB%8B%E8%AD%B7", "%FF%FE介護"),
    ("%F0%A0%AE%B7%E7%94%B0%E7%94%BA", "𠮷田町"),
])
def test_undecodable_bytes(client, raw, query):
    response = client.get(f"/api/search?q={raw}")
    body = response.get_json()
    assert (response.status_code, body["query"]) == (200, query)
    assert schema_errors(body, "SearchResponse") == []


@pytest.mark.parametrize(("q", "code"), [
    ("あ" * 5001, "query_too_long"),
    (" ".join(["介護"] * 65), "too_many_words"),
    ("a " * 2500, "too_many_words"),
])
def test_query_refused(client, q, code):
    assert_canonical_error(search(client, q=q), 400, code, "q")


def test_sixty_four_words_are_allowed(client):
    response = search(client, q=" ".join(["介護"] * 64))
    assert (response.status_code, hit_ids(response)) == (200, ["kaigo-jinzai"])


# --- ranking ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("q", "ranked"), [
    ("保育士", ["hoikushi-title", "hoikushi-honbun"]),  # title outweighs body (and the newer date)
    ("認知症", ["ninchi-new", "ninchi-old"]),  # identical posts: the newer first
    ("コロナ", ["corona-kihon", "corona-jido-club"]),  # in the title and the body
])
def test_relevance_order(client, q, ranked):
    body = search(client, q=q).get_json()
    assert [h["id"] for h in body["hits"]] == ranked
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)


def test_a_reading_match_weighs_less_than_the_written_word(client):
    [by_reading] = search(client, q="わじまし").get_json()["hits"]
    [by_word] = search(client, q="輪島市").get_json()["hits"]
    assert by_reading["id"] == by_word["id"] == "wajima-torikumi"
    assert by_reading["score"] < by_word["score"]


def test_identical_posts_tie_exactly(client):
    hits = search(client, q="認知症").get_json()["hits"]
    assert hits[0]["score"] == hits[1]["score"]


# --- filters ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "expected"), [
    ({"category": "介護"}, ["kaigo-jinzai", "ninchi-new", "ninchi-old"]),
    ({"category": ["介護", "福祉"]},
     ["fukushi-soudan", "kaigo-jinzai", "ninchi-new", "ninchi-old", "yoshida-8050"]),
    ({"category": ["介護", ""]}, ["kaigo-jinzai", "ninchi-new", "ninchi-old"]),
    ({"category": "存在しない"}, []),
    ({"from": "2024-01-01"}, ["kodomo-katei", "ninchi-new", "yoshida-8050"]),
    ({"to": "2019-04-01"}, ["long-report", "ninchi-old"]),  # inclusive
    ({"from": "2020-03-25", "to": "2020-04-01"}, ["machi-bara", "machi-phrase"]),
    ({"from": "2020-03-26", "to": "2020-03-31"}, []),
    ({"from": "", "to": ""}, ALL_IDS),
    ({"q": "認知症", "from": "2020-01-01"}, ["ninchi-new"]),
    ({"q": "保育士 OR 児童", "category": "子ども", "to": "2021-12-31"},
     ["corona-jido-club", "hoikushi-title", "tokyo-taiki"]),
])
def test_filters(client, params, expected):
    response = search(client, **params)
    assert response.status_code == 200
    assert hit_ids(response) == expected
    assert response.get_json()["total"] == len(expected)


# --- facets ----------------------------------------------------------------------------------

def facet(body, name):
    return [(f["value"], f["count"]) for f in body["facets"][name]]


def test_facets_of_everything(client):
    body = search(client).get_json()
    assert facet(body, "category") == [("地方創生", 5), ("子ども", 5), ("行政", 4), ("介護", 3),
                                       ("医療", 2), ("生活保護", 2), ("福祉", 2)]
    assert facet(body, "year") == [("2025", 1), ("2024", 2), ("2023", 3), ("2022", 3), ("2021", 5),
                                   ("2020", 6), ("2019", 2), ("2018", 1)]
    # 2020-02-25 and 2020-03-25 belong to 2019年度, 2021-03-31 to 2020年度
    assert facet(body, "fiscal_year") == [("2024", 3), ("2023", 2), ("2022", 4), ("2021", 3),
                                          ("2020", 5), ("2019", 5), ("2018", 1)]
    assert facet(body, "month")[:4] == [("2025-01", 1), ("2024-12", 1), ("2024-05", 1), ("2023-08", 1)]
    assert sum(n for _, n in facet(body, "month")) == len(FIXTURE_POSTS)


def test_facets_follow_the_query(client):
    body = search(client, q="コロナ OR 介護").get_json()
    assert facet(body, "category") == [("介護", 1), ("医療", 1), ("子ども", 1)]
    assert facet(body, "year") == [("2021", 1), ("2020", 2)]
    assert facet(body, "fiscal_year") == [("2020", 2), ("2019", 1)]
    assert facet(body, "month") == [("2021-01", 1), ("2020-06", 1), ("2020-02", 1)]


def test_facets_are_multi_select(client):
    """Category counts ignore the category filter but respect the dates; date counts ignore the
    dates but respect the category filter."""
    body = search(client, category="子ども", **{"from": "2021-04-01"}).get_json()
    assert hit_ids_of(body) == ["hoikushi-honbun", "hoikushi-title", "kodomo-katei", "tokyo-taiki"]
    assert facet(body, "category") == [("子ども", 4), ("生活保護", 2), ("福祉", 2), ("行政", 2),
                                       ("介護", 1), ("地方創生", 1)]
    assert facet(body, "year") == [("2025", 1), ("2022", 1), ("2021", 2), ("2020", 1)]
    assert facet(body, "fiscal_year") == [("2024", 1), ("2022", 1), ("2021", 2), ("2020", 1)]


def hit_ids_of(body) -> list[str]:
    return sorted(h["id"] for h in body["hits"])


def test_facets_of_no_match_are_empty(client):
    body = search(client, q="存在しない語彙").get_json()
    assert body["facets"] == {"category": [], "year": [], "month": [], "fiscal_year": []}


# --- sorting and paging ----------------------------------------------------------------------

def test_empty_query_lists_newest_first(client):
    body = search(client).get_json()
    assert [h["id"] for h in body["hits"]] == NEWEST_FIRST
    assert {h["score"] for h in body["hits"]} == {0.0}


@pytest.mark.parametrize(("sort", "expected"), [
    ("date_desc", ["hoikushi-honbun", "hoikushi-title", "tokyo-taiki", "corona-jido-club"]),
    ("date_asc", ["corona-jido-club", "tokyo-taiki", "hoikushi-title", "hoikushi-honbun"]),
    ("relevance", ["hoikushi-title", "hoikushi-honbun", "tokyo-taiki", "corona-jido-club"]),
    ("", ["hoikushi-title", "hoikushi-honbun", "tokyo-taiki", "corona-jido-club"]),
])
def test_sort(client, sort, expected):
    body = search(client, q="保育士 OR 児童", sort=sort).get_json()
    assert [h["id"] for h in body["hits"]] == expected


def test_relevance_without_a_query_is_newest_first(client):
    body = search(client, sort="relevance").get_json()
    assert [h["id"] for h in body["hits"]] == NEWEST_FIRST


@pytest.mark.parametrize(("page", "per_page", "expected"), [
    (1, 5, NEWEST_FIRST[:5]),
    (2, 5, NEWEST_FIRST[5:10]),
    (5, 5, NEWEST_FIRST[20:]),
    (6, 5, []),
    (10000, 100, []),
    (1, 1, NEWEST_FIRST[:1]),
])
def test_paging(client, page, per_page, expected):
    body = search(client, page=page, per_page=per_page).get_json()
    assert [h["id"] for h in body["hits"]] == expected
    assert (body["total"], body["page"], body["per_page"]) == (len(FIXTURE_POSTS), page, per_page)


def test_default_page_size(client):
    body = client.get("/api/search").get_json()
    assert (body["page"], body["per_page"], len(body["hits"])) == (1, 20, 20)


def test_pages_of_a_query_do_not_overlap(client):
    ids = []
    for page in (1, 2, 3):
        ids += [h["id"] for h in search(client, q="-コロナ", page=page, per_page=8).get_json()["hits"]]
    assert sorted(ids) == sorted(set(ALL_IDS) - {"corona-kihon", "corona-jido-club"})


# --- the whole hit ---------------------------------------------------------------------------

def test_a_hit_has_every_field(client):
    body = search(client, q="付属").get_json()
    assert body["hits"] == [{
        "id": "fuzoku-kikan",
        "title": "審議会の附属機関について",
        "title_html": "審議会の<mark>附属</mark>機関について",
        "date": "2020-05-20",
        "category": "行政",
        "url": "https://example.jp/posts/fuzoku-kikan",
        "snippet": "社会保障審議会の<mark>附属</mark>機関として専門部会を置くことが決まった。"
                   "部会の委員は二十名である。",
        "score": body["hits"][0]["score"],
    }]
    assert body["query"] == "付属"
    assert isinstance(body["took_ms"], float) and body["took_ms"] >= 0


def test_unknown_parameters_are_ignored(client):
    response = search(client, q="介護", foo="bar", debug="1")
    assert hit_ids(response) == ["kaigo-jinzai"]


def test_json_is_utf8_not_escaped(client):
    response = search(client, q="介護")
    assert "介護" in response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/nope").headers["X-Content-Type-Options"] == "nosniff"
