"""Whoosh with character bigrams: the classic CJK analysis of Lucene's CJKAnalyzer.

The tokenizer follows StandardTokenizer + CJKWidthFilter + LowerCaseFilter + CJKBigramFilter:
text is folded (NFKC, lower case; CJKWidthFilter folds width only, NFKC a little more), runs of
kanji, hiragana and katakana become overlapping bigrams (a lone CJK character stays a unigram),
runs of other letters and digits become words. Nothing else is dropped (no stop words). A query
word becomes the phrase of its tokens, in the title (boosted) or the body; words are ANDed.
"""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

from whoosh import index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import And, Or, Phrase, Term

from ..data import Doc
from .base import TITLE_BOOST, Engine, query_words

_CJK = "\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆"
_RUN = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")


class BigramTokenizer(Tokenizer):
    """CJK runs → bigrams, other letter/digit runs → words, on NFKC-folded lower-case text."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for m in _RUN.finditer(unicodedata.normalize("NFKC", value).lower()):
            run, start = m.group(), m.start()
            if m.group(1) and len(run) > 1:
                pieces = [(run[i:i + 2], start + i, start + i + 2) for i in range(len(run) - 1)]
            else:
                pieces = [(run, start, m.end())]
            for text, s, e in pieces:
                t.text = text
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = text
                if positions:
                    t.pos = pos
                if chars:
                    # Offsets into the folded text; nothing here highlights, so that is enough.
                    t.startchar, t.endchar = start_char + s, start_char + e
                pos += 1
                yield t


def bigrams(text: str) -> list[str]:
    return [t.text for t in BigramTokenizer()(text)]


class WhooshBigram(Engine):
    name = "whoosh-bigram"
    cost_hint = 16.0
    description = "Whoosh, CJK character bigrams (Lucene CJKBigramFilter style), phrase queries"

    def build(self, docs: list[Doc], directory: Path, shared: dict) -> dict[str, float]:
        analyzer = BigramTokenizer()
        schema = Schema(id=ID(stored=True), title=TEXT(analyzer=analyzer),
                        body=TEXT(analyzer=analyzer))
        start = time.perf_counter()
        ix = index.create_in(directory, schema)
        with ix.writer(limitmb=256) as writer:
            for d in docs:
                writer.add_document(id=d.id, title=d.title, body=d.body)
        seconds = time.perf_counter() - start
        self._ix = ix
        self._searcher = ix.searcher()
        return {"index": seconds}

    def query(self, q: str):
        clauses = []
        for word in query_words(q):
            tokens = bigrams(word)
            if not tokens:
                continue
            fields = []
            for field, boost in (("title", TITLE_BOOST), ("body", 1.0)):
                if len(tokens) == 1:
                    fields.append(Term(field, tokens[0], boost=boost))
                else:
                    fields.append(Phrase(field, tokens, boost=boost))
            clauses.append(Or(fields))
        return And(clauses) if clauses else None

    def search(self, q: str, k: int) -> list[str]:
        query = self.query(q)
        if query is None:
            return []
        return [hit["id"] for hit in self._searcher.search(query, limit=k)]

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()
