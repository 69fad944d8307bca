"""Links of the results page (web.navigation): state ↔ URL, facet toggles, chips, pager."""

import pytest
from werkzeug.datastructures import MultiDict

from search import SearchRequest
from search.request import MAX_PAGE, parse_date
from web import navigation as nav

BASE = "/search"


def state(date_from="", date_to="", **kw):
    return SearchRequest(date_from=parse_date("from", date_from), date_to=parse_date("to", date_to), **kw)


def test_request_round_trips_through_its_url():
    args = MultiDict([("q", " 保育士 "), ("category", "子ども"), ("category", "介護"), ("category", "子ども"),
                      ("category", ""), ("category", " 介護"), ("from", "2020-01-01"), ("to", "2020-12-31"),
                      ("sort", "date_desc"), ("per_page", "10"), ("page", "3"), ("more", "category")])
    s = SearchRequest.from_params(args)
    assert s == state(q=" 保育士 ", categories=("子ども", "介護", " 介護"), date_from="2020-01-01",
                      date_to="2020-12-31", sort="date_desc", per_page=10, per_page_given=True, page=3)
    assert nav.url(s, BASE) == ("/search?q=保育士&category=子ども"
                                "&category=介護&category=+介護&from=2020-01-01&to=2020-12-31"
                                "&sort=date_desc&per_page=10&page=3")
    assert SearchRequest.from_params(MultiDict(s.params())) == s.change(q="保育士", page=3)


def test_only_a_page_size_asked_for_is_written_back():
    assert SearchRequest.from_params({"q": "x"}).params() == [("q", "x")]
    assert SearchRequest.from_params({"q": "x", "per_page": "20"}).params() == [("q", "x"), ("per_page", "20")]


def test_any_change_but_the_page_goes_back_to_page_one():
    s = state(q="a", page=4)
    assert s.change(sort="date_asc").page == 1
    assert s.change(page=5).page == 5
    assert nav.url(state(), BASE) == "/search"


@pytest.mark.parametrize("date_from, date_to, label", [
    ("2020-01-01", "2020-12-31", "2020年"),
    ("2020-02-01", "2020-02-29", "2020年2月"),
    ("2019-04-01", "2020-03-31", "2019年度"),
    ("2020-02-01", "2020-02-28", "2020年2月1日〜2020年2月28日"),
    ("2020-05-03", "", "2020年5月3日以降"),
    ("", "2021-01-09", "2021年1月9日まで"),
])
def test_range_labels(date_from, date_to, label):
    assert nav.range_label(date_from, date_to) == label


@pytest.mark.parametrize("year, name", [(2018, "平成30年度"), (2019, "令和元年度"), (2024, "令和6年度"),
                                        (1989, "平成元年度"), (1988, "昭和63年度")])
def test_era_fiscal_year(year, name):
    assert nav.era_fiscal_year(year) == name


FACETS = {
    "category": [{"value": "子ども", "count": 5}, {"value": "介護", "count": 3}],
    "year": [{"value": "2020", "count": 6}, {"value": "2021", "count": 2}],
    "month": [{"value": "2020-02", "count": 1}, {"value": "2020-06", "count": 5}, {"value": "2021-01", "count": 2}],
    "fiscal_year": [{"value": "2019", "count": 2}, {"value": "2020", "count": 6}],
}


def test_category_entries_add_and_remove_themselves():
    side = nav.facet_sidebar(state(q="x", categories=("介護",), page=3), FACETS, BASE)
    assert [(e["label"], e["count"], e["active"], e["url"]) for e in side["category"]] == [
        ("子ども", 5, False, "/search?q=x&category=介護&category=子ども"),
        ("介護", 3, True, "/search?q=x"),
    ]


def test_a_chosen_category_without_hits_stays_listed_to_be_removed():
    side = nav.facet_sidebar(state(categories=("福祉",)), {"category": []}, BASE)
    assert side["category"] == [{"label": "福祉", "count": 0, "active": True, "url": "/search"}]


def test_a_long_category_list_is_cut_but_keeps_the_chosen_ones():
    facets = {"category": [{"value": f"c{n}", "count": 100 - n} for n in range(30)]}
    side = nav.facet_sidebar(state(categories=("c25",)), facets, BASE, category_limit=5)
    assert [(e["label"], e["active"]) for e in side["category"]] == [
        ("c0", False), ("c1", False), ("c2", False), ("c3", False), ("c4", False), ("c25", True)]
    assert side["category_more"] == 24
    assert nav.facet_sidebar(state(), facets, BASE)["category_more"] == 0
    assert nav.facet_sidebar(state(), facets, BASE, category_limit=30)["category_more"] == 0


def test_years_months_and_fiscal_years_are_ranges_that_replace_each_other():
    side = nav.facet_sidebar(state(q="x"), FACETS, BASE)
    assert [(e["label"], e["url"], e["months"]) for e in side["year"]] == [
        ("2021年（令和3年）", "/search?q=x&from=2021-01-01&to=2021-12-31", []),
        ("2020年（令和2年）", "/search?q=x&from=2020-01-01&to=2020-12-31", []),
    ]
    assert [(e["label"], e["url"]) for e in side["fiscal_year"]] == [
        ("2020年度（令和2年度）", "/search?q=x&from=2020-04-01&to=2021-03-31"),
        ("2019年度（令和元年度）", "/search?q=x&from=2019-04-01&to=2020-03-31"),
    ]


def test_a_chosen_year_is_active_shows_its_months_and_its_link_removes_it():
    side = nav.facet_sidebar(state(q="x", date_from="2020-01-01", date_to="2020-12-31"), FACETS, BASE)
    y2021, y2020 = side["year"]
    assert (y2020["active"], y2020["url"]) == (True, "/search?q=x")
    assert (y2021["active"], y2021["url"], y2021["months"]) == (False, "/search?q=x&from=2021-01-01&to=2021-12-31", [])
    assert [(m["label"], m["count"], m["active"], m["url"]) for m in y2020["months"]] == [
        ("2月", 1, False, "/search?q=x&from=2020-02-01&to=2020-02-29"),
        ("6月", 5, False, "/search?q=x&from=2020-06-01&to=2020-06-30"),
    ]
    assert [e["active"] for e in side["fiscal_year"]] == [False, False]


def test_a_chosen_month_is_active_and_its_year_link_widens_to_the_year():
    side = nav.facet_sidebar(state(date_from="2020-06-01", date_to="2020-06-30"), FACETS, BASE)
    y2020 = side["year"][1]
    assert (y2020["active"], y2020["url"]) == (False, "/search?from=2020-01-01&to=2020-12-31")
    assert [(m["label"], m["active"], m["url"]) for m in y2020["months"]] == [
        ("2月", False, "/search?from=2020-02-01&to=2020-02-29"),
        ("6月", True, "/search"),
    ]


def test_a_chosen_fiscal_year_is_active():
    side = nav.facet_sidebar(state(date_from="2019-04-01", date_to="2020-03-31"), FACETS, BASE)
    assert [(e["active"], e["url"]) for e in side["fiscal_year"]] == [
        (False, "/search?from=2020-04-01&to=2021-03-31"), (True, "/search")]
    assert [e["active"] for e in side["year"]] == [False, False]


def test_chips_remove_one_filter_each():
    s = state(q="x", categories=("子ども", "介護"), date_from="2019-04-01", date_to="2020-03-31", sort="date_asc")
    assert nav.chips(s, BASE) == [
        {"label": "カテゴリ: 子ども", "url": "/search?q=x&category=介護&from=2019-04-01&to=2020-03-31&sort=date_asc"},
        {"label": "カテゴリ: 介護", "url": "/search?q=x&category=子ども&from=2019-04-01&to=2020-03-31&sort=date_asc"},
        {"label": "期間: 2019年度", "url": "/search?q=x&category=子ども&category=介護&sort=date_asc"},
    ]
    assert nav.url(nav.without_filters(s), BASE) == "/search?q=x&sort=date_asc"
    assert s.filters() == [("category", "子ども"), ("category", "介護"), ("from", "2019-04-01"),
                           ("to", "2020-03-31"), ("sort", "date_asc")]


def test_sort_links_offer_relevance_only_with_a_query():
    assert [(l["label"], l["current"], l["url"]) for l in nav.sort_links(state(q="x", page=2), BASE)] == [
        ("関連度順", True, "/search?q=x&sort=relevance"),
        ("新しい順", False, "/search?q=x&sort=date_desc"),
        ("古い順", False, "/search?q=x&sort=date_asc"),
    ]
    assert [l["label"] for l in nav.sort_links(state(), BASE)] == ["新しい順", "古い順"]


def pages_of(p):
    return [("…" if i.get("gap") else (i["n"], i["current"])) for i in p["links"]]


def test_pager_window():
    p = nav.pager(state(q="x", page=6), total=200, base=BASE)
    assert pages_of(p) == [(1, False), "…", (4, False), (5, False), (6, True), (7, False), (8, False), "…", (10, False)]
    assert (p["prev"], p["next"]) == ("/search?q=x&page=5", "/search?q=x&page=7")
    first = nav.pager(state(q="x"), total=41, base=BASE)
    assert pages_of(first) == [(1, True), (2, False), (3, False)]
    assert (first["prev"], first["next"]) == (None, "/search?q=x&page=2")
    assert first["links"][0]["url"] == "/search?q=x"


def test_no_pager_when_one_page_holds_everything():
    assert nav.pager(state(q="x"), total=20, base=BASE) is None
    assert nav.pager(state(q="x"), total=0, base=BASE) is None


def test_pager_stops_at_the_last_page_a_request_may_ask_for():
    p = nav.pager(state(q="x", page=MAX_PAGE, per_page=1), total=10 * MAX_PAGE, base=BASE)
    assert p["next"] is None
    assert pages_of(p)[-1] == (MAX_PAGE, True)


def test_pager_past_the_end_leads_back():
    p = nav.pager(state(q="x", page=9), total=30, base=BASE)
    assert pages_of(p) == [(1, False), (2, False)]
    assert (p["prev"], p["next"]) == ("/search?q=x&page=2", None)


@pytest.mark.parametrize("q, words", [
    ("保育士 処遇", ["保育士", "処遇"]),
    ("保育士　OR 介護 -賃金", ["保育士", "介護"]),
    ('"生涯活躍のまち" まち', ["生涯活躍のまち", "まち"]),
    ("介護 NOT 施設 title:人材 （福祉）", ["介護", "福祉"]),
    ("", []),
])
def test_query_words(q, words):
    assert nav.query_words(q) == words
