"""Snippets and highlights from the character offsets stored in the index (no re-analysis).

The ``title``, ``body`` and ``*_yomi`` fields keep each term's position and start/end character in
the original text. :func:`match_spans` reads them from the postings of the query's terms (one
posting reader per term, skipping forward over the documents of a page), turns each term sequence
of the query into the character spans where the whole sequence occurs, and reports them per
document for ``title`` (title and title_yomi) and ``body`` (body and body_yomi). A match found
through a reading field therefore marks the original surface (わじまし marks 輪島市), and a
variant spelling marks what the post wrote (付属 marks 附属).

:func:`snippet` cuts about :data:`TARGET` characters at Japanese sentence ends around the best
match; :func:`mark_html` escapes everything and wraps matches in bare ``<mark>`` tags.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

#: Fields whose spans mark the title, and those that mark the body.
GROUPS = {"title": "title", "title_yomi": "title", "body": "body", "body_yomi": "body"}
MIN_CHARS, TARGET, MAX_CHARS = 120, 160, 200
#: Sentence ends: the snippet starts after one and stops at one.
_ENDS = "。！？!?\n"
_SENTENCE_END = re.compile(r"[。！？!?\n]")
#: How far to look for a sentence boundary around a match before cutting mid-sentence.
_REACH = 400
#: Only the first matches of a long post compete for the snippet.
_MAX_CANDIDATES = 200

Span = tuple[int, int, int]  # start, end, which query sequence matched


def match_spans(reader, docnums: Iterable[int], marks: dict[str, set[tuple[str, ...]]]
                ) -> dict[int, dict[str, list[Span]]]:
    """``{docnum: {"title": spans, "body": spans}}`` for the term sequences in ``marks``."""
    docs = sorted(set(docnums))
    out: dict[int, dict[str, list[Span]]] = {d: {"title": [], "body": []} for d in docs}
    if not docs:
        return out
    label = 0
    for field, sequences in marks.items():
        group = GROUPS.get(field)
        if group is None or not sequences:
            continue
        terms = {t for seq in sequences for t in seq}
        occurrences: dict[str, dict[int, list[tuple[int, int, int]]]] = {}
        for term in terms:
            occurrences[term] = _term_chars(reader, field, term, docs)
        for seq in sorted(sequences):
            label += 1
            first = occurrences[seq[0]]
            for d, occ in first.items():
                if len(seq) == 1:
                    out[d][group].extend((s, e, label) for _, s, e in occ)
                    continue
                rest = []
                for term in seq[1:]:
                    found = occurrences[term].get(d)
                    if not found:
                        break
                    rest.append({p: (s, e) for p, s, e in found})
                else:
                    for p, s, _ in occ:
                        ends = [r.get(p + k + 1) for k, r in enumerate(rest)]
                        if all(ends):
                            out[d][group].append((s, ends[-1][1], label))
    return out


def _term_chars(reader, field: str, term: str, docs: list[int]) -> dict[int, list]:
    """``{docnum: [(position, startchar, endchar), ...]}`` of ``term`` in the given documents."""
    if (field, term) not in reader:
        return {}
    found = {}
    matcher = reader.postings(field, term)
    for d in docs:
        if not matcher.is_active():
            break
        if matcher.id() < d:
            matcher.skip_to(d)
            if not matcher.is_active():
                break
        if matcher.id() == d:
            found[d] = matcher.value_as("characters")
    return found


def mark_html(text: str, spans: Iterable[Span], start: int = 0, end: int | None = None,
              newline: str = "\n") -> str:
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
    return ("…" if a > 0 and text[a - 1] not in _ENDS else "") + body + (
        "…" if b < len(text) and text[b - 1] not in _ENDS else "")


def _best_window(text: str, spans: list[Span]) -> tuple[int, int]:
    """The sentence holding the most different query matches (the earliest such), widened."""
    ordered = sorted(spans)[:_MAX_CANDIDATES]
    best, best_key = None, None
    seen_starts = set()
    for s, e, _ in ordered:
        a = _sentence_start(text, s)
        if a in seen_starts:
            continue
        seen_starts.add(a)
        b = _sentence_end(text, e)
        labels = {lab for s2, e2, lab in ordered if s2 >= a and e2 <= b}
        key = (len(labels), -a)
        if best_key is None or key > best_key:
            best, best_key = (a, b, s, e), key
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
    for k in range(i - 1, low - 1, -1):
        if text[k] in _ENDS:
            return k + 1
    return low


def _sentence_end(text: str, i: int) -> int:
    """Index just after the first sentence end at or after ``i - 1`` (within reach)."""
    m = _SENTENCE_END.search(text, max(0, i - 1), min(len(text), i + _REACH))
    return m.end() if m else min(len(text), i + _REACH)
