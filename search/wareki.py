"""和暦 and 西暦 as one year: the other spellings of a year written in a query word.

Japanese policy texts name years both ways: 令和6年度, R6年度, 令和六年度, 2024年度, ２０２４年度.
The index keeps each as written (Sudachi already folds 六 → 6 and ２ → 2 into the same term), so a
query word that names a year is searched in every spelling of that year instead
(:func:`alternatives`, used by the query compiler next to synonyms). That touches no index format,
works on any backend that evaluates plans, and highlights what each post wrote, since every
spelling is its own term sequence.

年 (calendar year) and 年度 (fiscal year, April to March) stay distinct: 令和6年 becomes 2024年,
never 2024年度. An era year without a suffix (R6, 令和6) stands for either, so it becomes the
western year with each suffix. 2019 is both 平成31年 and 令和元年 (the era changed on 1 May), and
1989 both 昭和64年 and 平成元年.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: (name, abbreviation, first western year, last western year)
ERAS = (("令和", "R", 2019, 9999), ("平成", "H", 1989, 2019), ("昭和", "S", 1926, 1989))
_BY_NAME = {name: (first, last) for name, _, first, last in ERAS}
_BY_LETTER = {letter: name for name, letter, _, _ in ERAS}
_ABBREV = {name: letter for name, letter, _, _ in ERAS}

#: Western years outside this range are not treated as years.
FIRST_YEAR, LAST_YEAR = 1926, 2100

_DIGITS = "0-9０-９"
_KANJI = "〇一二三四五六七八九十百"
_NUMBER = rf"元|[{_DIGITS}]{{1,3}}|[{_KANJI}]{{1,4}}"
# An era year: 令和6年度, 令和元年, 平成三十年, R6年度, Ｈ３０, r1. A letter must not be part of a
# longer Latin word (COVR6 is not a year).
_ERA = re.compile(
    rf"(?:(?P<name>令和|平成|昭和)|(?<![A-Za-zＡ-Ｚａ-ｚ])(?P<letter>[RHSrhsＲＨＳｒｈｓ]))"
    rf"(?P<n>{_NUMBER})(?![{_DIGITS}])(?P<suffix>年度|年|(?![A-Za-zＡ-Ｚａ-ｚ]))"
)
# A western year with its suffix: 2024年度, ２０２０年.
_WESTERN = re.compile(rf"(?<![{_DIGITS}])(?P<y>[{_DIGITS}]{{4}})(?P<suffix>年度|年)")

_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


@dataclass(frozen=True)
class YearMention:
    """A year named in a text: ``text[start:end]``, western ``year``, ``suffix`` (年, 年度 or
    empty when the text leaves it open)."""

    start: int
    end: int
    year: int
    suffix: str


def kanji_number(text: str) -> int | None:
    """1–999 written in kanji (三十一, 百二, 二〇), or None."""
    if all(c in _KANJI_DIGITS for c in text):
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, current = 0, 0
    for c in text:
        if c in _KANJI_DIGITS:
            current = _KANJI_DIGITS[c]
        elif c in "十百":
            total += (current or 1) * (10 if c == "十" else 100)
            current = 0
        else:
            return None
    return total + current or None


def _era_number(text: str) -> int | None:
    if text == "元":
        return 1
    if text[0] in _KANJI:
        return kanji_number(text)
    return int(unicodedata.normalize("NFKC", text))


def mentions(text: str) -> list[YearMention]:
    """The years ``text`` names, in order (an era year out of its era's range is skipped)."""
    found = []
    for m in _ERA.finditer(text):
        name = (
            m.group("name") or _BY_LETTER[unicodedata.normalize("NFKC", m.group("letter")).upper()]
        )
        if (
            m.group("letter")
            and not m.group("suffix")
            and not (m.group("n")[0].isdigit() or m.group("n") == "元")
        ):
            continue  # R六 without 年 is not a year anyone writes
        n = _era_number(m.group("n"))
        first, last = _BY_NAME[name]
        if n is None or n < 1 or first + n - 1 > min(last, LAST_YEAR):
            continue
        found.append(YearMention(m.start(), m.end(), first + n - 1, m.group("suffix") or ""))
    for m in _WESTERN.finditer(text):
        year = int(unicodedata.normalize("NFKC", m.group("y")))
        if FIRST_YEAR <= year <= LAST_YEAR and not any(f.start <= m.start() < f.end for f in found):
            found.append(YearMention(m.start(), m.end(), year, m.group("suffix")))
    return sorted(found, key=lambda f: f.start)


def era_years(year: int) -> list[tuple[str, int]]:
    """``(era, n)`` for each era holding western ``year``, newest era first (2019 →
    令和1, 平成31)."""
    return [(name, year - first + 1) for name, _, first, last in ERAS if first <= year <= last]


def era_label(year: int, suffix: str) -> str:
    """The 和暦 spelling government documents use: 令和元年度, 平成30年; both eras for a year of
    two (2019年 → 平成31年・令和元年), oldest first."""
    names = [f"{era}{'元' if n == 1 else n}{suffix}" for era, n in reversed(era_years(year))]
    return "・".join(names)


def spellings(year: int, suffix: str) -> list[str]:
    """Every spelling of ``year`` with ``suffix`` the search uses: 2024年度, 令和6年度, R6年度
    (and 令和元年度 beside 令和1年度). Kanji and full-width numerals need no spelling of their
    own: the analyzer folds them into the same terms."""
    out = [f"{year}{suffix}"]
    for era, n in era_years(year):
        if n == 1:
            out.append(f"{era}元{suffix}")
        out.append(f"{era}{n}{suffix}")
        out.append(f"{_ABBREV[era]}{n}{suffix}")
    return out


def alternatives(text: str) -> list[str]:
    """``text`` with each year it names spelled the other ways (one year at a time), without
    ``text`` itself. An era year without 年/年度 becomes the western year with each suffix."""
    out: list[str] = []
    for m in mentions(text):
        head, tail = text[: m.start], text[m.end :]
        if m.suffix:
            forms = spellings(m.year, m.suffix)
        else:
            forms = [f"{m.year}年", f"{m.year}年度"] + [
                f for f in spellings(m.year, "") if not f.isdigit()
            ]
        for form in forms:
            alt = head + form + tail
            if alt != text and alt not in out:
                out.append(alt)
    return out


def other_suffix(text: str) -> list[str]:
    """``text`` with 年 and 年度 swapped on each year it names (for "did you mean")."""
    out = []
    for m in mentions(text):
        if not m.suffix:
            continue
        written = text[m.start : m.end]
        swapped = written[:-2] + "年" if m.suffix == "年度" else written + "度"
        out.append(text[: m.start] + swapped + text[m.end :])
    return out
