"""Evaluating a search plan (:mod:`search.plan`) on one Whoosh generation, straight from posting
lists.

Why not Whoosh's matchers: facets need *every* matching document, not a top 20, and walking a
tree of Whoosh matchers costs several Python calls per posting (a two-word query over the
white-paper corpus took up to a second). Here each posting list is read block by block
(:func:`read_postings`: ids, term frequencies and the encoded positions as Whoosh stored them),
scores are computed in one comprehension per term, and AND/OR/NOT are dictionary and set
operations. Phrases are checked on stored positions only for documents that hold every term.

Scores are BM25F per query word (:class:`~search.plan.OneWord`): the weighted, length-normalised
term frequencies of all the word's ways of matching (fields, phrases, readings, synonyms) are
added before one saturation (docs/search.md, "Ranking", gives the formula and why). Words add up;
two or more words also get a proximity part on the best documents. Exclusions, ``category:`` and
a query of only exclusions score nothing of their own. A :class:`~search.plan.Partial` that
falls back to its most words sets :attr:`Engine.partial` and :attr:`Engine.missing`.

An :class:`Engine` lives for one request. Posting lists and the scores of each term and phrase
are also remembered per generation (an LRU in :class:`~.live.IndexView`, bounded by entries),
so words that recur across requests are neither read nor checked again, and the
snippets of the page's hits reuse the lists (:meth:`Engine.term_chars`).
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate, repeat
from operator import add, itemgetter, sub
from pickle import loads

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

from search.plan import (
    AllOf,
    AnyOf,
    Boosted,
    Everything,
    Excluding,
    InCategory,
    Leaf,
    OneWord,
    Partial,
    Plan,
    Seq,
    Spelled,
)

from .live import IndexView

#: BM25F's saturation and per-field length normalisation (docs/search.md says why these).
K1 = 1.2
B = {"title": 0.3, "body": 0.5}
#: A compound spelled as the query spells it (介護保険 as one unit, not 介護+保険 inside a longer
#: compound) counts this much more towards the word's term frequency.
COMPOUND_BONUS = 0.5
#: Proximity: the best documents by BM25F that are re-scored, the window (in A units) within
#: which two query words count as near, and the weight of the proximity part.
PROXIMITY_DOCS = 30
PROXIMITY_WINDOW = 8
PROXIMITY_WEIGHT = 0.25
#: A phrase term's postings are read only for the candidate documents (not whole) when the term
#: occurs in more than this many times as many documents as there are candidates.
SPARSE = 16
_FIRST = itemgetter(0)

Scores = dict[int, float]


class PostingList:
    """One term's postings over the whole index: ascending document numbers, term frequencies,
    and the encoded values (positions and characters)."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self, ids, weights, values: list) -> None:
        self.ids = ids
        self.weights = weights
        self.values = values

    def __len__(self) -> int:
        return len(self.ids)

    def find(self, docnum: int) -> int:
        """Index of ``docnum`` in this list, or -1."""
        i = bisect_left(self.ids, docnum)
        return i if i < len(self.ids) and self.ids[i] == docnum else -1


EMPTY = PostingList(array("i"), array("f"), [])


def read_postings(reader, field: str, term: str) -> PostingList:
    """Every posting of ``(field, term)``, deleted documents included (callers filter them)."""
    ids = array("i")
    weights = array("f")
    values: list = []
    for leaf, offset in reader.leaf_readers():
        if (field, term) not in leaf:
            continue
        m = leaf.postings(field, term)
        while isinstance(m, FilterMatcher):  # the segment's deletions: filtered by the caller
            m = m.child
        if isinstance(m, W3LeafMatcher):
            while m.is_active():
                # A block is one pickled (ids, weights, values) tuple; its ids are deltas
                # (Whoosh decodes them with a Python generator; accumulate does it in C).
                if m._data is None:
                    m._read_data()
                raw_ids, raw_weights = m._data[0], m._data[1]
                block = raw_ids if m._byteids else accumulate(raw_ids)
                ids.extend(map(add, block, repeat(offset)) if offset else block)
                if raw_weights is None or isinstance(raw_weights, float):
                    weights.extend([1.0 if raw_weights is None else raw_weights] * m._blocklength)
                else:
                    weights.extend(raw_weights)
                m._read_values()
                values.extend(m._values)
                m._next_block()
        else:  # another codec: the slow, public way
            while m.is_active():
                ids.append(m.id() + offset)
                weights.append(m.weight())
                values.append(m.value())
                m.next()
    return PostingList(ids, weights, values) if ids else EMPTY


def _positions(value: bytes) -> list[int]:
    """The positions in one encoded Characters/Positions posting value (Whoosh's format: a
    4-byte frequency, then a pickled list of tuples whose first item is the position delta;
    the pickle's final STOP opcode is left out)."""
    return list(accumulate(map(_FIRST, loads(value[4:] + b"."))))


def _phrase_at(values: list[dict], d: int) -> bool:
    """True when the terms (``values[k][d]``: term k's encoded postings value in document
    ``d``) sit at consecutive positions somewhere in ``d``."""
    starts = set(_positions(values[0][d]))
    for k in range(1, len(values)):
        starts.intersection_update(map(sub, _positions(values[k][d]), repeat(k)))
        if not starts:
            return False
    return True


class Engine:
    """Evaluates plans against one view and one reader (one request, one thread)."""

    def __init__(self, view: IndexView, reader) -> None:
        self.view = view
        self.reader = reader
        self._postings: dict[tuple[str, str], PostingList] = {}
        self._doc_count = reader.doc_count_all()
        #: After :meth:`run`: whether a :class:`~search.plan.Partial` fell back to its most
        #: words, and the words each of those documents lacks.
        self.partial = False
        self.missing: dict[int, tuple[str, ...]] = {}

    # --- posting lists and term statistics ----------------------------------------------------

    def postings(self, field: str, term: str) -> PostingList:
        """The posting list of a term: read once per generation while it stays in the view's
        cache of recent results."""
        key = (field, term)
        found = self._postings.get(key)
        if found is None:
            found = self.view.recall(key)
            if found is None:
                found = read_postings(self.reader, field, term)
                self.view.remember(key, found)
            self._postings[key] = found
        return found

    # --- evaluation ---------------------------------------------------------------------------

    def run(self, plan: Plan) -> Scores:
        """``{docnum: score}`` of every live document ``plan`` matches."""
        self.partial = False
        self.missing = {}
        scores = self._eval(plan)
        if self.view.has_deletions:
            live = self.view.live_set
            scores = {d: s for d, s in scores.items() if d in live}
        return scores

    def _eval(self, plan: Plan) -> Scores:
        if isinstance(plan, OneWord):
            return self._word(plan)
        if isinstance(plan, (Seq, Spelled, Boosted)):
            return self._word(OneWord((plan,)))
        if isinstance(plan, AnyOf):
            parts = [self._eval(c) for c in plan.children]
            parts.sort(key=len, reverse=True)
            scores = dict(parts[0])
            get = scores.get
            for part in parts[1:]:
                for d, s in part.items():
                    scores[d] = get(d, 0.0) + s
            return scores
        if isinstance(plan, AllOf):
            return self._near(
                plan, plan.children, _sum_common([self._eval(c) for c in plan.children])
            )
        if isinstance(plan, Partial):
            return self._partial(plan)
        if isinstance(plan, Excluding):
            base = self._eval(plan.base)
            if not base:
                return base
            excluded = self._eval(plan.excluded)
            if self.missing:
                self.missing = {d: m for d, m in self.missing.items() if d not in excluded}
            return {d: s for d, s in base.items() if d not in excluded}
        if isinstance(plan, Everything):
            return dict.fromkeys(self.view.live, 0.0)
        if isinstance(plan, InCategory):
            return dict.fromkeys(self.view.docs_of_category(plan.value), 0.0)
        raise TypeError(f"not a plan node: {plan!r}")

    def _partial(self, plan: Partial) -> Scores:
        """Every word if some document has them all, else the most words any document has
        (:class:`~search.plan.Partial`); the words each document lacks go to ``missing``."""
        required = [self._eval(c) for c in plan.required]
        optional = [self._eval(c) for c in plan.optional]
        children = plan.required + plan.optional
        scores = _sum_common(required + optional)
        if scores and self.view.has_deletions:
            live = self.view.live_set
            scores = {d: s for d, s in scores.items() if d in live}
        if scores:
            return self._near(plan, children, scores)
        base = _sum_common(required) if required else None
        count: dict[int, int] = dict.fromkeys(base, 0) if base is not None else {}
        for part in optional:
            for d in part if base is None else part.keys() & base.keys():
                count[d] = count.get(d, 0) + 1
        if self.view.has_deletions:
            live = self.view.live_set
            count = {d: n for d, n in count.items() if d in live}
        if not count:
            return {}
        most = max(count.values())
        chosen = [d for d, n in count.items() if n == most]
        scores = {}
        for d in chosen:
            scores[d] = (base[d] if base is not None else 0.0) + sum(
                part.get(d, 0.0) for part in optional
            )
            self.missing[d] = tuple(
                label for label, part in zip(plan.labels, optional, strict=False) if d not in part
            )
        self.partial = True
        return self._near(plan, children, scores)

    # --- one word: BM25F ----------------------------------------------------------------------

    def _word(self, word: OneWord) -> Scores:
        """BM25F of one query word (remembered per generation; callers must not change it)."""
        scores = self.view.recall(word)
        if scores is None:
            scores = self._compute_word(word)
            self.view.remember(word, scores)
        return scores

    def _compute_word(self, word: OneWord) -> Scores:
        """``idf * tf * (K1 + 1) / (K1 + tf)`` where ``tf`` is the sum over the word's ways of
        matching (children) of ``boost * frequency / (1 - b + b * length / average length)`` of
        the child's field, and ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))`` with ``df`` the
        number of documents matching the word in any way."""
        parts = []
        pairs: Iterable[tuple[int, float]]
        for leaf in word.children:
            field, boost = _field_boost(leaf)
            norm = self.view.length_norms(field, self.reader, 1.0, B.get(field, 0.75))
            if isinstance(leaf, Seq) and len(leaf.terms) == 1:
                pl = self.postings(field, leaf.terms[0])  # no copy: the list is remembered
                pairs = zip(pl.ids, pl.weights, strict=False)
                size = len(pl)
            else:
                found = self._tf(leaf)
                pairs = found.items()
                size = len(found)
            if size:
                parts.append((size, boost, norm, pairs))
        if not parts:
            return {}
        parts.sort(key=_FIRST, reverse=True)
        _, boost, norm, pairs = parts[0]
        tf = {d: boost * f / norm[d] for d, f in pairs}
        get = tf.get
        for _, boost, norm, pairs in parts[1:]:
            for d, f in pairs:
                tf[d] = get(d, 0.0) + boost * f / norm[d]
        if not tf:
            return {}
        c = _idf(self._doc_count, len(tf)) * (K1 + 1)
        return {d: c * t / (K1 + t) for d, t in tf.items()}

    def _tf(self, leaf: Leaf) -> dict[int, float]:
        """``{docnum: frequency}`` of a term, phrase, reading or compound (remembered)."""
        key = ("tf", leaf)
        found = self.view.recall(key)
        if found is None:
            if isinstance(leaf, Spelled):
                found = self._compute_spelled(leaf)
            elif isinstance(leaf, Boosted):
                proven = (
                    self._tf(leaf.bonus[0]) if leaf.whole and len(leaf.core.terms) > 1 else None
                )
                found = dict(self._compute_seq(leaf.core, proven))
                for extra in leaf.bonus:
                    for d, f in self._tf(extra).items():
                        if d in found:
                            found[d] += COMPOUND_BONUS * f
            else:
                found = self._compute_seq(leaf, None)
            self.view.remember(key, found)
        return found

    def _compute_seq(self, seq: Seq, proven: dict | None) -> dict[int, float]:
        if len(seq.terms) == 1:
            pl = self.postings(seq.field, seq.terms[0])
            return dict(zip(pl.ids, pl.weights, strict=False))
        return self._phrase(seq, proven)

    def _phrase(self, seq: Seq, proven: dict | None) -> dict[int, float]:
        """Documents where the terms sit at consecutive positions, with the least frequency of
        the terms as the phrase's (a bound on its count, without counting every occurrence).
        Terms are taken rarest first; once few candidates are left, a common term's postings
        are read only for them (the blocks that hold them) instead of whole."""
        field, terms = seq.field, seq.terms
        dfs = [self.reader.doc_frequency(field, t) for t in terms]
        if 0 in dfs:
            return {}
        decode_frequency = self.reader.schema[field].format.decode_frequency
        weights: list[dict] = [{}] * len(terms)
        values: list[dict] = [{}] * len(terms)
        candidates: set[int] | None = None
        for k in sorted(range(len(terms)), key=dfs.__getitem__):
            key = (field, terms[k])
            known = self._postings.get(key) or self.view.recall(key)
            if known is None and candidates is not None and len(candidates) * SPARSE < dfs[k]:
                found = _values_of(self.reader, field, terms[k], sorted(candidates))
                values[k] = found
                weights[k] = {d: float(decode_frequency(v)) for d, v in found.items()}
            else:
                pl = known or self.postings(field, terms[k])
                if candidates is None:
                    weights[k] = dict(zip(pl.ids, pl.weights, strict=False))
                    values[k] = dict(zip(pl.ids, pl.values, strict=False))
                else:
                    weights[k] = {d: pl.weights[i] for d in candidates if (i := pl.find(d)) >= 0}
                    values[k] = {d: pl.values[pl.find(d)] for d in weights[k]}
            candidates = (
                set(weights[k]) if candidates is None else candidates.intersection(weights[k])
            )
            if not candidates:
                return {}
        assert candidates is not None  # the loop ran: a phrase has terms
        unproven = [d for d in candidates if not proven or d not in proven]
        matched = candidates.difference(d for d in unproven if not _phrase_at(values, d))
        if len(weights) == 2:
            first, second = weights
            return {d: first[d] if first[d] < second[d] else second[d] for d in matched}
        return {d: min([w[d] for w in weights]) for d in matched}

    def _compute_spelled(self, plan: Spelled) -> dict[int, float]:
        """Documents holding, at consecutive positions, one term of each piece's options; the
        frequency is the least, over the pieces, of the summed frequencies of its options."""
        field = plan.field
        # per piece: {docnum: [(weight, encoded value), ...]}
        found: list[dict[int, list]] = []
        candidates: set[int] | None = None
        for options in plan.options:
            held: dict[int, list] = {}
            for term in options:
                pl = self.postings(field, term)
                for d, w, v in zip(pl.ids, pl.weights, pl.values, strict=False):
                    if candidates is None or d in candidates:
                        held.setdefault(d, []).append((w, v))
            candidates = set(held) if candidates is None else candidates.intersection(held)
            if not candidates:
                return {}
            found.append(held)
        out: dict[int, float] = {}
        assert candidates is not None  # the loop ran: a reading has pieces
        for d in candidates:
            if len(found) > 1:
                starts = {p for _, v in found[0][d] for p in _positions(v)}
                for k in range(1, len(found)):
                    starts &= {p - k for _, v in found[k][d] for p in _positions(v)}
                    if not starts:
                        break
                if not starts:
                    continue
            out[d] = min(sum(w for w, _ in held[d]) for held in found)
        return out

    # --- proximity ----------------------------------------------------------------------------

    def _near(self, node: Plan, children: tuple, scores: Scores) -> Scores:
        """``scores`` (a dict of this request's own, changed in place) with a proximity part
        added for the :data:`PROXIMITY_DOCS` best documents when two or more children are
        words: for each pair of words, ``min(idf) * p * (K1 + 1) / (K1 + p)`` where ``p`` sums
        ``1 / distance²`` over the occurrences of one word in the body that have the other
        within :data:`PROXIMITY_WINDOW` positions. The parts are remembered per generation and
        plan node (``node``, whose documents and scores ``scores`` are)."""
        words = tuple(c for c in children if isinstance(c, OneWord))
        if len(words) < 2 or not scores or not PROXIMITY_WEIGHT:
            return scores
        key = ("near", node)
        bonus = self.view.recall(key)
        if bonus is None:
            bonus = self._proximity(words, scores)
            self.view.remember(key, bonus)
        for d, extra in bonus.items():
            scores[d] += extra
        return scores

    def _proximity(self, words: tuple, scores: Scores) -> dict[int, float]:
        top = heapq.nlargest(PROXIMITY_DOCS, scores, key=scores.__getitem__)
        idfs = [_idf(self._doc_count, len(self._word(w)) or 1) for w in words]
        where = [self._body_positions(w, top) for w in words]
        out: dict[int, float] = {}
        for d in top:
            bonus = 0.0
            for i in range(len(words)):
                pi = where[i].get(d)
                if not pi:
                    continue
                for j in range(i + 1, len(words)):
                    pj = where[j].get(d)
                    if not pj:
                        continue
                    p = _closeness(pi, pj)
                    if p:
                        bonus += min(idfs[i], idfs[j]) * p * (K1 + 1) / (K1 + p)
            if bonus:
                out[d] = PROXIMITY_WEIGHT * bonus
        return out

    def _body_positions(self, word: OneWord, docnums: list[int]) -> dict[int, list[int]]:
        """Sorted body positions where ``word`` starts (any of its ways), in those documents.
        A phrase's start is read off its rarest term (its position minus its offset): the
        phrase check read that term's whole list first, so it is at hand."""
        starts: list[tuple[str, int]] = []  # (term, offset of the term in its phrase)
        for leaf in word.children:
            if isinstance(leaf, Boosted):
                leaf = leaf.core
            if leaf.field != "body":
                continue
            if isinstance(leaf, Seq):
                k = 0
                if len(leaf.terms) > 1:
                    dfs = [self.reader.doc_frequency("body", t) for t in leaf.terms]
                    k = dfs.index(min(dfs))
                starts.append((leaf.terms[k], k))
            else:
                starts.extend((t, 0) for t in leaf.options[0])
        held = self._word(word)
        wanted = sorted(d for d in docnums if d in held)
        out: dict[int, list[int]] = {}
        if not wanted:
            return out
        for term, offset in dict.fromkeys(starts):
            key = ("body", term)
            pl = self._postings.get(key) or self.view.recall(key)
            if pl is not None:
                found = {d: pl.values[i] for d in wanted if (i := pl.find(d)) >= 0}
            else:
                found = _values_of(self.reader, "body", term, wanted)
            for d, value in found.items():
                positions = _positions(value)
                if offset:
                    positions = [p - offset for p in positions]
                out.setdefault(d, []).extend(positions)
        for positions in out.values():
            positions.sort()
        return out

    # --- highlighting -------------------------------------------------------------------------

    def term_chars(self, field: str, term: str, docnums: list[int]) -> dict[int, list]:
        """``{docnum: [(position, startchar, endchar), ...]}`` of ``term`` in those documents:
        from the posting list if this request read it, else by skipping to those documents
        (which reads only the blocks that hold them)."""
        decode = self.reader.schema[field].format.decode_characters
        out = {}
        key = (field, term)
        pl = self._postings.get(key) or self.view.recall(key)
        if pl is not None:
            for d in docnums:
                i = pl.find(d)
                if i >= 0:
                    out[d] = decode(pl.values[i])
            return out
        for d, value in _values_of(self.reader, field, term, docnums).items():
            out[d] = decode(value)
        return out


def _sum_common(parts: list[Scores]) -> Scores:
    """The documents in every part, with the sum of their scores."""
    if not parts:
        return {}
    if len(parts) == 1:
        return dict(parts[0])
    parts = sorted(parts, key=len)
    first, second = parts[0], parts[1]
    common = first.keys() & second.keys()
    for part in parts[2:]:
        if not common:
            return {}
        common &= part.keys()
    if len(parts) == 2:
        return {d: first[d] + second[d] for d in common}
    return {d: sum([p[d] for p in parts]) for d in common}


def _idf(n: int, df: int) -> float:
    """BM25's idf, never negative: ``ln(1 + (N - df + 0.5) / (df + 0.5))``."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _field_boost(leaf: Leaf) -> tuple[str, float]:
    if isinstance(leaf, Boosted):
        leaf = leaf.core
    return leaf.field, leaf.boost


def _closeness(first: list[int], second: list[int]) -> float:
    """Sum over ``first``'s positions of ``1 / d²``, ``d`` the distance to the nearest of
    ``second``'s positions, when ``0 < d <= PROXIMITY_WINDOW``."""
    total = 0.0
    n = len(second)
    for p in first:
        i = bisect_left(second, p)
        d = PROXIMITY_WINDOW + 1
        if i < n:
            d = second[i] - p
        if i > 0:
            d = min(d, p - second[i - 1])
        if 0 < d <= PROXIMITY_WINDOW:
            total += 1.0 / (d * d)
    return total


def _values_of(reader, field: str, term: str, docnums: list[int]) -> dict[int, bytes]:
    """The encoded postings values of ``term`` in the given documents, reading only the posting
    blocks that hold them (blocks are skipped by their last document number)."""
    out: dict[int, bytes] = {}
    wanted = sorted(docnums)
    for leaf, offset in reader.leaf_readers():
        end = offset + leaf.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if not local or (field, term) not in leaf:
            continue
        m = leaf.postings(field, term)
        while isinstance(m, FilterMatcher):
            m = m.child
        if not isinstance(m, W3LeafMatcher):
            for d in local:
                if not m.is_active():
                    break
                m.skip_to(d)
                if m.is_active() and m.id() == d:
                    out[d + offset] = m.value()
            continue
        for d in local:
            while m.is_active() and m._maxid < d:
                m._next_block()
            if not m.is_active():
                break
            if m._ids is None:
                m._read_ids()
            i = bisect_left(m._ids, d)
            if i < len(m._ids) and m._ids[i] == d:
                if m._values is None:
                    m._read_values()
                out[d + offset] = m._values[i]
    return out
