"""The plan -> query DSL compiler's handling of partial answers and word scoring, without a
cluster (their matching is checked on the real cluster by the contract tests, which run on both
backends, and by tests/opensearch/test_parity.py)."""

from __future__ import annotations

import pytest

from search.backends.opensearch import dsl
from search.plan import Excluding, OneWord, Partial, Seq

KAIGO = OneWord((Seq("title", ("介護",), 10.0), Seq("body", ("介護",), 1.0)), "介護")
FUKUSHI = OneWord((Seq("body", ("福祉",), 1.0),), "福祉")
JINZAI = OneWord((Seq("body", ("人材",), 1.0),), "人材")


def test_boosts_are_the_weight_of_one_occurrence_after_saturation():
    assert dsl.saturated_boost(1.0) == pytest.approx(1.0)
    assert dsl.saturated_boost(10.0) == pytest.approx(2.2 * 10 / 11.2)
    assert dsl.saturated_boost(0.5) == pytest.approx(2.2 * 0.5 / 1.7)


def test_a_word_is_the_best_of_its_ways_of_matching():
    query = dsl.to_query(KAIGO)
    assert set(query) == {"dis_max"}
    assert query["dis_max"]["tie_breaker"] == dsl.TIE_BREAKER
    assert [q["term"] for q in query["dis_max"]["queries"]] == [
        {"title": {"value": "介護", "boost": dsl.saturated_boost(10.0)}},
        {"body": {"value": "介護", "boost": 1.0}}]
    assert dsl.to_query(FUKUSHI) == {"term": {"body": {"value": "福祉", "boost": 1.0}}}


def test_a_phrase_weighs_as_one_word():
    query = dsl.to_query(Seq("body", ("介護", "保険"), 1.0))
    assert query["match_phrase"]["body"]["boost"] == pytest.approx(0.5)


def test_partial_nodes_inner_first_and_inside_exclusions():
    inner = Partial((), (FUKUSHI, JINZAI), ("福祉", "人材"))
    outer = Partial((inner,), (KAIGO,), ("介護",))
    plan = Excluding(outer, JINZAI)
    assert list(dsl.partial_nodes(plan)) == [inner, outer]


def test_partial_nodes_are_first_guessed_whole():
    inner = Partial((), (FUKUSHI, JINZAI), ("福祉", "人材"))
    outer = Partial((inner,), (KAIGO,), ("介護",))
    assert dsl.assume_whole(outer) == {id(inner): 2, id(outer): 1}
    assert dsl.assume_whole(Excluding(outer, JINZAI)) == {id(inner): 2, id(outer): 1}
    assert dsl.assume_whole(KAIGO) == {}
    # A match cannot confirm a guess about the words a post must not have.
    assert dsl.assume_whole(Excluding(KAIGO, inner)) is None
    assert dsl.assume_whole(Partial((Excluding(KAIGO, inner),), (), ())) is None


def test_the_probe_counts_optional_words_of_posts_with_every_required_one():
    node = Partial((KAIGO,), (FUKUSHI, JINZAI), ("福祉", "人材"))
    probe = dsl.partial_probe(node, {})
    bool_ = probe["query"]["bool"]
    assert bool_["filter"] == [dsl.to_query(KAIGO)]
    assert bool_["should"] == [{"constant_score": {"filter": dsl.to_query(w), "boost": 1.0}}
                               for w in (FUKUSHI, JINZAI)]
    assert bool_["minimum_should_match"] == 0
    no_required = Partial((), (FUKUSHI, JINZAI), ("福祉", "人材"))
    assert dsl.partial_probe(no_required, {})["query"]["bool"]["minimum_should_match"] == 1
    assert probe["size"] == 1 and probe["_source"] is False


@pytest.mark.parametrize(("m", "expected"), [
    (None, {"match_none": {}}),
    (2, {"bool": {"must": [dsl.to_query(FUKUSHI), dsl.to_query(JINZAI)]}}),
    (1, {"bool": {"must": [], "minimum_should_match": 1, "should": [
        {"bool": {"must": [dsl.to_query(FUKUSHI)], "_name": "partial:0:0"}},
        {"bool": {"must": [dsl.to_query(JINZAI)], "_name": "partial:0:1"}}]}}),
])
def test_a_resolved_partial_node(m, expected):
    node = Partial((), (FUKUSHI, JINZAI), ("福祉", "人材"))
    assert dsl.to_query(node, {id(node): m}) == expected


def test_an_unresolved_partial_node_is_a_programming_error():
    with pytest.raises(ValueError, match="resolved first"):
        dsl.to_query(Partial((), (FUKUSHI, JINZAI), ("福祉", "人材")))
