"""The query language: a small tolerant parser, and a compiler to Whoosh queries.

Syntax (full-width spaces, parentheses, quotes, colons and minus signs work like their ASCII
forms)::

    介護 人材            both words (AND); words are separated by any space, U+3000 included
    介護 OR 福祉         either word; OR binds looser than AND
    介護 -施設           without 施設; ``NOT 施設`` is the same
    (介護 OR 福祉) 人材  grouping
    "生涯活躍のまち"     a phrase; 「生涯活躍のまち」 and 『…』 too
    title:介護           only in titles; ``title:(a OR b)``, ``title:"…"`` also work
    category:子ども      posts of that category (the exact category name)

Every string parses. Unbalanced quotes run to the end; an unclosed ``(`` closes at the end and a
stray ``)`` is ignored; an operator with nothing to act on (``OR`` alone, a trailing ``NOT``,
``title:`` with nothing after it) is dropped; control characters separate words. What is left may
search for nothing (only particles, say): the compiled query is then None and the search finds no
posts. Nesting deeper than :data:`MAX_DEPTH` parentheses is flattened. More than
:data:`MAX_WORDS` words is refused with :class:`~search.request.QueryError`.

Compiling a word (see docs/search.md): the word is analysed by the same analyzer as the index; its
A-level units (unit ``W`` or ``A``) form a phrase (one unit: a term) on ``title`` (boosted by
``Settings.title_boost``) and ``body``; C units that split add score without being required. A
kana-only word is also folded to katakana and segmented against the reading fields' lexicon into
the fewest known readings, searched as a phrase on ``title_yomi``/``body_yomi`` (weighted by
``Settings.reading_boost``). Synonyms of the word, or of one of its C units, are OR-ed in.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Union

from whoosh.matching import AndNotMatcher
from whoosh.query import And, AndMaybe, AndNot, Every, Or, Phrase, Query, Term

from .analysis import is_kana, japanese_analyzer, to_katakana
from .config import Settings
from .request import QueryError
from .synonyms import Synonyms

#: Deeper parentheses are read as plain separators.
MAX_DEPTH = 16
#: A query of more words is refused (HTTP 400).
MAX_WORDS = 64
#: Kana words longer than this skip the reading path (its segmentation is quadratic).
MAX_KANA_CHARS = 32
#: At most this many synonym alternatives are added for one word.
MAX_ALTERNATIVES = 8

TEXT_FIELDS = ("title", "body")
READING_FIELDS = {"title": "title_yomi", "body": "body_yomi"}

_OPEN = {"(": ")", "（": "）"}
_CLOSE = frozenset(")）")
_QUOTES = {'"': '"＂”“', "＂": '"＂”“', "“": '"＂”“', "”": '"＂”“', "「": "」", "｢": "｣", "『": "』"}
_QUOTE_CHARS = frozenset(_QUOTES) | frozenset("」｣』")
_MINUS = frozenset("-－−")
_FIELDS = ("title", "category")
_SEPARATORS = frozenset("\u200b\ufeff")


# --- syntax tree -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Word:
    """A word or a quoted phrase; ``field`` is None (title and body), ``title`` or ``category``."""

    text: str
    field: str | None = None
    quoted: bool = False


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class All:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Any:
    children: tuple["Node", ...]


Node = Union[Word, Not, All, Any]


# --- tokens ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Tok:
    kind: str  # "(" ")" "OR" "AND" "NOT" "FIELD" "WORD" "PHRASE"
    text: str = ""


def _is_separator(c: str) -> bool:
    return c.isspace() or c in _SEPARATORS or unicodedata.category(c) == "Cc"


def tokenize(text: str) -> list[_Tok]:
    """Split a query string into tokens; never fails."""
    s = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    out: list[_Tok] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if _is_separator(c):
            i += 1
        elif c in _OPEN:
            out.append(_Tok("("))
            i += 1
        elif c in _CLOSE:
            out.append(_Tok(")"))
            i += 1
        elif c in _QUOTES:
            closers = _QUOTES[c]
            j = i + 1
            while j < n and s[j] not in closers:
                j += 1
            out.append(_Tok("PHRASE", s[i + 1:j]))
            i = j + 1
        elif c in _QUOTE_CHARS:
            i += 1  # a closing quote with no opening one
        elif (c in _MINUS and i + 1 < n and not _is_separator(s[i + 1])
              and s[i + 1] not in _CLOSE and s[i + 1] not in _MINUS):
            out.append(_Tok("NOT"))
            i += 1
        else:
            j = i
            while j < n and not _is_separator(s[j]) and s[j] not in _OPEN and s[j] not in _CLOSE \
                    and s[j] not in _QUOTE_CHARS:
                j += 1
            out.extend(_word_tokens(s[i:j]))
            i = j
    return out


def _word_tokens(word: str) -> list[_Tok]:
    folded = unicodedata.normalize("NFKC", word)
    if folded in ("OR", "AND", "NOT"):
        return [_Tok(folded)]
    colon = folded.find(":")
    if colon > 0 and folded[:colon].lower() in _FIELDS:
        # NFKC keeps these ASCII letters one for one, so the colon sits at the same index.
        rest = word[colon + 1:]
        return [_Tok("FIELD", folded[:colon].lower())] + ([_Tok("WORD", rest)] if rest else [])
    return [_Tok("WORD", word)]


# --- parser ------------------------------------------------------------------------------------

class _Parser:
    def __init__(self, tokens: list[_Tok]) -> None:
        self.toks = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.toks[self.i].kind if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        parts = []
        while self.peek() is not None:
            node = self.parse_or()
            if node is not None:
                parts.append(node)
            if self.peek() == ")":
                self.take()  # a stray closing parenthesis
        return _all(parts)

    def parse_or(self) -> Node | None:
        options = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            options.append(self.parse_and())
        options = [o for o in options if o is not None]
        if not options:
            return None
        return options[0] if len(options) == 1 else Any(tuple(options))

    def parse_and(self) -> Node | None:
        parts = []
        while self.peek() not in (None, ")", "OR"):
            node = self.parse_unary()
            if node is not None:
                parts.append(node)
        return _all(parts)

    def parse_unary(self) -> Node | None:
        negate = False
        while self.peek() == "NOT":
            self.take()
            negate = not negate
        node = self.parse_primary()
        if node is None:
            return None
        return Not(node) if negate else node

    def parse_primary(self, field: str | None = None) -> Node | None:
        kind = self.peek()
        if kind is None or kind in (")", "OR"):
            return None
        tok = self.take()
        if tok.kind == "(":
            if self.depth >= MAX_DEPTH:
                return None  # too deep: the parenthesis is only a separator
            self.depth += 1
            inner = self.parse_or()
            self.depth -= 1
            if self.peek() == ")":
                self.take()
            return _with_field(inner, field)
        if tok.kind == "FIELD":
            if self.peek() in ("WORD", "PHRASE", "("):
                return self.parse_primary(field or tok.text)
            return None
        if tok.kind == "WORD":
            return Word(tok.text, field)
        if tok.kind == "PHRASE":
            return Word(tok.text, field, quoted=True) if tok.text.strip() else None
        if tok.kind == "NOT":  # NOT right after a field prefix: title:-word
            node = self.parse_primary(field)
            return Not(node) if node is not None else None
        return None  # AND: implicit anyway


def _all(parts: list[Node]) -> Node | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def _with_field(node: Node | None, field: str | None) -> Node | None:
    if node is None or field is None:
        return node
    if isinstance(node, Word):
        return node if node.field else Word(node.text, field, node.quoted)
    if isinstance(node, Not):
        return Not(_with_field(node.child, field))
    children = tuple(_with_field(c, field) for c in node.children)
    return All(children) if isinstance(node, All) else Any(children)


def parse(text: str) -> Node | None:
    """The syntax tree of a query string, or None when it holds nothing to search for."""
    tree = _Parser(tokenize(text)).parse()
    if tree is not None and _count_words(tree) > MAX_WORDS:
        raise QueryError("too_many_words", f"a query may have at most {MAX_WORDS} words", "q")
    return tree


def _count_words(node: Node) -> int:
    if isinstance(node, Word):
        return 1
    if isinstance(node, Not):
        return _count_words(node.child)
    return sum(_count_words(c) for c in node.children)


# --- compiler: the exclusion fix, then the compiler -----------------------------------------

class _AndNotMatcher(AndNotMatcher):
    """Whoosh 2.7.5's AndNotMatcher only skips excluded documents at the start when both sides
    begin on the same document; when the exclusion starts earlier, a first document it should
    remove slips through (``(a OR b) -(c OR d)``). Always align the two sides first."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class Without(AndNot):
    """``a`` without the documents of ``b`` (AndNot with :class:`_AndNotMatcher`)."""

    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(scored, excluded)


# The compiler proper.

@dataclass
class CompiledQuery:
    """A Whoosh query (None: nothing to search for) and what to highlight: for each field
    (``title``, ``body``, ``title_yomi``, ``body_yomi``) the term sequences of positive words."""

    query: Query | None
    marks: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)


class QueryCompiler:
    """Turns syntax trees into Whoosh queries for one reader (its lexicon guides readings)."""

    def __init__(self, settings: Settings, synonyms: Synonyms) -> None:
        self.settings = settings
        self.synonyms = synonyms
        self._analyzer = japanese_analyzer()

    def compile(self, tree: Node | None, reader) -> CompiledQuery:
        out = CompiledQuery(None)
        if tree is not None:
            out.query = self._node(tree, reader, out.marks, positive=True)
        return out

    def _node(self, node: Node, reader, marks, positive: bool) -> Query | None:
        if isinstance(node, Word):
            return self._word(node, reader, marks if positive else None)
        if isinstance(node, Not):
            inner = self._node(node.child, reader, marks, not positive)
            return None if inner is None else Without(Every(), inner)
        if isinstance(node, Any):
            options = [q for c in node.children if (q := self._node(c, reader, marks, positive))]
            if not options:
                return None
            return options[0] if len(options) == 1 else Or(options)
        # All: required parts, minus the negated ones
        required, excluded = [], []
        for child in node.children:
            if isinstance(child, Not):
                q = self._node(child.child, reader, marks, not positive)
                if q is not None:
                    excluded.append(q)
            else:
                q = self._node(child, reader, marks, positive)
                if q is not None:
                    required.append(q)
        if not required and not excluded:
            return None
        base = Every() if not required else required[0] if len(required) == 1 else And(required)
        if not excluded:
            return base
        return Without(base, excluded[0] if len(excluded) == 1 else Or(excluded))

    def _word(self, word: Word, reader, marks) -> Query | None:
        if word.field == "category":
            value = word.text.strip()
            return Term("category", value) if value else None
        fields = ("title",) if word.field == "title" else TEXT_FIELDS
        texts = [word.text]
        if not word.quoted:
            texts += self._alternatives(word.text)
        options = [q for t in texts if (q := self._one_word(t, fields, reader, marks))]
        if not options:
            return None
        return options[0] if len(options) == 1 else Or(options)

    def _analyse(self, text: str) -> list:
        return [(t.text, t.unit, t.startchar, t.endchar)
                for t in self._analyzer(text, mode="query", chars=True)]

    def _alternatives(self, text: str) -> list[str]:
        """Synonyms of the word, and the word with one C-level unit replaced by a synonym."""
        out: list[str] = list(self.synonyms.expand(text))
        units = self._analyse(text)
        for term, unit, start, end in units:
            if unit == "A":
                continue
            surface = text[start:end]
            if surface == text:
                continue
            for other in self.synonyms.expand(surface) or self.synonyms.expand(term):
                out.append(text[:start] + other + text[end:])
        unique = []
        for alt in out:
            if alt != text and alt not in unique:
                unique.append(alt)
        return unique[:MAX_ALTERNATIVES]

    def _one_word(self, text: str, fields: tuple[str, ...], reader, marks) -> Query | None:
        units = self._analyse(text)
        sequence = tuple(term for term, unit, _, _ in units if unit != "C")
        compounds = [term for term, unit, _, _ in units if unit == "C"]
        kana = is_kana(text)
        text_fields = fields
        if kana and _drops_pieces(text, units):
            # Sudachi cut the bare kana into nonsense and dropped some of it: the body would
            # match stray pieces, so only the reading path (and the short title) remain.
            text_fields = tuple(f for f in fields if f != "body")
        options: list[Query] = []
        if sequence:
            for f in text_fields:
                boost = self.settings.title_boost if f == "title" else 1.0
                core = _sequence_query(f, sequence, boost)
                if compounds:
                    core = AndMaybe(core, Or([Term(f, c, boost=boost) for c in compounds])
                                    if len(compounds) > 1 else Term(f, compounds[0], boost=boost))
                options.append(core)
                if marks is not None:
                    marks.setdefault(f, set()).add(sequence)
        if kana:
            katakana = to_katakana(text).strip()
            if 0 < len(katakana) <= MAX_KANA_CHARS:
                for f in fields:
                    yomi = READING_FIELDS[f]
                    boost = self.settings.reading_boost * (
                        self.settings.title_boost if f == "title" else 1.0)
                    for pieces in segment_reading(katakana, yomi, reader):
                        options.append(_sequence_query(yomi, pieces, boost))
                        if marks is not None:
                            marks.setdefault(yomi, set()).add(pieces)
        if not options:
            return None
        return options[0] if len(options) == 1 else Or(options)


def _sequence_query(field: str, terms: tuple[str, ...], boost: float) -> Query:
    if len(terms) == 1:
        return Term(field, terms[0], boost=boost)
    return Phrase(field, list(terms), boost=boost)


def _drops_pieces(text: str, units: list) -> bool:
    """True when the analysis left characters of ``text`` (other than spaces) uncovered."""
    covered = [False] * len(text)
    for _, _, start, end in units:
        for k in range(start, min(end, len(text))):
            covered[k] = True
    return any(not covered[k] and not text[k].isspace() for k in range(len(text)))


def segment_reading(katakana: str, field: str, reader) -> list[tuple[str, ...]]:
    """Ways to write ``katakana`` as readings that occur in ``field``: the one with the fewest
    pieces, and when that is a single reading (a compound's), also the fewest with two or more
    pieces (its parts, as a longer compound in another post indexes them). Empty when none."""
    n = len(katakana)
    known: dict[tuple[int, int], bool] = {}

    def has(i: int, j: int) -> bool:
        key = (i, j)
        if key not in known:
            known[key] = (field, katakana[i:j]) in reader
        return known[key]

    def best(max_len: int) -> tuple[str, ...] | None:
        # cost[i]: fewest pieces for katakana[i:]; choice[i]: end of the first piece
        cost = [0] * (n + 1)
        choice = [0] * (n + 1)
        inf = n + 1
        for i in range(n - 1, -1, -1):
            cost[i] = inf
            for j in range(min(n, i + max_len), i, -1):
                if cost[j] + 1 < cost[i] and has(i, j):
                    cost[i] = cost[j] + 1
                    choice[i] = j
        if cost[0] >= inf:
            return None
        pieces, i = [], 0
        while i < n:
            pieces.append(katakana[i:choice[i]])
            i = choice[i]
        return tuple(pieces)

    out = []
    whole = best(n)
    if whole is not None:
        out.append(whole)
        if len(whole) == 1 and n > 1:
            parts = best(n - 1)
            if parts is not None:
                out.append(parts)
    return out
