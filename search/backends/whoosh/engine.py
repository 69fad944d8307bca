"""Evaluating a search plan (:mod:`search.plan`) on one Whoosh generation, straight from posting lists.

Why not Whoosh's matchers: facets need *every* matching document, not a top 20, and walking a
tree of Whoosh matchers costs several Python calls per posting (a two-word query over the
white-paper corpus took up to a second). Here each posting list is read block by block
(:func:`read_postings`: ids, term frequencies and the encoded positions as Whoosh stored them),
scores are computed in one comprehension per term, and AND/OR/NOT are dictionary and set
operations. Phrases are checked on stored positions only for documents that hold every term.

Scores are Whoosh's BM25F, computed the same way (``idf = log(N / (df + 1)) + 1``, ``B = 0.75``,
``K1 = 1.2``, Whoosh's byte-rounded field lengths): one BM25 score per field, multiplied by the
field's weight (title ``Settings.title_boost``), summed. A phrase scores as the sum of its terms'
scores in the documents where it occurs. Exclusions, ``category:`` and a query of only exclusions
score nothing of their own.

An :class:`Engine` lives for one request. Posting lists and the scores of each term and phrase
are also remembered per generation (an LRU in :class:`~.live.IndexView`, bounded by entries), so words that recur across requests are neither read nor checked again, and the
snippets of the page's hits reuse the lists (:meth:`Engine.term_chars`).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from itertools import accumulate, repeat
from operator import add, itemgetter, sub
from pickle import loads

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

from search.plan import AllOf, AnyOf, Boosted, Everything, Excluding, InCategory, Plan, Seq, Spelled

from .live import IndexView

K1, B = 1.2, 0.75
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

    def _factor(self, field: str, term: str, boost: float) -> float:
        """``boost * idf * (K1 + 1)``: the part of a term's BM25 score common to all documents."""
        df = self.reader.doc_frequency(field, term)
        return boost * (math.log(self._doc_count / (df + 1)) + 1) * (K1 + 1)

    # --- evaluation ---------------------------------------------------------------------------

    def run(self, plan: Plan) -> Scores:
        """``{docnum: score}`` of every live document ``plan`` matches."""
        scores = self._eval(plan)
        if self.view.has_deletions:
            live = self.view.live_set
            scores = {d: s for d, s in scores.items() if d in live}
        return scores

    def _eval(self, plan: Plan) -> Scores:
        if isinstance(plan, (Seq, Spelled)):
            return self._seq(plan)
        if isinstance(plan, Boosted):
            # A document holding the compound holds its parts at consecutive positions.
            bonus = [self._seq(part) for part in plan.bonus]
            proven = bonus[0] if plan.whole and len(plan.core.terms) > 1 else None
            scores = dict(self._seq(plan.core, proven))
            for extra in bonus:
                for d, s in extra.items():
                    if d in scores:
                        scores[d] += s
            return scores
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
            parts = sorted((self._eval(c) for c in plan.children), key=len)
            first, rest = parts[0], parts[1:]
            common = first.keys() & rest[0].keys()
            for part in rest[1:]:
                common &= part.keys()
            if len(rest) == 1:
                second = rest[0]
                return {d: first[d] + second[d] for d in common}
            return {d: first[d] + sum(p[d] for p in rest) for d in common}
        if isinstance(plan, Excluding):
            base = self._eval(plan.base)
            if not base:
                return base
            excluded = self._eval(plan.excluded)
            return {d: s for d, s in base.items() if d not in excluded}
        if isinstance(plan, Everything):
            return dict.fromkeys(self.view.live, 0.0)
        if isinstance(plan, InCategory):
            return dict.fromkeys(self.view.docs_of_category(plan.value), 0.0)
        raise TypeError(f"not a plan node: {plan!r}")

    def _seq(self, seq: Seq | Spelled, proven: Scores | None = None) -> Scores:
        """Scores of a term or phrase, or of a word found through readings (remembered per
        generation; callers must not change the dict). ``proven``: documents known to hold the
        phrase (they hold the compound whose parts it is), which need no position check."""
        scores = self.view.recall(seq)
        if scores is None:
            if isinstance(seq, Spelled):
                scores = self._compute_spelled(seq)
            else:
                scores = self._compute_seq(seq, proven)
            self.view.remember(seq, scores)
        return scores

    def _compute_seq(self, seq: Seq, proven: Scores | None) -> Scores:
        norm = self.view.length_norms(seq.field, self.reader, K1, B)
        if len(seq.terms) == 1:
            pl = self.postings(seq.field, seq.terms[0])
            if not pl.ids:
                return {}
            c = self._factor(seq.field, seq.terms[0], seq.boost)
            return {d: c * w / (w + norm[d]) for d, w in zip(pl.ids, pl.weights)}
        return self._phrase(seq, norm, proven)

    def _phrase(self, seq: Seq, norm: list[float], proven: Scores | None) -> Scores:
        """Documents where the terms sit at consecutive positions. Terms are taken rarest
        first; once few candidates are left, a common term's postings are read only for them
        (the blocks that hold them) instead of whole."""
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
                    weights[k] = dict(zip(pl.ids, pl.weights))
                    values[k] = dict(zip(pl.ids, pl.values))
                else:
                    weights[k] = {d: pl.weights[i] for d in candidates if (i := pl.find(d)) >= 0}
                    values[k] = {d: pl.values[pl.find(d)] for d in weights[k]}
            candidates = set(weights[k]) if candidates is None else \
                candidates.intersection(weights[k])
            if not candidates:
                return {}
        unproven = [d for d in candidates if not proven or d not in proven]
        matched = candidates.difference(d for d in unproven if not _phrase_at(values, d))
        pairs = [(self._factor(field, t, seq.boost), weights[k]) for k, t in enumerate(terms)]
        return {d: sum(f * w[d] / (w[d] + norm[d]) for f, w in pairs) for d in matched}

    def _compute_spelled(self, plan: Spelled) -> Scores:
        """Documents holding, at consecutive positions, one term of each piece's options; a
        document scores the sum of the scores of the options it holds."""
        field = plan.field
        norm = self.view.length_norms(field, self.reader, K1, B)
        # per piece: {docnum: [(term's score factor, weight, encoded value), ...]}
        found: list[dict[int, list]] = []
        candidates: set[int] | None = None
        for options in plan.options:
            held: dict[int, list] = {}
            for term in options:
                pl = self.postings(field, term)
                if not pl.ids:
                    continue
                c = self._factor(field, term, plan.boost)
                for d, w, v in zip(pl.ids, pl.weights, pl.values):
                    if candidates is None or d in candidates:
                        held.setdefault(d, []).append((c, w, v))
            candidates = set(held) if candidates is None else candidates.intersection(held)
            if not candidates:
                return {}
            found.append(held)
        out: Scores = {}
        for d in candidates:
            if len(found) > 1:
                starts = {p for _, _, v in found[0][d] for p in _positions(v)}
                for k in range(1, len(found)):
                    starts &= {p - k for _, _, v in found[k][d] for p in _positions(v)}
                    if not starts:
                        break
                if not starts:
                    continue
            out[d] = sum(c * w / (w + norm[d]) for held in found for c, w, _ in held[d])
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
