"""Search plans (:mod:`search.plan`), filters, facets and orders as OpenSearch's query DSL.

Plan nodes, one for one:

* :class:`~search.plan.Seq`: one term is a ``term`` query, several a ``match_phrase`` (slop 0)
  with the exact-term analyser, on the unit field (:mod:`.mapping`), with the node's boost.
* :class:`~search.plan.Spelled`: one piece is a ``bool`` of its terms (any of them); several a
  ``span_near`` (slop 0, in order) of one ``span_or`` of ``span_term`` per piece.
* :class:`~search.plan.Boosted`: ``bool`` with the core in ``must`` and the bonus in ``should``:
  the core decides the match, a bonus only adds score.
* ``AnyOf`` / ``AllOf`` / ``Excluding``: ``bool`` ``should`` (at least one) / ``must`` /
  ``must`` + ``must_not``.
* :class:`~search.plan.Everything`, :class:`~search.plan.InCategory`: ``constant_score`` with
  boost 0, so that, as on Whoosh, they match without adding score.

Filters go into ``post_filter`` (they cut hits and total) and into the facet aggregations that
must respect them: the category counts respect the dates only, the year, month and fiscal-year
counts the categories only (the multi-select rules of :mod:`search.backend`).
"""

from __future__ import annotations

from search.backend import Filters, Order
from search.plan import AllOf, AnyOf, Boosted, Everything, Excluding, InCategory, Plan, Seq, Spelled

from .mapping import encode_term

#: Enough buckets for every value of a facet (terms aggregations are exact below their size).
FACET_SIZE = {"category": 10_000, "year": 1_000, "month": 10_000, "fiscal_year": 1_000}
ZERO = 0.0


def to_query(plan: Plan) -> dict:
    """The query that matches the same posts as ``plan``."""
    if isinstance(plan, Seq):
        terms = [encode_term(t) for t in plan.terms]
        if len(terms) == 1:
            return {"term": {plan.field: {"value": terms[0], "boost": plan.boost}}}
        return {"match_phrase": {plan.field: {"query": " ".join(terms), "slop": 0,
                                              "analyzer": "query_units", "boost": plan.boost}}}
    if isinstance(plan, Spelled):
        if len(plan.options) == 1:
            return {"bool": {"should": [{"term": {plan.field: {"value": encode_term(t),
                                                               "boost": plan.boost}}}
                                        for t in plan.options[0]],
                             "minimum_should_match": 1}}
        pieces = [{"span_or": {"clauses": [{"span_term": {plan.field: encode_term(t)}}
                                           for t in options]}}
                  for options in plan.options]
        return {"span_near": {"clauses": pieces, "slop": 0, "in_order": True,
                              "boost": plan.boost}}
    if isinstance(plan, Boosted):
        return {"bool": {"must": [to_query(plan.core)],
                         "should": [to_query(b) for b in plan.bonus]}}
    if isinstance(plan, AnyOf):
        return {"bool": {"should": [to_query(c) for c in plan.children],
                         "minimum_should_match": 1}}
    if isinstance(plan, AllOf):
        return {"bool": {"must": [to_query(c) for c in plan.children]}}
    if isinstance(plan, Excluding):
        return {"bool": {"must": [to_query(plan.base)], "must_not": [to_query(plan.excluded)]}}
    if isinstance(plan, Everything):
        return {"constant_score": {"filter": {"match_all": {}}, "boost": ZERO}}
    if isinstance(plan, InCategory):
        return {"constant_score": {"filter": {"term": {"category": plan.value}}, "boost": ZERO}}
    raise TypeError(f"not a plan node: {plan!r}")


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


def facet_aggregations(filters: Filters) -> dict:
    """Aggregations of the four facets with the multi-select rules."""
    return {
        "by_category": {
            "filter": _all_of([date_filter(filters)]),
            "aggs": {"category": {"terms": {"field": "category",
                                            "size": FACET_SIZE["category"]}}},
        },
        "by_date": {
            "filter": _all_of([category_filter(filters)]),
            "aggs": {name: {"terms": {"field": name, "size": FACET_SIZE[name]}}
                     for name in ("year", "month", "fiscal_year")},
        },
    }


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
