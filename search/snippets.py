"""Snippets and highlights, cut by the same code whatever the backend.

:func:`match_spans` takes each term's position and start/end character in the original text,
turns each term sequence of the query into the character spans where the whole sequence occurs,
and reports them per document for ``title`` and ``body``. A backend that keeps term offsets in
its index (Whoosh) gives them from the postings the search already read, without re-analysis;
for one that does not, :func:`text_term_chars` finds the same occurrences by analysing the stored
text with the analyser the index was built with (the same units, so the same spans). A word
found through its reading marks the original surface (わじまし marks 輪島市), and a variant
spelling marks what the post wrote (付属 marks 附属).

:func:`snippet` cuts about :data:`TARGET` characters at Japanese sentence ends around the best
match; :func:`mark_html` escapes everything and wraps matches in bare ``<mark>`` tags.
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from .analysis import morphology
from .plan import Marks
from .text import SENTENCE_END, SENTENCE_ENDS

#: The fields whose spans are reported.
GROUPS = ("title", "body")
MIN_CHARS, TARGET, MAX_CHARS = 120, 160, 200
#: Sentence ends: the snippet starts after one and stops at one.
_UP_TO_LAST_END = re.compile(f".*[{SENTENCE_ENDS}]", re.DOTALL)
#: How far to look for a sentence boundary around a match before cutting mid-sentence.
_REACH = 400
#: Only the first matches of a long post compete for the snippet.
_MAX_CANDIDATES = 500

Span = tuple[int, int, int]  # start, end, which query sequence matched


def match_spans(
    term_chars, docnums: Iterable[Any], marks: Marks
) -> dict[Any, dict[str, list[Span]]]:
    """``{docnum: {"title": spans, "body": spans}}`` for the term sequences in ``marks``
    (:attr:`search.plan.CompiledQuery.marks`: at each position of a sequence, the terms that may
    stand there).

    ``term_chars(field, term, docnums)`` gives ``{docnum: [(position, startchar, endchar)]}``
    (:meth:`search.backend.Snapshot.term_chars`, or :func:`text_term_chars`); the document keys
    are the backend's refs. A sequence of several terms marks the text from
    its first term's start to its last term's end wherever the terms sit at consecutive
    positions.
    """
    docs = sorted(set(docnums))
    out: dict[int, dict[str, list[Span]]] = {d: {"title": [], "body": []} for d in docs}
    if not docs:
        return out
    label = 0
    for field in sorted(marks):
        sequences = marks[field]
        if field not in GROUPS or not sequences:
            continue
        chars = {
            term: term_chars(field, term, docs)
            for term in sorted({t for seq in sequences for options in seq for t in options})
        }
        for seq in sorted(sequences):
            label += 1
            # per position: {docnum: [(position, start, end), ...]} over the terms that may
            # stand there
            places = []
            for options in seq:
                merged: dict[int, list] = {}
                for term in options:
                    for d, occ in chars[term].items():
                        merged.setdefault(d, []).extend(occ)
                places.append(merged)
            for d, occ in places[0].items():
                if len(seq) == 1:
                    out[d][field].extend((s, e, label) for _, s, e in occ)
                    continue
                rest = []
                for place in places[1:]:
                    found = place.get(d)
                    if not found:
                        break
                    rest.append({p: (s, e) for p, s, e in found})
                else:
                    for p, s, _ in occ:
                        ends = [r.get(p + k + 1) for k, r in enumerate(rest)]
                        if all(ends) and (last := ends[-1]) is not None:
                            out[d][field].append((s, last[1], label))
    return out


def text_term_chars(posts: Sequence):
    """A ``term_chars`` for :func:`match_spans` over stored posts (objects with ``ref``,
    ``title`` and ``body``, such as :class:`search.backend.StoredPost`): each field's text is
    analysed once, on first use, and its units grouped by term."""
    by_ref = {post.ref: post for post in posts}
    found: dict[tuple[Hashable, str], dict[str, list]] = {}

    def occurrences(ref: Hashable, field: str) -> dict[str, list]:
        key = (ref, field)
        terms = found.get(key)
        if terms is None:
            terms = found[key] = {}
            for pos, start, end, term, _reading, _kind in morphology().units(
                getattr(by_ref[ref], field)
            ):
                terms.setdefault(term, []).append((pos, start, end))
        return terms

    def term_chars(field: str, term: str, refs) -> dict[Hashable, list]:
        out = {}
        for ref in refs:
            if ref in by_ref and field in GROUPS:
                occ = occurrences(ref, field).get(term)
                if occ:
                    out[ref] = occ
        return out

    return term_chars


def mark_html(
    text: str, spans: Iterable[Span], start: int = 0, end: int | None = None, newline: str = "\n"
) -> str:
    """``text[start:end]`` HTML-escaped, with the parts covered by ``spans`` in ``<mark>``."""
    end = len(text) if end is None else end
    merged: list[list[int]] = []
    for s, e, _ in sorted(spans):
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, at = [], start
    for s, e in merged:
        out.append(_escape(text[at:s], newline))
        out.append("<mark>" + _escape(text[s:e], newline) + "</mark>")
        at = e
    out.append(_escape(text[at:end], newline))
    return "".join(out)


def _escape(text: str, newline: str) -> str:
    escaped = html.escape(text, quote=True)
    return escaped if newline == "\n" else escaped.replace("\n", newline)


def snippet(text: str, spans: list[Span]) -> str:
    """About 120–200 characters of ``text`` around its best match, cut at sentence ends, as HTML."""
    if not text:
        return ""
    if spans:
        a, b = _best_window(text, spans)
    else:
        a, b = _window_from(text, 0)
    # Leading/trailing white space and line breaks are noise in a list of results.
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    body = mark_html(text, spans, a, b, newline=" ")
    return (
        ("…" if a > 0 and text[a - 1] not in SENTENCE_ENDS else "")
        + body
        + ("…" if b < len(text) and text[b - 1] not in SENTENCE_ENDS else "")
    )


def _best_window(text: str, spans: list[Span]) -> tuple[int, int]:
    """The sentence holding the most different query matches (the earliest such), widened."""
    ordered = sorted(spans)[:_MAX_CANDIDATES]
    best: tuple[int, int, int, int] = (0, 0, 0, 0)  # spans is not empty: the loop sets it
    best_key: tuple[int, int] | None = None
    i, n = 0, len(ordered)
    while i < n:
        s, e, _ = ordered[i]
        a = _sentence_start(text, s)
        b = _sentence_end(text, e)
        labels = set()
        j = i
        while j < n and ordered[j][0] < b:
            if ordered[j][1] <= b:
                labels.add(ordered[j][2])
            j += 1
        key = (len(labels), -a)
        if best_key is None or key > best_key:
            best, best_key = (a, b, s, e), key
        i = j
    a, b, s, e = best
    if b - a > MAX_CHARS:
        # One long sentence: a window around the match, cut mid-sentence.
        lead = min(TARGET // 3, s - a)
        a = max(a, s - lead)
        b = min(b, max(a + TARGET, e))
        return a, b
    return _widen(text, a, b)


def _window_from(text: str, a: int) -> tuple[int, int]:
    b = _sentence_end(text, a + 1)
    if b - a > MAX_CHARS:
        return a, a + TARGET
    return _widen(text, a, b)


def _widen(text: str, a: int, b: int) -> tuple[int, int]:
    """Add following, then preceding, whole sentences while the window is short and fits."""
    while b - a < MIN_CHARS and b < len(text):
        nb = _sentence_end(text, b + 1)
        if nb - a > MAX_CHARS:
            break
        b = nb
    while b - a < MIN_CHARS and a > 0:
        na = _sentence_start(text, a - 1)
        if b - na > MAX_CHARS:
            break
        a = na
    if b - a < MIN_CHARS and b < len(text):
        b = min(len(text), a + TARGET)  # no sentence end in reach: cut
    return a, b


def _sentence_start(text: str, i: int) -> int:
    """Index just after the sentence end before ``i`` (within reach), else ``i - reach``."""
    low = max(0, i - _REACH)
    m = _UP_TO_LAST_END.match(text, low, max(low, i))
    return m.end() if m else low


def _sentence_end(text: str, i: int) -> int:
    """Index just after the first sentence end at or after ``i - 1`` (within reach)."""
    m = SENTENCE_END.search(text, max(0, i - 1), min(len(text), i + _REACH))
    return m.end() if m else min(len(text), i + _REACH)
