"""8. Synonym lists in Sudachi's format: the shipped list and SudachiDict's own file."""

from pathlib import Path

import pytest

from search.synonyms import BUILTIN, SynonymFormatError, Synonyms, parse

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SUDACHI_SYNONYMS = SHARED / "sudachi" / "synonyms.txt"


def test_builtin_list_has_government_abbreviations():
    syn = Synonyms.load([BUILTIN])
    groups = parse((Path(__file__).resolve().parents[2] / "search/data/synonyms.txt").read_text())
    assert len(groups) >= 30
    assert syn.expand("厚労省") == ("厚生労働省",)
    assert syn.expand("厚生労働省") == ("厚労省",)
    assert syn.expand("文科省") == ("文部科学省",)
    assert syn.expand("ＫＰＩ") == ("重要業績評価指標",)
    assert syn.expand("新型コロナ") == ("新型コロナウイルス感染症", "covid-19")
    assert syn.expand("介護") == ()


def test_flag_1_words_are_only_expanded_to_and_flag_2_words_never_used():
    text = ("000001,1,0,1,0,0,0,(),曖昧,,\n000001,1,1,1,0,0,2,(),あいまい,,\n"
            "000001,1,2,1,0,0,0,(),不明確,,\n")
    syn = Synonyms()
    for entry in parse(text):
        syn._add(entry)
    assert syn.expand("曖昧") == ("あいまい",)
    assert syn.expand("あいまい") == ()
    assert syn.expand("不明確") == ()


@pytest.mark.parametrize(("text", "message"), [
    ("000001,1,0\n", "x.txt:1: expected at least 9 comma-separated fields, got 3"),
    ("\n\n000001,1,7,1,0,0,0,(),語,,\n", "x.txt:3: expansion flag must be 0, 1 or 2, got '7'"),
    ("000001,1,0,1,0,0,0,(),,,\n", "x.txt:1: group number and headword must not be empty"),
])
def test_bad_lines_name_file_and_line(text, message):
    with pytest.raises(SynonymFormatError) as err:
        parse(text, "x.txt")
    assert str(err.value) == message


@pytest.mark.skipif(not SUDACHI_SYNONYMS.exists(), reason="../shared/sudachi/synonyms.txt is absent")
def test_sudachi_synonym_dictionary_loads_with_the_builtin_list():
    syn = Synonyms.load([BUILTIN, SUDACHI_SYNONYMS])
    assert len(syn) > 50_000
    assert "厚生労働省" in syn.expand("厚労省")
    assert "あやふや" in syn.expand("曖昧")
