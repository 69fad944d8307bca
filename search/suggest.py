"""Suggestions as the reader types: a lexicon of words and compounds with readings and post counts.

Each generation keeps ``suggest.json`` beside ``readings.json``: the words and compounds of its
posts as written (介護保険, 介護報酬改定, デジタル田園都市国家構想), each with its katakana reading
and the number of posts that hold it, in the title or anywhere. Words come from the analysis the
indexer runs anyway (:func:`post_words` reads Sudachi's units of the text just indexed): every
top-level unit of two or more characters, and runs of up to :data:`MAX_RUN` adjacent units written
in kanji or katakana (Sudachi reads 介護報酬改定 as 介護/報酬/改定; readers type it whole). A word
of a title is kept whatever its count; a word only seen in bodies is kept from
:data:`MIN_BODY_POSTS` posts on, so the lexicon holds what posts share, not every run of nouns.

:class:`SuggestLexicon` keeps the entries sorted twice, by surface and by reading, and answers a
prefix on either with :func:`bisect`, so a kana prefix typed before the IME converts it (かいごほ)
finds 介護保険 and 介護報酬 through their readings. Matches are ranked by post count (then by
title count, then shorter first). ``update`` adds the new posts' words and takes away those of the
posts it removes or replaces (their old text is analysed again), so counts stay current; a body
word dropped for being rare at the last rebuild is counted again from the posts that update adds.
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from heapq import nsmallest
from typing import Any

from .analysis import morphology, to_katakana
from .store import GenerationFile

SUGGEST_NAME = "suggest.json"
#: Longest run of adjacent units made into one compound.
MAX_RUN = 3
#: A word seen only in bodies is kept when at least this many posts hold it.
MIN_BODY_POSTS = 2
#: Suggestions given when the caller does not say; the most a caller may ask for.
DEFAULT_LIMIT, MAX_LIMIT = 8, 20
#: Longest prefix looked up (longer input cannot be a prefix of a listed word anyway).
MAX_PREFIX_CHARS = 40

# A unit that may be part of a compound: kanji, katakana (with ー), and the iteration mark.
_COMPOUNDABLE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff々〆\u30a1-\u30fa\u30fc]+")
# A word worth suggesting holds at least one kanji or katakana (no bare hiragana or numbers).
_WORTH = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff々\u30a1-\u30fa]")

Word = tuple[str, str]  # (surface, reading)


def post_words(title: str, body: str) -> tuple[set[Word], set[Word]]:
    """``(title words, body words)`` of one post (a word of both is in both)."""
    return _words(title), _words(body)


def _words(text: str) -> set[Word]:
    out: set[Word] = set()
    if not text:
        return out
    top = [u for u in morphology().units(text) if u[5] != "A"]
    n = len(top)
    for i in range(n):
        _, start, end, _, reading, _ = top[i]
        if not reading:
            continue
        surface = text[start:end]
        if len(surface) >= 2 and _WORTH.search(surface):
            out.add((surface, reading))
        if not _COMPOUNDABLE.fullmatch(surface):
            continue
        readings = [reading]
        for j in range(i + 1, min(n, i + MAX_RUN)):
            _, s, e, _, r, _ = top[j]
            if s != end or not r or not _COMPOUNDABLE.fullmatch(text[s:e]):
                break
            readings.append(r)
            end = e
            out.add((text[start:end], "".join(readings)))
    return out


class WordCounts:
    """Post counts of words while posts are being indexed: ``{word: [posts, title posts]}``."""

    __slots__ = ("counts",)

    def __init__(self, counts: dict[Word, list[int]] | None = None) -> None:
        self.counts = counts or {}

    def add_post(self, title: str, body: str, sign: int = 1) -> None:
        """Count one post's words (``sign=-1``: take a removed post's words away)."""
        in_title, in_body = post_words(title, body)
        counts = self.counts
        for word in in_title | in_body:
            entry = counts.get(word)
            if entry is None:
                if sign < 0:
                    continue  # dropped as rare at the last rebuild: nothing to take away
                entry = counts[word] = [0, 0]
            entry[0] += sign
            if word in in_title:
                entry[1] += sign
            if entry[0] <= 0:
                del counts[word]

    def merge(self, other: WordCounts) -> None:
        for word, (posts, titles) in other.counts.items():
            entry = self.counts.setdefault(word, [0, 0])
            entry[0] += posts
            entry[1] += titles

    def lexicon(self) -> SuggestLexicon:
        return SuggestLexicon(
            [
                (s, r, p, max(0, t))
                for (s, r), (p, t) in self.counts.items()
                if t > 0 or p >= MIN_BODY_POSTS
            ]
        )


@dataclass(frozen=True)
class Suggestion:
    text: str
    reading: str
    count: int

    def to_dict(self) -> dict:
        return {"text": self.text, "reading": self.reading, "count": self.count}


class SuggestLexicon(GenerationFile):
    """The suggestion lexicon of one generation, read-only once made; kept with it as
    ``suggest.json``."""

    __slots__ = ("_entries", "_surfaces", "_by_reading", "_readings")
    NAME = SUGGEST_NAME

    def __init__(self, entries: Iterable[tuple[str, str, int, int]] = ()) -> None:
        #: (surface, reading, posts, title posts), sorted by surface
        self._entries = sorted(entries, key=lambda e: (_fold(e[0]), e))
        self._surfaces = [_fold(e[0]) for e in self._entries]
        order = sorted(range(len(self._entries)), key=lambda k: self._entries[k][1])
        self._by_reading = order
        self._readings = [self._entries[k][1] for k in order]

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[tuple[str, str, int, int]]:
        return list(self._entries)

    def counts(self) -> WordCounts:
        """The entries as counts to add posts to (``update``)."""
        return WordCounts({(s, r): [p, t] for s, r, p, t in self._entries})

    def suggest(self, prefix: str, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
        """Up to ``limit`` words whose surface, or reading, starts with ``prefix``; most posts
        first. A prefix in hiragana or katakana is matched on readings as well."""
        folded = _fold(prefix.strip())[:MAX_PREFIX_CHARS]
        if not folded or limit < 1:
            return []
        found = set(_prefixed(self._surfaces, folded))
        kana = to_katakana(folded)
        if _is_reading(kana):
            found.update(self._by_reading[k] for k in _prefixed(self._readings, kana))
        entries = self._entries
        best = nsmallest(
            limit,
            found,
            key=lambda k: (-entries[k][2], -entries[k][3], len(entries[k][0]), entries[k][0]),
        )
        return [Suggestion(entries[k][0], entries[k][1], entries[k][2]) for k in best]

    def readings(self) -> dict[str, tuple[str, int]]:
        """``{reading: (surface, posts)}``: the most common word for each reading."""
        out: dict[str, tuple[str, int]] = {}
        for surface, reading, posts, _ in self._entries:
            known = out.get(reading)
            if known is None or posts > known[1]:
                out[reading] = (surface, posts)
        return out

    @classmethod
    def from_json(cls, data: Any) -> SuggestLexicon | None:
        if not isinstance(data, list):
            return None
        return cls(
            (e[0], e[1], e[2], e[3])
            for e in data
            if isinstance(e, list)
            and len(e) == 4
            and isinstance(e[0], str)
            and isinstance(e[1], str)
            and isinstance(e[2], int)
            and isinstance(e[3], int)
        )

    def dumps(self) -> bytes:
        """The lexicon as the bytes of a ``suggest.json``."""
        return json.dumps(
            [list(e) for e in self._entries], ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _is_reading(text: str) -> bool:
    return bool(re.fullmatch(r"[\u30a1-\u30fa\u30fc]+", text))


def _prefixed(keys: list[str], prefix: str) -> range:
    """Indexes of the sorted ``keys`` that start with ``prefix``."""
    lo = bisect_left(keys, prefix)
    hi = bisect_left(keys, prefix + "\U0010ffff", lo)
    return range(lo, hi)


@dataclass(frozen=True)
class SuggestRequest:
    """``GET /api/suggest``: the prefix typed so far and how many suggestions to give."""

    q: str = ""
    limit: int = DEFAULT_LIMIT

    @classmethod
    def from_params(cls, params, settings=None) -> SuggestRequest:
        """Check ``q`` (at most ``Settings.max_query_chars``) and ``limit`` (1 to
        :data:`MAX_LIMIT`); raises :class:`search.request.QueryError`."""
        from .config import Settings
        from .request import _check_q, _integer, _single

        settings = settings or Settings()
        q = _check_q(_single(params, "q") or "", settings)
        return cls(q=q, limit=_integer(params, "limit", 1, MAX_LIMIT) or DEFAULT_LIMIT)

    def params(self) -> list[tuple[str, str]]:
        """The request as URL parameters."""
        limit = [("limit", str(self.limit))] if self.limit != DEFAULT_LIMIT else []
        return [("q", self.q), *limit]
