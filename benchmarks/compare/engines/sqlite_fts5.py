"""SQLite FTS5: the ``trigram`` tokenizer over the raw text, and ``unicode61`` over Sudachi terms
(with a reading column and synonyms, as a careful site builds it, and bare, as before)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ..data import Doc
from ..judge import fold
from . import sudachi_terms
from .base import TITLE_BOOST, Engine, query_words

_RANK = f"bm25(posts, 0.0, {TITLE_BOOST}, 1.0)"
#: With the reading columns: a reading match weighs as a surface match in the same field.
_RANK_READING = f"bm25(posts, 0.0, {TITLE_BOOST}, 1.0, {TITLE_BOOST}, 1.0)"
#: The trigram tokenizer finds nothing for a word shorter than this.
TRIGRAM_MIN = 3


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class _Fts5(Engine):
    tokenizer = ""
    columns = ("title", "body")

    def _rows(self, docs: list[Doc], shared: dict) -> tuple[list, dict[str, float]]:
        raise NotImplementedError

    def build(self, docs: list[Doc], directory: Path, shared: dict) -> dict[str, float]:
        rows, phases = self._rows(docs, shared)
        start = time.perf_counter()
        path = directory / "posts.sqlite"
        db = sqlite3.connect(path)
        names = ", ".join(self.columns)
        with db:
            db.execute(f"CREATE VIRTUAL TABLE posts USING fts5(id UNINDEXED, {names}, "
                       f"tokenize={self.tokenizer})")
            db.executemany(f"INSERT INTO posts(id, {names}) VALUES (?{', ?' * len(self.columns)})",
                           rows)
            db.execute("INSERT INTO posts(posts) VALUES ('optimize')")
        db.close()
        phases["index"] = time.perf_counter() - start
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        return phases

    def close(self) -> None:
        self._db.close()


class Fts5Trigram(_Fts5):
    """Substring search on the text folded as the judge folds it (NFKC and lower case, the width
    folding a site puts in front of any CJK index: ＩｏＴ is IoT). Trigrams cannot match a word
    under three characters; such a word falls back to ``LIKE '%word%'`` on title and body (a full
    scan), as a site built on this would do, and a query made only of such words is ranked by how
    often its words occur (title occurrences ×3) since there is no BM25 without the index."""

    name = "fts5-trigram"
    description = ("SQLite FTS5 trigram tokenizer on the text folded NFKC + lower case (rows and "
                   "queries); words under 3 characters use LIKE")
    tokenizer = "'trigram'"

    def _rows(self, docs, shared):
        return [(d.id, fold(d.title), fold(d.body)) for d in docs], {}

    def search(self, q: str, k: int) -> list[str]:
        words = [fold(w) for w in query_words(q)]
        long = [w for w in words if len(w) >= TRIGRAM_MIN]
        short = [w for w in words if len(w) < TRIGRAM_MIN]
        where, args = [], []
        for w in short:
            pattern = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')")
            args += [pattern, pattern]
        if long:
            sql = (f"SELECT id FROM posts WHERE posts MATCH ? {''.join(' AND ' + c for c in where)}"
                   f" ORDER BY {_RANK} LIMIT ?")
            args = [" AND ".join(map(_phrase, long)), *args, k]
        else:
            count = " + ".join(
                f"{TITLE_BOOST} * (length(title) - length(replace(title, ?, ''))) / length(?)"
                " + (length(body) - length(replace(body, ?, ''))) / length(?)" for _ in short)
            sql = (f"SELECT id FROM posts WHERE {' AND '.join(where)}"
                   f" ORDER BY {count} DESC, rowid LIMIT ?")
            args += [a for w in short for a in (w, w, w, w)] + [k]
        return [row[0] for row in self._db.execute(sql, args)]


class Fts5Sudachi(_Fts5):
    """Sudachi terms in ``title`` and ``body``, their readings in ``title_reading`` and
    ``body_reading``. A query word matches as the phrase of its terms, or of the terms of one of
    its synonym alternatives, in title or body; a kana word also as its katakana reading in the
    reading columns. A word in which Sudachi dropped words (a sentence typed without spaces) needs
    every run of terms between them (:func:`~.sudachi_terms.segments`). Words are ANDed; one
    bm25() over all columns ranks."""

    name = "fts5-sudachi"
    uses_sudachi = True
    uses_terms = True
    cost_hint = 9.0  # the Sudachi analysis, shared with the other Sudachi-token engines
    description = ("SQLite FTS5 unicode61 over space-joined Sudachi terms, phrase queries, with "
                   "a reading column (kana queries searched on it) and query-time synonym OR "
                   "expansion (policy-search's synonym list); sentences as the AND of their phrases")
    tokenizer = "'unicode61 remove_diacritics 0'"
    columns = ("title", "body", "title_reading", "body_reading")

    def _rows(self, docs, shared):
        rows, seconds, cpu = sudachi_terms.analysed(docs, shared)
        self.analysis_cpu_s = cpu
        return rows, {"analysis": seconds}

    def match(self, q: str) -> str | None:
        clauses = []
        for word in query_words(q):
            options = ["(" + " AND ".join(f"{{title body}} : {_phrase(' '.join(seg))}" for seg in segs) + ")"
                       for alt in sudachi_terms.alternatives(word)
                       if (segs := sudachi_terms.segments(alt))]
            if (reading := sudachi_terms.reading_token(word)) is not None:
                options.append(f"{{title_reading body_reading}} : {_phrase(reading)}")
            if options:
                clauses.append("(" + " OR ".join(options) + ")")
        return " AND ".join(clauses) or None

    def search(self, q: str, k: int) -> list[str]:
        match = self.match(q)
        if match is None:
            return []
        sql = f"SELECT id FROM posts WHERE posts MATCH ? ORDER BY {_RANK_READING} LIMIT ?"
        return [row[0] for row in self._db.execute(sql, (match, k))]


class Fts5SudachiBare(_Fts5):
    """The Sudachi-term index without readings or synonyms (this benchmark's earlier peer)."""

    name = "fts5-sudachi-bare"
    uses_sudachi = True
    uses_terms = True
    cost_hint = 1.0
    description = ("bare fts5-sudachi: the same Sudachi terms, no reading column, no synonyms "
                   "(the peer as this benchmark first built it)")
    tokenizer = "'unicode61 remove_diacritics 0'"

    def _rows(self, docs, shared):
        rows, seconds, cpu = sudachi_terms.analysed(docs, shared)
        self.analysis_cpu_s = cpu
        return [r[:3] for r in rows], {"analysis": seconds}

    def search(self, q: str, k: int) -> list[str]:
        phrases = [" ".join(t) for w in query_words(q) if (t := sudachi_terms.terms(w))]
        if not phrases:
            return []
        sql = f"SELECT id FROM posts WHERE posts MATCH ? ORDER BY {_RANK} LIMIT ?"
        return [row[0] for row in self._db.execute(sql, (" AND ".join(map(_phrase, phrases)), k))]
