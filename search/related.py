"""Related posts ("more like this"): the posts that share a post's most telling terms.

A post's title and body are analysed again with the index's analyzer; each term is weighted by
tf·idf (``(1 + log tf) * log(N / df)``, the title's terms counted :data:`TITLE_TF` times), with
document frequencies from the index. The :data:`MAX_TERMS` heaviest terms that other posts hold
become an ordinary plan, :class:`~search.plan.AnyOf` their :class:`~search.plan.Seq` on ``title``
and ``body``, which the service evaluates like any query (so any backend that evaluates plans
can answer it). The post itself is left out; of equal scores the newer post comes first.

Terms: the units the index holds at the top level (words, and compounds whole), not their parts
(a compound's parts would count its weight twice); numbers, single kana and Latin letters are
too common in meaning to tell posts apart and are skipped.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable

from .analysis import morphology
from .plan import AnyOf, Plan, Seq

#: Terms of the post the plan searches for.
MAX_TERMS = 25
#: A title's term counts as this many occurrences.
TITLE_TF = 3
#: Related posts given when the caller does not say; the most a caller may ask for.
DEFAULT_LIMIT, MAX_LIMIT = 5, 20

# A term worth weighing: holds a kanji, or is katakana of two or more characters.
_TELLING = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff々]|[\u30a1-\u30fa\u30fc]{2,}")


def telling_terms(
    title: str,
    body: str,
    doc_frequency: Callable[[str], int],
    doc_count: int,
    limit: int = MAX_TERMS,
    prefetch: Callable[[Iterable[str]], None] | None = None,
) -> list[tuple[str, float]]:
    """The ``limit`` terms of a post with the highest tf·idf, heaviest first (ties by term).
    ``doc_frequency(term)``: posts that hold it; terms only this post holds are left out.
    ``prefetch(terms)``, when given, is told every candidate term first (a backend that asks a
    cluster for frequencies asks for them in one go)."""
    tf: Counter[str] = Counter()
    for text, times in ((title, TITLE_TF), (body, 1)):
        for unit in morphology().units(text or ""):
            if unit[5] != "A" and _TELLING.search(unit[3]):
                tf[unit[3]] += times
    if prefetch is not None:
        prefetch(tf)
    weighted = []
    for term, n in tf.items():
        df = doc_frequency(term)
        if df > 1:
            weighted.append((term, (1 + math.log(n)) * math.log(doc_count / df)))
    weighted.sort(key=lambda tw: (-tw[1], tw[0]))
    return [tw for tw in weighted[:limit] if tw[1] > 0]


def related_plan(terms: list[tuple[str, float]], title_boost: float) -> Plan | None:
    """Any of ``terms`` on the title or the body: an ordinary plan."""
    if not terms:
        return None
    return AnyOf(
        tuple(
            seq
            for term, _ in terms
            for seq in (Seq("title", (term,), title_boost), Seq("body", (term,)))
        )
    )


def limit_param(params) -> int:
    """The ``limit`` parameter of ``GET /api/posts/<id>/related`` (1 to :data:`MAX_LIMIT`,
    default :data:`DEFAULT_LIMIT`); raises :class:`search.request.QueryError`."""
    from .request import _integer

    return _integer(params, "limit", 1, MAX_LIMIT) or DEFAULT_LIMIT
