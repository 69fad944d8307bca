"""Japanese analysis, built on Sudachi, the same for every backend.

:meth:`Morphology.units` (through :func:`morphology`) is the one source of terms: the backends index
its units (the Whoosh tokenizer in :mod:`search.backends.whoosh.analyzer` yields them as tokens;
:func:`search.backend.analyse_post` hands them to any backend) and the query compiler analyses
query words with it, so both sides always produce the same terms.

What a post's text becomes (see ``docs/analysis.md`` for the reasons):

* Sudachi mode-C units, and for a C unit that splits further in mode A, its A units too. Positions
  count A units: a C unit sits at the position of its first A unit, so a phrase of A units matches a
  compound whether the document spelled it as one C unit or several.
* Each term is Sudachi's normalized form, folded with NFKC and lower case (附属 → 付属,
  ＫＰＩ → kpi).
* Particles, auxiliary verbs, punctuation and white space are dropped without using a position;
  unknown words (``is_oov``) are kept unless they are punctuation or space.
* A unit's ``start``/``end`` always point into the original string, also across chunks of long
  text.
* Each unit carries its katakana reading (when it has one), for the reading lexicon.

The Sudachi dictionary is created lazily, once per process, and never pickled.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator

from .text import SENTENCE_END, replace_surrogates

#: Sudachi refuses input longer than this many UTF-8 bytes.
SUDACHI_MAX_BYTES = 49_149
#: Chunks are cut well below the limit, at sentence ends where possible.
CHUNK_BYTES = 32_000

# Top-level parts of speech that never become terms.
_DROPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白"})
_SOFT_BREAK = re.compile(r"[、，,\s]")
# The conjugation forms (last part of speech field) written as the dictionary form: none (a word
# that does not inflect), and the plain end and attributive forms.
_DICTIONARY_FORMS = frozenset({"*", "終止形-一般", "連体形-一般"})
# Sudachi gives unknown words ids from this value up.
_OOV_WORD_ID = 0xF000_0000
_KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc\u30fd\u30fe]+$")
_HIRAGANA_TO_KATAKANA = {c: c + 0x60 for c in range(0x3041, 0x3097)}

#: Entries each per-process cache of :class:`Morphology` may hold (past it, results are computed
#: afresh each time, so memory stays bounded whatever a process is asked to analyse).
CACHE_ENTRIES = 500_000

# Unit kinds: a C unit that is also its own A unit, a C unit that splits, an A unit of a split
# C unit.
WHOLE, COMPOUND, PART = "W", "C", "A"


#: One analysed unit of text, a plain tuple (built in the hot loop of :meth:`Morphology._analyse`):
#: position, start and end character, term, katakana reading (or None), and kind.
Unit = tuple[int, int, int, str, str | None, str]


def fold(text: str) -> str:
    """NFKC and lower case: the last step of every term."""
    return unicodedata.normalize("NFKC", text).lower()


def to_katakana(text: str) -> str:
    """Fold ``text`` (NFKC) and turn its hiragana into katakana."""
    return unicodedata.normalize("NFKC", text).translate(_HIRAGANA_TO_KATAKANA)


def is_kana(text: str) -> bool:
    """True when ``text`` (after folding to katakana) is only katakana and the long-vowel mark."""
    return bool(_KATAKANA.match(to_katakana(text)))


def split_chunks(text: str, limit: int = CHUNK_BYTES) -> Iterator[tuple[int, str]]:
    """Yield ``(offset, chunk)`` pieces of ``text``, each at most ``limit`` UTF-8 bytes.

    Pieces end at a sentence end (。！？ or a line break) where one is in reach, else at a comma or
    space, else anywhere. Joined together they are ``text`` again.
    """
    start = 0
    n = len(text)
    while start < n:
        # At most 4 bytes a character: limit // 4 characters always fit.
        end = start + limit // 4
        if end >= n:
            yield start, text[start:]
            return
        # Grow the window while it still fits (Japanese is mostly 3 bytes a character).
        while end < n and len(text[start : min(n, end + 2048)].encode("utf-8")) <= limit:
            end = min(n, end + 2048)
        if end >= n:
            yield start, text[start:]
            return
        window = text[start:end]
        cut = _last_match(SENTENCE_END, window) or _last_match(_SOFT_BREAK, window) or len(window)
        yield start, text[start : start + cut]
        start += cut


def _last_match(pattern: re.Pattern[str], window: str) -> int:
    last = 0
    for m in pattern.finditer(window, len(window) // 2):
        last = m.end()
    return last


class Morphology:
    """Sudachi, wrapped: text in, :data:`Unit` tuples out. One instance per process."""

    def __init__(self, dict_name: str = "core") -> None:
        from sudachipy import Dictionary, SplitMode

        self._dictionary = Dictionary(dict=dict_name)
        self._mode_a = SplitMode.A
        # Only the word fields the analysis reads are loaded (Sudachi's field subsetting).
        self._tokenizer = self._dictionary.tokenizer(
            SplitMode.C, fields={"pos", "normalized_form", "reading_form", "split_a"}
        )
        # Sudachi's own test of a part of speech, over the dictionary's part-of-speech table.
        self._dropped = self._dictionary.pos_matcher(lambda pos: pos[0] in _DROPPED_POS)
        self._terms: dict[str, str] = {}
        self._words: dict[int, tuple] = {}
        self._unknown: dict[tuple[int, str], tuple] = {}
        self._readings: dict[str, str | None] = {}
        # Descriptions with readings that did not fit in the caches above, kept (up to a bound)
        # only for reading_pairs().
        self._uncached: set[tuple] = set()
        self._cache: OrderedDict[str, list[Unit]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dictionary(self):
        """The Sudachi dictionary (for :mod:`search.intent`, which reads parts of speech)."""
        return self._dictionary

    def units(self, text: str) -> list[Unit]:
        """Analyse ``text``; the last few results are cached, so callers that ask twice share one
        run. The list is shared: callers read it and never change it."""
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
            units = self._analyse(text)
            self._cache[text] = units
            if len(self._cache) > 4:
                self._cache.popitem(last=False)
            return units

    def _analyse(self, text: str) -> list[Unit]:
        text = replace_surrogates(text)
        out: list = []
        append = out.append
        words = self._words
        describe = self._describe
        tokenize = self._tokenizer.tokenize
        # One MorphemeList reused for every chunk: each chunk is consumed before the next.
        morphemes = tokenize("")
        pos = 0
        for offset, chunk in split_chunks(text):
            # Sudachi's morphemes tile the chunk, so each one begins where the last one ended.
            begin = offset
            for m in tokenize(chunk, out=morphemes):
                end = offset + m.end()
                word_id = m.word_id()
                entry = words.get(word_id)
                # A compound's part offsets are cached by length: the same word id and length
                # means the same surface up to width and case folding.
                if entry is None or (entry[0] is not None and entry[0] != end - begin):
                    entry = describe(m, word_id)
                whole = entry[2]
                if whole is None:
                    begin = end
                    continue  # dropped: particle, auxiliary verb, punctuation, space
                shape = entry[1]
                if shape is None:
                    append((pos, begin, end, whole[0], whole[1], WHOLE))
                    pos += 1
                    begin = end
                    continue
                append((pos, begin, end, whole[0], whole[1], COMPOUND))
                for start, stop, part_term, part_reading in shape:
                    append((pos, begin + start, begin + stop, part_term, part_reading, PART))
                    pos += 1
                begin = end
        return out

    def _describe(self, m, word_id: int) -> tuple:
        """The cached description of a morpheme whose word id missed the fast path.

        Dictionary words are cached by word id. Unknown words (numbers, names, Latin words) get a
        fresh id in every text, so they are cached by part of speech and surface, which decide
        their description."""
        if word_id < _OOV_WORD_ID:
            return self._store(self._words, word_id, self._compute(m))
        key = (m.part_of_speech_id(), m.surface())
        entry = self._unknown.get(key)
        return self._store(self._unknown, key, self._compute(m)) if entry is None else entry

    def _store(self, cache: dict, key, entry: tuple) -> tuple:
        """Put a new description into ``cache`` while it has room; else keep it for
        :meth:`reading_pairs` only if it carries a reading, within the same bound, so a
        long-running process that analyses arbitrary input cannot grow without end (past the
        bound, over a million distinct words, pairs are lost). Returns ``entry``."""
        if len(cache) < CACHE_ENTRIES:
            cache[key] = entry
        elif (
            len(self._uncached) < CACHE_ENTRIES
            and entry[2] is not None
            and (entry[2][1] or any(part[3] for part in entry[1] or ()))
        ):
            self._uncached.add(entry)
        return entry

    def reading_pairs(self) -> set[tuple[str, str]]:
        """``(katakana reading, term)`` of every unit this process has analysed so far (and
        perhaps of a few more: see :mod:`search.readings`). Read from the description caches, so
        indexing pays nothing per unit for it."""
        with self._lock:
            entries = [*self._words.values(), *self._unknown.values(), *self._uncached]
        pairs = set()
        for _length, shape, whole in entries:
            if whole is None:
                continue
            if whole[1]:
                pairs.add((whole[1], whole[0]))
            for _start, _stop, term, reading in shape or ():
                if reading:
                    pairs.add((reading, term))
        return pairs

    def _compute(self, m) -> tuple:
        """``(length, parts or None, (term, reading) or None)`` for one morpheme."""
        if self._dropped(m) and not _keep_unknown(m):
            return (None, None, None)
        whole = (self._term(m.normalized_form()), self._word_reading(m))
        begin = m.begin()
        if m.end() - begin < 2:
            return (None, None, whole)
        parts = [a for a in m.split(self._mode_a, add_single=False) if not self._dropped(a)]
        if len(parts) < 2:
            return (None, None, whole)
        shape = tuple(
            (
                a.begin() - begin,
                a.end() - begin,
                self._term(a.normalized_form()),
                self._word_reading(a),
            )
            for a in parts
        )
        return (m.end() - begin, shape, whole)

    def _term(self, normalized: str) -> str:
        term = self._terms.get(normalized)
        if term is None:
            term = fold(normalized)
            if len(self._terms) < CACHE_ENTRIES:
                self._terms[normalized] = term
        return term

    def _word_reading(self, m) -> str | None:
        """The katakana reading of a morpheme, when it is a reading of its term: an inflected
        form other than the dictionary form (し of 為る, 行っ of 行く) reads as something else
        than the word, so it has none."""
        if m.part_of_speech()[5] not in _DICTIONARY_FORMS:
            return None
        return self._reading(m.reading_form())

    def _reading(self, reading: str) -> str | None:
        try:
            return self._readings[reading]
        except KeyError:
            kana = to_katakana(reading)
            value = kana if _KATAKANA.match(kana) else None
            if len(self._readings) < CACHE_ENTRIES:
                self._readings[reading] = value
            return value


def _keep_unknown(m) -> bool:
    """An unknown word in a dropped class stays if it holds anything but punctuation and space."""
    if not m.is_oov():
        return False
    return any(c != "\ufffd" and unicodedata.category(c)[0] not in "PZC" for c in m.surface())


_MORPHOLOGY: Morphology | None = None
_MORPHOLOGY_LOCK = threading.Lock()


def morphology() -> Morphology:
    """The process-wide :class:`Morphology`, created on first use."""
    global _MORPHOLOGY
    if _MORPHOLOGY is None:
        with _MORPHOLOGY_LOCK:
            if _MORPHOLOGY is None:
                _MORPHOLOGY = Morphology()
    return _MORPHOLOGY
