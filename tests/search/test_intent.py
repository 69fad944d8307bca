"""What a reader means: sentences typed as one word, okurigana and kana/kanji variants, and the
partial answer when no post holds every word. Literal ids from a reviewed run over the sample
corpus shipped in corpus/ (44 posts)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from indexer import load_corpus
from search import ReadingLexicon, SearchRequest, SearchService
from search.intent import content_pieces, spelling_variants
from tests.fixtures.backends import BACKEND_SETUPS, CONTRACT_BACKENDS
from tests.fixtures.index import build_index

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

KODOMO_HINKON = ["2023-04-10-p1-kodomo-katei-cho-hossoku",
                 "2023-04-28-p2-kodomo-katei-shingikai-dai1kai"]
KAIGO_MINAOSHI = ["2019-07-26-p2-kaigo-hoken-bukai-dai8ki",
                  "2023-03-31-p2-dai8ji-iryo-keikaku-sakusei-shishin",
                  "2024-01-29-p1-kaigo-hoshu-kaitei-r6"]


@pytest.fixture(scope="module", params=CONTRACT_BACKENDS)
def service(request, tmp_path_factory):
    """The sample corpus on each backend: what a reader means does not depend on it."""
    posts, problems = load_corpus(CORPUS)
    assert problems == []
    root = tmp_path_factory.mktemp(f"sample-index-{request.param}")
    settings = BACKEND_SETUPS[request.param](request, root, CORPUS)
    build_index(root, posts, settings)
    svc = SearchService(settings)
    yield svc
    svc.close()


def found(service, q: str) -> tuple[str, list[str]]:
    body = service.search(SearchRequest(q=q, per_page=100))
    assert body["total"] == len(body["hits"])
    return body["match"], sorted(h["id"] for h in body["hits"])


@pytest.mark.parametrize(("q", "expected"), [
    # A sentence finds what its content words find.
    ("子どもの貧困対策について", KODOMO_HINKON),
    ("子ども 貧困", KODOMO_HINKON),
    ("ひきこもり支援について知りたい", ["2021-03-10-p2-shakai-engo-kacho-kaigi-r2"]),
    ("ひきこもり支援", ["2021-03-10-p2-shakai-engo-kacho-kaigi-r2"]),
    # 見なおし is 見直し; 論点 only says which side of the topic the reader wants.
    ("介護保険の見なおしの論点について", KAIGO_MINAOSHI),
    ("介護保険 見直し", KAIGO_MINAOSHI),
])
def test_sentences_find_what_their_content_words_find(service, q, expected):
    assert found(service, q) == ("all", expected)


@pytest.mark.parametrize(("typed", "written"), [
    ("取りくみ", "取組"), ("取り組み", "取組"), ("とりくみ", "取組"),
    ("見なおし", "見直し"),
    ("子ども", "子供"), ("こども", "子供"),
])
def test_spelling_variants_find_the_same_posts(service, typed, written):
    match, ids = found(service, typed)
    assert (match, ids) == found(service, written)
    assert len(ids) >= 15


def test_variant_counts_on_the_sample_corpus(service):
    assert [len(found(service, q)[1]) for q in ("取りくみ", "見なおし", "子ども")] == [22, 21, 15]


def test_no_post_with_every_word_gives_the_posts_with_most(service):
    body = service.search(SearchRequest(q="子どもの貧困対策と介護保険の論点について教えて"))
    assert body["match"] == "partial"
    assert [(h["id"], h["missing"]) for h in body["hits"]] == [
        ("2023-04-28-p2-kodomo-katei-shingikai-dai1kai", ["介護保険"]),
        ("2023-04-10-p1-kodomo-katei-cho-hossoku", ["介護保険"])]
    body = service.search(SearchRequest(q="ひきこもり 介護保険 論点"))
    assert body["match"] == "partial"
    assert [(h["id"], h["missing"]) for h in body["hits"]] == [
        ("2019-07-26-p2-kaigo-hoken-bukai-dai8ki", ["ひきこもり"]),
        ("2023-03-31-p2-dai8ji-iryo-keikaku-sakusei-shishin", ["ひきこもり"])]


@pytest.mark.parametrize(("q", "filters", "expected"), [
    # Whether an answer is partial is decided on the posts the words match before the filters:
    # a filter that leaves none of the posts with every word gives no posts, not a partial answer.
    ("子ども 貧困", {"categories": ("地方創生",)}, ("all", [])),
    ("子ども 貧困", {"date_from": dt.date(2023, 4, 20)},
     ("all", ["2023-04-28-p2-kodomo-katei-shingikai-dai1kai"])),
    ("ひきこもり 介護保険 論点", {"date_from": dt.date(2023, 1, 1)},
     ("partial", ["2023-03-31-p2-dai8ji-iryo-keikaku-sakusei-shishin"])),
    ("ひきこもり 介護保険 論点", {"date_to": dt.date(2020, 1, 1)},
     ("partial", ["2019-07-26-p2-kaigo-hoken-bukai-dai8ki"])),
])
def test_filters_narrow_an_answer_without_making_it_partial(service, q, filters, expected):
    body = service.search(SearchRequest(q=q, per_page=100, **filters))
    assert (body["match"], sorted(h["id"] for h in body["hits"])) == expected
    assert body["total"] == len(expected[1])


def test_quoted_sentences_and_phrases_stay_strict(service):
    assert found(service, '"子どもの貧困対策について"') == ("all", [])
    assert found(service, '"ひきこもり" "介護保険"') == ("all", [])


@pytest.mark.parametrize(("text", "pieces"), [
    ("子どもの貧困対策について", ["子ども", "貧困対策"]),
    ("ひきこもり支援について知りたい", ["ひきこもり支援"]),
    ("介護保険の見なおしの論点について", ["介護保険", "見なおし"]),
    ("地域の取り組みに関する資料を教えて", ["地域", "取り組み", "資料"]),
    ("デジタル化に向けた課題など", ["デジタル化"]),
    ("テレワークの導入状況について", ["テレワーク", "導入"]),
    ("高齢者の見守りについて教えてください", ["高齢者", "見守り"]),
    # no sentence: as typed
    ("生涯活躍のまち", ["生涯活躍のまち"]),
    ("介護保険", ["介護保険"]),
    ("導入状況", ["導入状況"]),
    ("こうれいしゃ", ["こうれいしゃ"]),  # bare kana: Sudachi's cut (こう/れいしゃ) is not trusted
    ("について教えて", []),
])
def test_content_pieces(text, pieces):
    assert content_pieces(text) == pieces


def test_variants_share_a_kanji_with_the_word_typed():
    lexicon = ReadingLexicon.from_pairs([("トリクミ", "取り組み"), ("トリクミ", "取組"),
                                         ("ミナオシ", "見直し"), ("ミナオシ", "看做し"),
                                         ("コウレイ", "高齢"), ("コウレイ", "恒例")])
    assert spelling_variants("取りくみ", lexicon) == ["取り組み", "取組"]
    assert spelling_variants("見なおし", lexicon) == ["見直し"]  # not the homophone 看做し
    assert spelling_variants("見直し", lexicon) == []  # all kanji and kana written out: as is
    assert spelling_variants("こうれい", lexicon) == []  # kana only: the reading path's job
