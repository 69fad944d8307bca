"""The reading lexicon (search.readings): pairs from the analyzer, the file, and damaged files."""

import json

import pytest

from search import ReadingLexicon
from search.analysis import CACHE_ENTRIES, morphology
from search.readings import READINGS_NAME


def test_pairs_come_from_the_units_analysed_c_and_a():
    morphology().units("石川県輪島市(わじまし)で子どもの保育を考える。")
    pairs = morphology().reading_pairs()
    assert {("イシカワケンワジマシ", "石川県輪島市"), ("ワジマ", "輪島"), ("シ", "市"),
            ("コドモ", "子供"), ("ホイク", "保育")} <= pairs
    # Units without a kana reading (particles are dropped, so are their readings) give none.
    assert not any(term in {"で", "の", "を"} for _, term in pairs)


def test_only_dictionary_forms_give_readings():
    # し and 行っ are forms of 為る and 行く, not readings of them; する and 進める (連体形) are.
    morphology().units("調査をし、結果を公表する。会議に行った。議論を進める方針。")
    pairs = morphology().reading_pairs()
    assert ("シ", "為る") not in pairs and ("イッ", "行く") not in pairs
    assert {("スル", "為る"), ("ススメル", "進める")} <= pairs


def test_a_lexicon_groups_terms_by_reading_and_survives_a_round_trip(tmp_path):
    lexicon = ReadingLexicon.from_pairs([("シ", "市"), ("シ", "士"), ("ワジマ", "輪島"), ("シ", "市")])
    assert lexicon.terms("シ") == ("士", "市")
    assert lexicon.terms("ワジマ") == ("輪島",)
    assert lexicon.terms("トウキョウ") == ()
    assert len(lexicon) == 2
    lexicon.save(tmp_path)
    assert json.loads((tmp_path / READINGS_NAME).read_text("utf-8")) == {"シ": ["士", "市"], "ワジマ": ["輪島"]}
    assert ReadingLexicon.load(tmp_path) == lexicon
    assert lexicon.merged([("トウキョウ", "東京")]).terms("トウキョウ") == ("東京",)
    assert lexicon.merged([("シ", "市")]) == lexicon


@pytest.mark.parametrize("content", [None, "", "{not json", "[]", '{"シ": "市"}', '{"シ": [1]}'])
def test_a_missing_or_damaged_file_is_an_empty_lexicon(tmp_path, content):
    if content is not None:
        (tmp_path / READINGS_NAME).write_text(content, "utf-8")
    assert ReadingLexicon.load(tmp_path) == ReadingLexicon()
    assert len(ReadingLexicon.load(tmp_path)) == 0
    if content in (None, "", "{not json", "[]"):
        assert ReadingLexicon.read(tmp_path) is None  # `update` rebuilds such an index


def test_an_empty_lexicon_is_still_a_lexicon(tmp_path):
    ReadingLexicon().save(tmp_path)
    assert ReadingLexicon.read(tmp_path) == ReadingLexicon()


def test_descriptions_past_the_caches_still_give_their_readings(monkeypatch):
    from search.analysis import Morphology

    fresh = Morphology()
    # Full caches: every description is computed afresh and only kept for reading_pairs().
    monkeypatch.setattr(fresh, "_words", _Full())
    monkeypatch.setattr(fresh, "_unknown", _Full())
    fresh.units("輪島市の介護。")
    assert {("ワジマシ", "輪島市"), ("カイゴ", "介護")} <= fresh.reading_pairs()
    # particles and punctuation carry no reading: they are not kept
    assert all(entry[2] is not None for entry in fresh._uncached)


class _Full(dict):
    """A cache that is always full: it holds nothing and claims to be at its bound."""

    def __len__(self) -> int:
        return CACHE_ENTRIES

    def __setitem__(self, key, value) -> None:
        raise AssertionError("a full cache takes nothing")
