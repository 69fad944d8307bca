"""The query language: a small tokenizer and a tolerant recursive-descent parser.

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
``title:`` at the end) is dropped (``title: 介護`` reads as ``title:介護``); control characters
separate words. What is left may search for nothing (only particles, say): the compiled query is
then None and the search finds no posts. Nesting deeper than :data:`MAX_DEPTH` parentheses is
flattened. More than :data:`MAX_WORDS` words is refused with :class:`~search.request.QueryError`.

The syntax tree is compiled into a search plan by :mod:`search.plan`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .request import QueryError
from .text import replace_surrogates

#: Deeper parentheses are read as plain separators.
MAX_DEPTH = 16
#: A query of more words is refused (HTTP 400).
MAX_WORDS = 64

_OPEN = {"(": ")", "（": "）"}
_CLOSE = frozenset(")）")
_DOUBLE = '"＂”“'
_QUOTES = {
    '"': _DOUBLE,
    "＂": _DOUBLE,
    "“": _DOUBLE,
    "”": _DOUBLE,
    "「": "」",
    "｢": "｣",
    "『": "』",
}
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
    child: Node


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Any:
    children: tuple[Node, ...]


Node = Word | Not | All | Any


# --- tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # "(" ")" "OR" "AND" "NOT" "FIELD" "WORD" "PHRASE"
    text: str = ""


def _is_separator(c: str) -> bool:
    return c.isspace() or c in _SEPARATORS or unicodedata.category(c) == "Cc"


def tokenize(text: str) -> list[_Tok]:
    """Split a query string into tokens; never fails."""
    s = replace_surrogates(text)
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
            out.append(_Tok("PHRASE", s[i + 1 : j]))
            i = j + 1
        elif c in _QUOTE_CHARS:
            i += 1  # a closing quote with no opening one
        elif (
            c in _MINUS
            and i + 1 < n
            and not _is_separator(s[i + 1])
            and s[i + 1] not in _CLOSE
            and s[i + 1] not in _MINUS
        ):
            out.append(_Tok("NOT"))
            i += 1
        else:
            j = i
            while (
                j < n
                and not _is_separator(s[j])
                and s[j] not in _OPEN
                and s[j] not in _CLOSE
                and s[j] not in _QUOTE_CHARS
            ):
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
        rest = word[colon + 1 :]
        out = [_Tok("FIELD", folded[:colon].lower())]
        if len(rest) > 1 and rest[0] in _MINUS and rest[1] not in _MINUS:
            out.append(_Tok("NOT"))
            rest = rest[1:]
        return out + ([_Tok("WORD", rest)] if rest else [])
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
        found = [o for o in options if o is not None]
        if not found:
            return None
        return found[0] if len(found) == 1 else Any(tuple(found))

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
            if self.peek() in ("WORD", "PHRASE", "(", "NOT"):
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
    return _in_field(node, field)


def _in_field(node: Node, field: str) -> Node:
    if isinstance(node, Word):
        return node if node.field else Word(node.text, field, node.quoted)
    if isinstance(node, Not):
        return Not(_in_field(node.child, field))
    children = tuple(_in_field(c, field) for c in node.children)
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
