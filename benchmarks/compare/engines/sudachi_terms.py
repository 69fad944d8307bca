"""Sudachi tokens as plain text, for engines that only split at spaces.

A post becomes the space-joined terms of policy-search's own analysis (``search.analysis``:
Sudachi normalized forms folded NFKC + lower case, particles and punctuation dropped), keeping the
units that tile the text: whole words and the A parts of compounds, not the compounds themselves,
so that consecutive terms are consecutive positions and a phrase of A units finds a compound
whichever way it was split. A query word becomes the same sequence, searched as a phrase.

Beside the terms, the same analysis gives each post a *reading* text, as a careful site on these
engines builds it (the Kuromoji/Lucene setup of a reading-form field beside the surface field):
the katakana reading of every unit, compounds and their parts alike (Kuromoji's search mode also
emits both), or the term itself where Sudachi gives no reading (Latin words, numbers, inflected
forms), as Lucene's ``JapaneseReadingFormFilter`` keeps a token without a reading. A query word in
kana is folded to katakana and also searched as one token of that field.

Synonyms: the same list policy-search expands (``search.Synonyms`` over ``Settings``' synonym
files), expanded at query time into OR alternatives, as Lucene's query-time ``SynonymGraphFilter``
does: the whole word, and the word with one of its units (mode C) replaced by a synonym.
"""

from __future__ import annotations

import re
import time
import unicodedata
from functools import lru_cache

from search.analysis import COMPOUND, PART, WHOLE, is_kana, morphology, to_katakana

from ..data import Doc

#: At most this many synonym alternatives per query word (policy-search's own bound is the same
#: order; the list rarely gives more than two).
MAX_ALTERNATIVES = 8


def terms(text: str) -> list[str]:
    return [u[3] for u in morphology().units(text) if u[5] in (WHOLE, PART)]


#: Multi-word function phrases of Lucene's Japanese stop word list (``ja/stopwords.txt``, used by
#: its JapaneseAnalyzer), which Sudachi leaves partly as words (について keeps the verb 付く): a
#: careful site drops them from a query like the particles around them.
STOP_PHRASES = ("について", "に関する", "に対して", "に対する", "における", "において", "によって",
                "により", "による", "として", "とともに")
_STOP = re.compile("|".join(STOP_PHRASES))


def segments(text: str) -> list[list[str]]:
    """The terms of a query word, cut where a stop phrase stood or Sudachi dropped a word between
    them; see :func:`_segments`."""
    return [seg for piece in _STOP.split(text) for seg in _segments(piece)]


def _segments(text: str) -> list[list[str]]:
    """The terms of a query word, cut where Sudachi dropped a word between them (a particle or
    an auxiliary: the の and について of 電波利用料の見直しについて). Each segment is searched as a
    phrase and all must match, as a careful site runs a sentence typed without spaces (a match
    query over the analysed terms with AND, a phrase per run): a phrase across dropped words
    would ask for text the posts do not hold. Punctuation between two terms does not cut."""
    out: list[list[str]] = []
    last_end = None
    for u in morphology().units(text):
        if u[5] in (WHOLE, COMPOUND):
            gap = text[last_end:u[1]] if last_end is not None else ""
            if not out or any(unicodedata.category(c)[0] not in "PZS" for c in gap):
                out.append([])
            last_end = u[2]
        if u[5] in (WHOLE, PART):
            out[-1].append(u[3])
    return [seg for seg in out if seg]


def readings(text: str) -> list[str]:
    """The reading of every unit of ``text`` (whole words, compounds and their parts), else its
    term."""
    return [u[4] or u[3] for u in morphology().units(text) if u[5] in (WHOLE, COMPOUND, PART)]


def analysed(docs: list[Doc], shared: dict) -> tuple[list[tuple[str, str, str, str, str]], float, float]:
    """``[(id, title terms, body terms, title readings, body readings)]`` for ``docs``, the wall
    seconds and the CPU seconds their analysis takes.

    Each post is analysed once per process and its texts and times kept in ``shared``, so every
    engine of the group reuses them: the seconds reported are the sum of the posts' own analysis
    times, as a build of these posts spends them. CPU time is this thread's (the analysis runs in
    one thread), so a sampling thread beside it does not count."""
    cache = shared.setdefault("sudachi-terms", {})
    morphology()  # the dictionary loads once per process; not part of any build
    for d in docs:
        if d.id not in cache:
            start, cpu = time.perf_counter(), time.thread_time()
            texts = (" ".join(terms(d.title)), " ".join(terms(d.body)),
                     " ".join(readings(d.title)), " ".join(readings(d.body)))
            cache[d.id] = (*texts, time.perf_counter() - start, time.thread_time() - cpu)
    rows = [(d.id, *cache[d.id][:4]) for d in docs]
    return rows, sum(cache[d.id][4] for d in docs), sum(cache[d.id][5] for d in docs)


@lru_cache(maxsize=1)
def synonyms():
    from search import Settings, Synonyms

    return Synonyms.load(list(Settings().synonym_files))


def alternatives(word: str) -> list[str]:
    """``word`` and its synonym alternatives: the word's own synonyms, then the word with one
    mode C unit replaced by one of that unit's synonyms."""
    syn = synonyms()
    out = [word, *syn.expand(word)]
    for u in morphology().units(word):
        if u[5] == PART:
            continue
        surface = word[u[1]:u[2]]
        if surface == word:
            continue
        for other in syn.expand(surface) or syn.expand(u[3]):
            out.append(word[:u[1]] + other + word[u[2]:])
    unique: list[str] = []
    for alt in out:
        if alt not in unique:
            unique.append(alt)
    return unique[:MAX_ALTERNATIVES + 1]


def reading_token(word: str) -> str | None:
    """The katakana token a kana query word is searched as in the reading field, else None."""
    return to_katakana(word) if is_kana(word) else None
