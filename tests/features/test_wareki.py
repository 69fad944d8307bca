"""和暦 and 西暦 are one year, in queries and in post text, 年 and 年度 kept apart (issue 15.1)."""

from __future__ import annotations

import re

import pytest

from search.wareki import alternatives, era_label, mentions, other_suffix

R6_KAITEI = ["2022-12-19-p1-shogaisha-sogoshienho-kaisei", "2024-01-24-p2-kaigo-hoshu-kaitei-r6",
             "2024-01-29-p1-kaigo-hoshu-kaitei-r6", "2024-02-08-p2-shogai-fukushi-hoshu-kaitei-r6"]
Y2019 = ["2019-03-12-p1-shakai-engo-kacho-kaigi-h30", "2019-06-10-p1-noufuku-renkei-vision",
         "2019-07-05-p1-judo-kitsuen-taisaku", "2019-09-27-p2-yoji-kyoiku-hoiku-mushoka",
         "2019-10-07-p1-kaigo-tokutei-shogu-kaizen", "2020-01-20-p1-houkago-jidou-club",
         "2020-03-19-p2-shakai-engo-kacho-kaigi-r1", "2020-06-15-p2-houkago-jido-club-corona",
         "2021-04-12-p1-jusoteki-shien-taisei-seibi", "2022-12-09-p2-seikatsu-hogo-kijun-bukai-hokokusho",
         "2022-12-26-p1-seikatsu-hogo-kijun-bukai"]
FY2018 = ["2019-03-12-p1-shakai-engo-kacho-kaigi-h30", "2020-12-24-p1-shin-kosodate-anshin-plan"]


@pytest.mark.parametrize("text, expected", [
    ("令和6年度", ["2024年度", "R6年度"]),
    ("2024年度報酬改定", ["令和6年度報酬改定", "R6年度報酬改定"]),
    ("R6", ["2024年", "2024年度", "令和6"]),
    ("Ｒ６年度", ["2024年度", "令和6年度", "R6年度"]),
    ("令和二年", ["2020年", "令和2年", "R2年"]),
    ("２０２０年", ["2020年", "令和2年", "R2年"]),
    ("令和元年", ["2019年", "令和1年", "R1年", "平成31年", "H31年"]),
    ("2019年", ["令和元年", "令和1年", "R1年", "平成31年", "H31年"]),
    ("平成31年", ["2019年", "令和元年", "令和1年", "R1年", "H31年"]),
    ("H30年度", ["2018年度", "平成30年度"]),
    ("平成三十年度", ["2018年度", "平成30年度", "H30年度"]),
    ("昭和64年", ["1989年", "平成元年", "平成1年", "H1年", "S64年"]),
    ("S50年", ["1975年", "昭和50年"]),
    ("令和6年4月", ["2024年4月", "R6年4月"]),
    # not years
    ("H2O", []), ("COVR6", []), ("令和99年", []), ("1500年", []), ("20240年", []), ("平成40年", []),
])
def test_spellings_of_a_year(text, expected):
    assert alternatives(text) == expected


def test_mentions_keep_year_and_fiscal_year_apart():
    assert [(m.year, m.suffix) for m in mentions("令和元年度と2020年、H30")] == [
        (2019, "年度"), (2020, "年"), (2018, "")]
    assert other_suffix("令和6年度") == ["令和6年"]
    assert other_suffix("2024年") == ["2024年度"]
    assert era_label(2019, "年") == "平成31年・令和元年"
    assert era_label(2024, "年度") == "令和6年度"
    assert era_label(1900, "年") == ""


def ids(client, q):
    body = client.get("/api/search", query_string={"q": q, "per_page": 100}).get_json()
    return sorted(h["id"] for h in body["hits"])


@pytest.mark.parametrize("q, expected", [
    ("令和6年度 報酬改定", R6_KAITEI),
    ("2024年度 報酬改定", R6_KAITEI),
    ("R6 報酬改定", R6_KAITEI),
    ("R6年度 報酬改定", R6_KAITEI),
    ("令和六年度 報酬改定", R6_KAITEI),
    ("２０２４年度 報酬改定", R6_KAITEI),
    ("2019年", Y2019),
    ("令和元年", Y2019),
    ("平成31年", Y2019),
    ("2018年度", FY2018),
    ("平成30年度", FY2018),
    ("H30年度", FY2018),
])
def test_either_spelling_finds_posts_written_either_way(sample_client, q, expected):
    assert ids(sample_client, q) == expected


def test_year_and_fiscal_year_stay_distinct(sample_client):
    # 2018年度 (平成30年度) is not 2018年: the post that only says 2018年10月 is not a 年度 hit.
    assert "2020-12-24-p1-shin-kosodate-anshin-plan" in ids(sample_client, "2018年度")
    calendar = ids(sample_client, "平成30年")
    assert "2020-12-24-p1-shin-kosodate-anshin-plan" not in calendar
    assert "2019-03-12-p1-shakai-engo-kacho-kaigi-h30" in calendar


def marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_the_year_is_highlighted_as_written(sample_client):
    body = sample_client.get("/api/search", query_string={"q": "2018年度", "per_page": 100}).get_json()
    by_id = {h["id"]: marks(h["snippet"]) for h in body["hits"]}
    assert by_id == {"2019-03-12-p1-shakai-engo-kacho-kaigi-h30": ["平成30年度"],
                     "2020-12-24-p1-shin-kosodate-anshin-plan": ["2018年度"]}
    page = sample_client.get("/posts/2019-03-12-p1-shakai-engo-kacho-kaigi-h30",
                             query_string={"q": "H30年度"}).get_data(as_text=True)
    assert set(marks(page)) == {"平成30年度"}


def test_year_facets_show_both_spellings(sample_client):
    page = sample_client.get("/search", query_string={"q": "令和元年"}).get_data(as_text=True)
    assert "2019年（平成31年・令和元年）" in page
    assert "2019年度（令和元年度）" in page
