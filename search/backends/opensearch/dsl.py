"""Search plans (:mod:`search.plan`), filters, facets and orders as OpenSearch's query DSL.

Plan nodes, one for one:

* :class:`~search.plan.Seq`: one term is a ``term`` query, several a ``match_phrase`` (slop 0)
  with the exact-term analyser, on the unit field (:mod:`.mapping`), with the node's boost
  (saturated, below; a phrase's divided by its number of terms, whose idfs Lucene adds).
* :class:`~search.plan.Spelled`: one piece is a ``bool`` of its terms (any of them); several a
  ``span_near`` (slop 0, in order) of one ``span_or`` of ``span_term`` per piece.
* :class:`~search.plan.Boosted`: ``bool`` with the core as its ``filter`` (the core decides the
  match) scored by a ``dis_max`` of the core and the bonus (the compound as typed) with
  :data:`TIE_BREAKER`: the bonus adds a little, as the Whoosh backend adds half its frequency
  before the word's one saturation.
* ``AnyOf`` / ``AllOf`` / ``Excluding``: ``bool`` ``should`` (at least one) / ``must`` /
  ``must`` + ``must_not``.
* :class:`~search.plan.Everything`, :class:`~search.plan.InCategory`: ``constant_score`` with
  boost 0, so that, as on Whoosh, they match without adding score.
* :class:`~search.plan.OneWord`: ``dis_max`` of its ways of matching (any of them matches) with
  :data:`TIE_BREAKER`: the best way counts whole, the others a little, so a synonym, a reading
  or the title beside the body is another way to match the same word rather than an extra word.
  OpenSearch 2.19 has no BM25F over term, phrase and span queries (``combined_fields`` arrived
  in 3.2 and takes only an analysed query string), so this approximates the Whoosh backend's
  one saturation per word; and because the fields' BM25 scores are saturated before they are
  added, a boost ``b`` (the title weight, the reading weight) is used as the weight one
  occurrence carries after BM25F's saturation, :func:`saturated_boost` (title weight 10 →
  about 1.96), not as a multiplier of the saturated score.
* :class:`~search.plan.Partial`: resolved before the search by :func:`partial_probe` (one small
  search per node, over every post, no filters: the contract of :mod:`search.backend`): the
  greatest number ``m`` of optional words that a post holding every required child holds.
  Then ``bool`` with the required children in ``must`` and the optional ones in ``should`` with
  ``minimum_should_match: m``; in a fallback (``m`` below the number of optional words) each
  optional child is a named query (:func:`partial_name`), so that each hit's
  ``matched_queries`` tells which words it lacks. No post at all: ``match_none``.

Ranking differences from the Whoosh backend (docs/search.md, docs/scale-out.md): per-field
BM25 (Lucene's: ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``, ``k1 = 1.2``, ``b = 0.75``)
combined as above instead of one BM25F per word, and no proximity part.

Filters go into ``post_filter`` (they cut hits and total) and into the facet aggregations that
must respect them: the category counts respect the dates only, the year, month and fiscal-year
counts the categories only (the multi-select rules of :mod:`search.backend`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from search.backend import Filters, Order
from search.plan import (
    AllOf,
    AnyOf,
    Boosted,
    Everything,
    Excluding,
    InCategory,
    OneWord,
    Partial,
    Plan,
    Seq,
    Spelled,
)

from .mapping import encode_term

#: Enough buckets for every value of a facet (terms aggregations are exact below their size).
FACET_SIZE = {"category": 10_000, "month": 10_000}
ZERO = 0.0
#: :class:`~search.plan.OneWord`'s ``dis_max``: how much the ways of matching other than the
#: best add (BM25F would add a saturated little: a title occurrence beside three in the body
#: raises the word's score by about a fifth of the body's own).
TIE_BREAKER = 0.2
#: OpenSearch's BM25 ``k1`` (its default), for :func:`saturated_boost`.
K1 = 1.2

#: ``{id(node): m}``: each :class:`~search.plan.Partial` node of a plan and the number of its
#: optional children a post must hold (``None``: no post holds its required children).
Resolved = Mapping[int, "int | None"]


def saturated_boost(boost: float) -> float:
    """The weight of one occurrence after BM25 saturation, ``(k1 + 1) b / (k1 + b)``: 1 stays 1,
    the title weight 10 becomes about 1.96, the reading weight 0.5 about 0.65."""
    return (K1 + 1) * boost / (K1 + boost)


def partial_nodes(plan: Plan | None, exclusions: bool = True) -> Iterator[Partial]:
    """The :class:`~search.plan.Partial` nodes of ``plan``, inner ones first; without those
    inside an exclusion when ``exclusions`` is false."""
    if isinstance(plan, Partial):
        for child in plan.required + plan.optional:
            yield from partial_nodes(child, exclusions)
        yield plan
    elif isinstance(plan, (AnyOf, AllOf, OneWord)):
        for child in plan.children:
            yield from partial_nodes(child, exclusions)
    elif isinstance(plan, Excluding):
        yield from partial_nodes(plan.base, exclusions)
        if exclusions:
            yield from partial_nodes(plan.excluded)


def assume_whole(plan: Plan | None) -> dict[int, int | None] | None:
    """Every Partial node of ``plan`` resolved as if some post held all its words, or ``None``
    when that guess cannot be checked by the search's own answer.

    A post that the guessed query matches holds every word of every node outside an
    exclusion, so each such node's probe would have said the same: a search that matches
    anything under the guess is the exact answer, and no probe is needed. A node inside an
    exclusion only takes posts away, so a match says nothing about its guess."""
    nodes = list(partial_nodes(plan))
    if len(nodes) != sum(1 for _ in partial_nodes(plan, exclusions=False)):
        return None
    return {id(node): len(node.optional) for node in nodes}


def partial_probe(node: Partial, resolved: Resolved) -> dict:
    """A search whose best hit's score is the greatest number of ``node``'s optional children
    that a post holding all its required children holds (no hit: no such post)."""
    return {
        "query": {
            "bool": {
                "filter": [to_query(c, resolved) for c in node.required],
                "should": [
                    {"constant_score": {"filter": to_query(c, resolved), "boost": 1.0}}
                    for c in node.optional
                ],
                "minimum_should_match": 0 if node.required else 1,
            }
        },
        "size": 1,
        "_source": False,
        "track_total_hits": False,
    }


def partial_name(node_index: int, child: int) -> str:
    """The ``_name`` of optional child ``child`` of the ``node_index``-th Partial node."""
    return f"partial:{node_index}:{child}"


def to_query(plan: Plan, resolved: Resolved | None = None) -> dict:
    """The query that matches the same posts as ``plan``, its Partial nodes as ``resolved``
    says (each must be there: :func:`partial_probe`)."""
    if isinstance(plan, Seq):
        boost = saturated_boost(plan.boost)
        terms = [encode_term(t) for t in plan.terms]
        if len(terms) == 1:
            return {"term": {plan.field: {"value": terms[0], "boost": boost}}}
        # Lucene scores a phrase with the sum of its terms' idfs: divided by their number, it
        # weighs as one word, as the Whoosh backend's BM25F scores it.
        return {
            "match_phrase": {
                plan.field: {
                    "query": " ".join(terms),
                    "slop": 0,
                    "analyzer": "query_units",
                    "boost": boost / len(terms),
                }
            }
        }
    if isinstance(plan, Spelled):
        boost = saturated_boost(plan.boost)
        if len(plan.options) == 1:
            return {
                "bool": {
                    "should": [
                        {"term": {plan.field: {"value": encode_term(t), "boost": boost}}}
                        for t in plan.options[0]
                    ],
                    "minimum_should_match": 1,
                }
            }
        pieces = [
            {"span_or": {"clauses": [{"span_term": {plan.field: encode_term(t)}} for t in options]}}
            for options in plan.options
        ]
        every = sum(len(options) for options in plan.options)  # idfs summed, as a phrase's
        return {
            "span_near": {"clauses": pieces, "slop": 0, "in_order": True, "boost": boost / every}
        }
    if isinstance(plan, Boosted):
        core = to_query(plan.core, resolved)
        return {
            "bool": {
                "filter": [core],
                "must": [
                    {
                        "dis_max": {
                            "queries": [core] + [to_query(b, resolved) for b in plan.bonus],
                            "tie_breaker": TIE_BREAKER,
                        }
                    }
                ],
            }
        }
    if isinstance(plan, OneWord):
        if len(plan.children) == 1:
            return to_query(plan.children[0], resolved)
        return {
            "dis_max": {
                "queries": [to_query(c, resolved) for c in plan.children],
                "tie_breaker": TIE_BREAKER,
            }
        }
    if isinstance(plan, Partial):
        return _partial(plan, resolved or {})
    if isinstance(plan, AnyOf):
        return {
            "bool": {
                "should": [to_query(c, resolved) for c in plan.children],
                "minimum_should_match": 1,
            }
        }
    if isinstance(plan, AllOf):
        return {"bool": {"must": [to_query(c, resolved) for c in plan.children]}}
    if isinstance(plan, Excluding):
        return {
            "bool": {
                "must": [to_query(plan.base, resolved)],
                "must_not": [to_query(plan.excluded, resolved)],
            }
        }
    if isinstance(plan, Everything):
        return {"constant_score": {"filter": {"match_all": {}}, "boost": ZERO}}
    if isinstance(plan, InCategory):
        return {"constant_score": {"filter": {"term": {"category": plan.value}}, "boost": ZERO}}
    raise TypeError(f"not a plan node: {plan!r}")


def _partial(node: Partial, resolved: Resolved) -> dict:
    if id(node) not in resolved:
        raise ValueError("a Partial node must be resolved first (partial_probe)")
    m = resolved[id(node)]
    if m is None:
        return {"match_none": {}}
    required = [to_query(c, resolved) for c in node.required]
    optional = [to_query(c, resolved) for c in node.optional]
    if m == len(optional):  # some post holds every word: the strict AND
        return {"bool": {"must": required + optional}}
    index = list(resolved).index(id(node))
    named = [
        {"bool": {"must": [q], "_name": partial_name(index, k)}} for k, q in enumerate(optional)
    ]
    return {"bool": {"must": required, "should": named, "minimum_should_match": m}}


def category_filter(filters: Filters) -> dict | None:
    if not filters.categories:
        return None
    return {"terms": {"category": list(filters.categories)}}


def date_filter(filters: Filters) -> dict | None:
    bounds = {}
    if filters.date_from is not None:
        bounds["gte"] = filters.date_from.isoformat()
    if filters.date_to is not None:
        bounds["lte"] = filters.date_to.isoformat()
    return {"range": {"date": bounds}} if bounds else None


def _all_of(queries: list[dict | None]) -> dict:
    present = [q for q in queries if q is not None]
    if not present:
        return {"match_all": {}}
    return present[0] if len(present) == 1 else {"bool": {"filter": present}}


def facet_aggregations(filters: Filters, matched: bool = False) -> dict:
    """Aggregations of the facets with the multi-select rules: categories, and months (years
    and 年度 are unions of months, :meth:`~search.backend.Facets.counted`). With ``matched`` and
    filters, also ``matched``: the posts the query matches before the filters (without filters
    that is the total)."""
    aggs: dict = {
        "by_category": {
            "filter": _all_of([date_filter(filters)]),
            "aggs": {"category": {"terms": {"field": "category", "size": FACET_SIZE["category"]}}},
        },
        "by_date": {
            "filter": _all_of([category_filter(filters)]),
            "aggs": {"month": {"terms": {"field": "month", "size": FACET_SIZE["month"]}}},
        },
    }
    if matched and not filters.empty:
        aggs["matched"] = {"filter": {"match_all": {}}}
    return aggs


def post_filter(filters: Filters) -> dict | None:
    if filters.empty:
        return None
    return _all_of([category_filter(filters), date_filter(filters)])


def sort(order: Order) -> list:
    """Relevance ties go to the newer post (date, then id, descending), as on Whoosh."""
    if order is Order.RELEVANCE:
        return [{"_score": "desc"}, {"date": "desc"}, {"id": "desc"}]
    direction = "asc" if order is Order.DATE_ASC else "desc"
    return [{"date": direction}, {"id": direction}]
