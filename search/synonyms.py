"""Synonym groups in Sudachi's synonym dictionary format, for expansion at query time.

The format (see SudachiDict's ``synonyms.txt``): one CSV line per word, groups separated by blank
lines. Field 0 is the group number, field 2 the expansion flag (0 = expands and is expanded to,
1 = only expanded to, 2 = never used), field 8 the headword. Lines starting with ``#`` are comments.

Expansion happens when a query is compiled, so a changed list needs no reindex.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .analysis import fold

#: The project's own hand-written list of government abbreviations, shipped with the package.
BUILTIN = "builtin"


class SynonymFormatError(ValueError):
    """A line of a synonym file that does not follow the format; says where."""


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]  # every usable headword of the group
    triggers: frozenset[str]  # headwords that start an expansion (flag 0)


class Synonyms:
    """Headword → other headwords of its groups. Keys and values are folded (NFKC, lower case)."""

    def __init__(self, groups: list[_Entry] | None = None) -> None:
        self._map: dict[str, tuple[str, ...]] = {}
        for entry in groups or []:
            self._add(entry)

    def _add(self, entry: _Entry) -> None:
        for word in entry.triggers:
            known = self._map.get(word, ())
            extra = tuple(w for w in entry.words if w != word and w not in known)
            if extra:
                self._map[word] = known + extra

    def __len__(self) -> int:
        return len(self._map)

    def expand(self, word: str) -> tuple[str, ...]:
        """Other words of the groups ``word`` triggers, or ``()``."""
        return self._map.get(fold(word), ())

    @classmethod
    def load(cls, sources: list[str | os.PathLike[str]]) -> Synonyms:
        """Read each source (a path, or :data:`BUILTIN`) and merge their groups."""
        synonyms = cls()
        for source in sources:
            if str(source) == BUILTIN:
                text = resources.files("search").joinpath("data/synonyms.txt").read_text("utf-8")
                name = "search/data/synonyms.txt"
            else:
                path = Path(source)
                text = path.read_text("utf-8")
                name = str(path)
            for entry in parse(text, name):
                synonyms._add(entry)
        return synonyms


def parse(text: str, name: str = "<synonyms>") -> list[_Entry]:
    """Parse a synonym file; raise :class:`SynonymFormatError` naming ``name:line`` on bad input."""
    groups: dict[str, tuple[list[str], set[str]]] = {}
    order: list[str] = []
    lines = text.splitlines()
    for lineno, row in enumerate(csv.reader(lines), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 9:
            raise SynonymFormatError(
                f"{name}:{lineno}: expected at least 9 comma-separated fields, got {len(row)}"
            )
        group, flag, headword = row[0].strip(), (row[2].strip() or "0"), row[8].strip()
        if not group or not headword:
            raise SynonymFormatError(
                f"{name}:{lineno}: group number and headword must not be empty"
            )
        if flag not in ("0", "1", "2"):
            raise SynonymFormatError(
                f"{name}:{lineno}: expansion flag must be 0, 1 or 2, got {flag!r}"
            )
        if flag == "2":
            continue
        if group not in groups:
            groups[group] = ([], set())
            order.append(group)
        words, triggers = groups[group]
        word = fold(headword)
        if word not in words:
            words.append(word)
        if flag == "0":
            triggers.add(word)
    return [_Entry(tuple(groups[g][0]), frozenset(groups[g][1])) for g in order]
