"""The reading lexicon of a generation: which terms each katakana reading stands for.

A kana-only query word (わじまし) is matched through readings: Sudachi reads 輪島市 as ワジマシ,
and its A units 輪島 and 市 as ワジマ and シ. Rather than index the reading of every unit as
fields of their own (which cost a fifth of the indexing work), each generation keeps one small
file, ``readings.json``, that maps each reading to the terms (normalized forms, as the ``title``
and ``body`` fields hold them) that Sudachi gave that reading. The query compiler segments the
katakana into known readings and searches the terms behind them, at consecutive positions, on
the text fields themselves (:class:`search.plan.Spelled`).

What the lexicon lists is a fact about the dictionary, not about any one post: "term T can be
read R". Writers take the pairs from :meth:`search.analysis.Morphology.reading_pairs`, which
holds those of every text the writing process analysed: at least the generation's posts, maybe a
few more. A pair whose term no post holds finds nothing, and the compiler only counts readings
whose terms the field holds. Pairs are never removed when posts are (``update`` carries them
over), for the same reason. A generation without the file (an index written by hand) has an
empty lexicon: kana words are then searched as Sudachi analyses them, without readings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .store import GenerationFile

READINGS_NAME = "readings.json"


class ReadingLexicon(GenerationFile):
    """``reading -> terms``, read-only once made; kept with a generation as ``readings.json``."""

    __slots__ = ("_terms",)
    NAME = READINGS_NAME

    def __init__(self, terms: dict[str, tuple[str, ...]] | None = None) -> None:
        self._terms = terms or {}

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> ReadingLexicon:
        """The lexicon of ``(reading, term)`` pairs."""
        grouped: dict[str, set[str]] = {}
        for reading, term in pairs:
            grouped.setdefault(reading, set()).add(term)
        return cls({reading: tuple(sorted(terms)) for reading, terms in grouped.items()})

    def pairs(self) -> set[tuple[str, str]]:
        return {(reading, term) for reading, terms in self._terms.items() for term in terms}

    def merged(self, pairs: Iterable[tuple[str, str]]) -> ReadingLexicon:
        """This lexicon with ``pairs`` added."""
        return ReadingLexicon.from_pairs([*self.pairs(), *pairs])

    def terms(self, reading: str) -> tuple[str, ...]:
        """The terms read as ``reading`` (sorted), or ``()``."""
        return self._terms.get(reading, ())

    def __len__(self) -> int:
        """The number of readings."""
        return len(self._terms)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReadingLexicon) and other._terms == self._terms

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_json(cls, data: Any) -> ReadingLexicon | None:
        if not isinstance(data, dict):
            return None
        return cls(
            {
                reading: tuple(terms)
                for reading, terms in data.items()
                if isinstance(reading, str)
                and isinstance(terms, list)
                and all(isinstance(t, str) for t in terms)
            }
        )

    def dumps(self) -> bytes:
        """The lexicon as the bytes of a ``readings.json`` file (kept with a generation through
        :meth:`search.backend.WriteSession.put_file`)."""
        data = {reading: list(self._terms[reading]) for reading in sorted(self._terms)}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
