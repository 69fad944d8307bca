"""How a post becomes an OpenSearch document, and the index that holds them.

Analysis stays in Python (:mod:`search.analysis`): the cluster receives each text field as the
analyser's units, already analysed, and only has to put them at the right positions.

**Unit fields.** ``title`` and ``body`` are the unit terms joined by spaces, one whitespace token
per A-level position. Sudachi's C unit that splits sits at the position of its first A unit (see
:mod:`search.analysis`); that token is written ``C\\x01A`` and the index analyser (``units``)
turns it into two terms at one position with a ``multiplexer`` of two ``pattern_replace``
filters (the part before ``\\x01``, the part after it; identical results are merged). So every
term sits at exactly the position Whoosh gives it, in one field, and a phrase, a term or a
reading sequence matches the same posts on both backends. Other encodings were weighed: C units
in a second field joined by ``field_masking_span`` would turn every phrase into a span query
(slower, and a C term could not stand inside a plain ``match_phrase``); stop-word gaps only
lengthen increments, they cannot put two terms at one position.

Queries use ``query_units`` (the whitespace tokenizer alone): their terms are exact.

A term holding white space (or ``\\x01``) would break the encoding, so those characters are
replaced by ``␣`` on both sides (:func:`encode_term`); a term longer than :data:`MAX_TERM_CHARS`
is cut there on both sides (Lucene refuses terms over 32,766 UTF-8 bytes).

**Other fields.** ``id``, ``category``, ``month``: keywords (filters, aggregations, sorting; the
year and 年度 facets are sums of months); ``date``: a ``date``. The post as written (title, body,
url, tags, content hash, source key) is kept in ``stored``, and the character offsets of every
unit in ``offsets`` (both objects are ``enabled: false``: in ``_source``, not indexed), so
snippets are cut by :mod:`search.snippets` from the same offsets as on Whoosh, without analysing
again.
"""

from __future__ import annotations

from collections.abc import Sequence

from search.analysis import COMPOUND, Unit
from search.schema import Post

#: Separates a C unit from the A unit at its position inside one whitespace token.
JOIN = "\x01"
#: Stands for white space (and JOIN) inside a term.
SPACE = "\u2423"
#: Terms are cut to this many characters (4 UTF-8 bytes each at most: under Lucene's limit).
MAX_TERM_CHARS = 8000
TEXT_FIELDS = ("title", "body")

ANALYSIS = {
    "tokenizer": {
        "units": {"type": "whitespace", "max_token_length": 2 * MAX_TERM_CHARS + 2},
    },
    "filter": {
        "compound_unit": {
            "type": "pattern_replace",
            "pattern": "^([^\u0001]*)\u0001.*$",
            "replacement": "$1",
        },
        "part_unit": {"type": "pattern_replace", "pattern": "^[^\u0001]*\u0001", "replacement": ""},
        "both_units": {
            "type": "multiplexer",
            "filters": ["compound_unit", "part_unit"],
            "preserve_original": False,
        },
    },
    "analyzer": {
        "units": {"type": "custom", "tokenizer": "units", "filter": ["both_units"]},
        "query_units": {"type": "custom", "tokenizer": "units"},
    },
}

#: BM25 per unit field with the Whoosh backend's length normalisation (``B`` in
#: :mod:`search.backends.whoosh.engine`: titles 0.3, bodies 0.5; docs/search.md says why), so that
#: both backends weigh a long body alike; ``k1`` is OpenSearch's default.
SIMILARITY = {
    "title_bm25": {"type": "BM25", "k1": 1.2, "b": 0.3},
    "body_bm25": {"type": "BM25", "k1": 1.2, "b": 0.5},
}

MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "category": {"type": "keyword", "eager_global_ordinals": True},
        "date": {"type": "date", "format": "strict_date"},
        "month": {"type": "keyword", "eager_global_ordinals": True},
        "title": {
            "type": "text",
            "analyzer": "units",
            "search_analyzer": "query_units",
            "similarity": "title_bm25",
        },
        "body": {
            "type": "text",
            "analyzer": "units",
            "search_analyzer": "query_units",
            "similarity": "body_bm25",
        },
        "stored": {"type": "object", "enabled": False},
        "offsets": {"type": "object", "enabled": False},
    },
}


def index_body(shards: int, replicas: int, refresh_interval: str = "1s") -> dict:
    """Settings and mappings of a new posts index."""
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "refresh_interval": refresh_interval,
                "similarity": SIMILARITY,
            },
            "analysis": ANALYSIS,
        },
        "mappings": MAPPINGS,
    }


def encode_term(term: str) -> str:
    """A term as the index holds it (see the module docstring)."""
    if len(term) > MAX_TERM_CHARS:
        term = term[:MAX_TERM_CHARS]
    if not term:
        return SPACE
    if any(c.isspace() or c == JOIN for c in term):
        return "".join(SPACE if c.isspace() or c == JOIN else c for c in term)
    return term


def encode_units(units: Sequence[Unit]) -> tuple[str, list[int]]:
    """The unit field text of one text (one token per position) and the flat list of every unit's
    ``start, end`` characters in unit order (a C unit before the A unit it shares a position
    with)."""
    tokens: list[str] = []
    offsets: list[int] = []
    pending = None  # a C unit waiting for its first A unit
    for _pos, start, end, term, _reading, kind in units:
        offsets += (start, end)
        if kind == COMPOUND:
            pending = encode_term(term)
            continue
        if pending is not None:
            tokens.append(pending + JOIN + encode_term(term))
            pending = None
        else:
            tokens.append(encode_term(term))
    return " ".join(tokens), offsets


def decode_units(text: str, offsets: Sequence[int]) -> dict[str, list[tuple[int, int, int]]]:
    """``{term: [(position, start, end), ...]}`` of an encoded unit field (the inverse of
    :func:`encode_units`, terms as encoded)."""
    out: dict[str, list[tuple[int, int, int]]] = {}
    if not text:
        return out
    k = 0
    for position, token in enumerate(text.split(" ")):
        for term in token.split(JOIN):
            out.setdefault(term, []).append((position, offsets[k], offsets[k + 1]))
            k += 2
    return out


def find_term(text: str, offsets: Sequence[int], term: str) -> list[tuple[int, int, int]]:
    """``[(position, start, end), ...]`` of one encoded term in an encoded unit field: what
    ``decode_units(text, offsets).get(term, [])`` gives, found by scanning the text in C (a hit
    page asks for a few terms in long bodies; decoding every unit of them in Python costs more
    than the search)."""
    out: list[tuple[int, int, int]] = []
    if not text or not term:
        return out
    n, size = len(text), len(term)
    at = text.find(term)
    position = units = counted = 0  # spaces and JOINs counted in text[:counted]
    while at >= 0:
        end = at + size
        before = text[at - 1] if at else " "
        after = text[end] if end < n else " "
        if before in (" ", JOIN) and after in (" ", JOIN):
            position += text.count(" ", counted, at)
            units += text.count(JOIN, counted, at)
            counted = at
            k = position + units  # units before this one: one per earlier token, one per JOIN
            out.append((position, offsets[2 * k], offsets[2 * k + 1]))
        at = text.find(term, at + 1)
    return out


def document(
    post: Post, title: Sequence[Unit], body: Sequence[Unit], key: tuple | None = None
) -> dict:
    """The OpenSearch document of one analysed post."""
    title_units, title_offsets = encode_units(title)
    body_units, body_offsets = encode_units(body)
    date = post.date
    return {
        "id": post.id,
        "category": post.category,
        "date": date.isoformat(),
        "month": f"{date.year:04d}-{date.month:02d}",
        "title": title_units,
        "body": body_units,
        "stored": {
            "title": post.title,
            "body": post.body,
            "url": post.url,
            "tags": list(post.tags),
            "content_hash": post.content_hash(),
            "key": list(key) if key is not None else None,
        },
        "offsets": {"title": title_offsets, "body": body_offsets},
    }
