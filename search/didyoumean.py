"""「もしかして」: a close query that finds more, when a query finds nothing or very little.

Candidates, one word of the query changed at a time:

* a katakana or hiragana word close to the reading of a known word (サイバーセキリュティ →
  サイバーセキュリティ, ホームヘルバー → ホームヘルパー): edit distance on readings, at most
  :func:`max_distance` edits, the nearest first and then the word in most posts. Known words are
  those of the suggestion lexicon (:mod:`search.suggest`: words as posts write them, with post
  counts) and of the reading lexicon (:mod:`search.readings`: terms Sudachi reads that way);
* a kana word that the dictionary reads as a known word (しょぐうかいぜん → 処遇改善);
* a year in the other one of 年 and 年度 (令和6年 ↔ 令和6年度, :mod:`search.wareki`).

Every candidate is run (with the same filters) and the one that finds the most is proposed,
only when it finds more than :data:`GAIN` times as many posts as the query did, and at least one:
a proposal is never a query that finds nothing. Only plain words are changed (not operators,
quoted phrases, exclusions or ``field:`` words), and at most :data:`MAX_CANDIDATES` queries are
run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .analysis import is_kana, to_katakana
from .wareki import other_suffix

#: A query is helped when it finds at most this many posts.
FEW = 2
#: A proposal must find more than this many times as many posts.
GAIN = 2
#: At most this many candidate queries are run.
MAX_CANDIDATES = 8
#: Kana words shorter than this are not corrected (too many near neighbours).
MIN_TYPO_CHARS = 4

_OPERATORS = {"OR", "AND", "NOT"}


@dataclass(frozen=True)
class Known:
    """A known word: its surface, katakana reading, and how many posts hold it."""

    surface: str
    reading: str
    posts: int


def max_distance(length: int) -> int:
    """Edits allowed in a word of ``length`` characters: 1 up to 6, 2 beyond."""
    return 1 if length <= 6 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    # common ends do not change the distance: only the middles are compared
    k, n = 0, min(len(a), len(b))
    while k < n and a[k] == b[k]:
        k += 1
    a, b = a[k:], b[k:]
    k, n = 0, min(len(a), len(b))
    while k < n and a[-1 - k] == b[-1 - k]:
        k += 1
    if k:
        a, b = a[:-k], b[:-k]
    if not a or not b:
        return len(a) + len(b) if len(a) + len(b) <= limit else limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        best = i
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            current.append(value)
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


class KnownWords:
    """Known words by reading, grouped by reading length for the typo search."""

    def __init__(self, words: Iterable[Known]) -> None:
        by_reading: dict[str, Known] = {}
        for w in words:
            known = by_reading.get(w.reading)
            if known is None or w.posts > known.posts:
                by_reading[w.reading] = w
        self.by_reading = by_reading
        # a typo rarely hits both ends: candidates share the first or the last character, so
        # they are looked up by (length, first) and (length, last)
        self._by_end: dict[tuple[int, str, str], list[Known]] = {}
        for w in by_reading.values():
            n = len(w.reading)
            self._by_end.setdefault((n, "first", w.reading[0]), []).append(w)
            if w.reading[-1] != w.reading[0]:
                self._by_end.setdefault((n, "last", w.reading[-1]), []).append(w)

    def read_as(self, kana: str) -> Known | None:
        """The known word read exactly as ``kana`` (katakana), if any."""
        return self.by_reading.get(kana)

    def near(self, kana: str, limit: int = 3) -> list[Known]:
        """Known words whose reading is within :func:`max_distance` edits of ``kana`` (not equal),
        nearest first, then most posts."""
        allowed = max_distance(len(kana))
        found = []
        seen: set[str] = set()
        for length in range(len(kana) - allowed, len(kana) + allowed + 1):
            for key in ((length, "first", kana[0]), (length, "last", kana[-1])):
                for w in self._by_end.get(key, ()):
                    if w.reading in seen:
                        continue
                    seen.add(w.reading)
                    d = edit_distance(kana, w.reading, allowed)
                    if 0 < d <= allowed:
                        found.append((d, -w.posts, w.surface, w))
        found.sort()
        return [w for *_, w in found[:limit]]


def _words(q: str) -> list[tuple[int, int]]:
    """Spans of the plain words of ``q`` (no operators, quotes, exclusions or field words)."""
    if any(c in q for c in '"「」()（）'):
        return []  # phrases and groups are taken as written
    spans = []
    for m in re.finditer(r"[^ \u3000]+", q):
        word = m.group(0)
        if word in _OPERATORS or word[0] in "-−－" or ":" in word or "：" in word:
            continue
        spans.append((m.start(), m.end()))
    return spans


def candidates(q: str, known: KnownWords) -> list[str]:
    """Queries close to ``q``, the likeliest first (at most :data:`MAX_CANDIDATES`)."""
    out: list[str] = []

    def add(start: int, end: int, replacement: str) -> None:
        alt = q[:start] + replacement + q[end:]
        if alt != q and alt not in out:
            out.append(alt)

    for start, end in _words(q):
        word = q[start:end]
        for alt in other_suffix(word):
            add(start, end, alt)
        if not is_kana(word):
            continue
        kana = to_katakana(word)
        exact = known.read_as(kana)
        if exact is not None and exact.surface != word:
            add(start, end, exact.surface)
        if len(kana) >= MIN_TYPO_CHARS:
            for w in known.near(kana):
                add(start, end, w.surface)
    return out[:MAX_CANDIDATES]


def propose(
    q: str, total: int, known: KnownWords, count: Callable[[str], int]
) -> tuple[str, int] | None:
    """``(query, total)`` to propose instead of ``q`` (which found ``total``), or None.
    ``count(query)`` runs a query with the same filters and returns its total."""
    if total > FEW or not q.strip():
        return None
    best: tuple[str, int] | None = None
    for alt in candidates(q, known):
        n = count(alt)
        if n > max(0, total * GAIN) and (best is None or n > best[1]):
            best = (alt, n)
    return best


def known_words(suggestions, readings) -> KnownWords:
    """Known words from a generation's suggestion lexicon (with post counts) and reading lexicon
    (terms by reading, counted as zero posts: the suggestion lexicon's spelling wins a tie)."""
    words = [Known(surface, reading, posts) for surface, reading, posts, _ in suggestions.entries()]
    words += [
        Known(term, reading, 0)
        for reading, term in readings.pairs()
        if len(reading) >= MIN_TYPO_CHARS
    ]
    return KnownWords(words)
