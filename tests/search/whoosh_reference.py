"""A plan as the equivalent Whoosh query: the reference the engine's tests compare against.

Only tests use it (the service evaluates plans with :mod:`search.backends.whoosh.engine`).
"""

from __future__ import annotations

from whoosh.matching import AndNotMatcher
from whoosh.query import And, AndMaybe, AndNot, Every, Or, Phrase, Query, Sequence, Term

from search.plan import AllOf, AnyOf, Boosted, Everything, Excluding, Plan, Seq, Spelled


class _AndNotMatcher(AndNotMatcher):
    """Whoosh 2.7.5's AndNotMatcher only skips excluded documents at the start when both sides
    begin on the same document; when the exclusion starts earlier, a first document it should
    remove slips through (``(a OR b) -(c OR d)``). Always align the two sides first."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class Without(AndNot):
    """``a`` without the documents of ``b`` (AndNot with the fixed matcher)."""

    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(scored, excluded)


def to_whoosh(plan: Plan) -> Query:
    """The Whoosh query that matches the same documents as ``plan``."""
    if isinstance(plan, Seq):
        if len(plan.terms) == 1:
            return Term(plan.field, plan.terms[0], boost=plan.boost)
        return Phrase(plan.field, list(plan.terms), boost=plan.boost)
    if isinstance(plan, Spelled):
        if len(plan.options) == 1:
            return Or([Term(plan.field, t, boost=plan.boost) for t in plan.options[0]])
        return Sequence([Or([Term(plan.field, t) for t in options]) for options in plan.options],
                        boost=plan.boost)
    if isinstance(plan, Boosted):
        bonus = [to_whoosh(b) for b in plan.bonus]
        return AndMaybe(to_whoosh(plan.core), bonus[0] if len(bonus) == 1 else Or(bonus))
    if isinstance(plan, AnyOf):
        return Or([to_whoosh(c) for c in plan.children])
    if isinstance(plan, AllOf):
        return And([to_whoosh(c) for c in plan.children])
    if isinstance(plan, Excluding):
        return Without(to_whoosh(plan.base), to_whoosh(plan.excluded))
    if isinstance(plan, Everything):
        return Every()
    return Term("category", plan.value)
