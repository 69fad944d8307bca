"""SQLite FTS5: the ``trigram`` tokenizer over the raw text, and ``unicode61`` over Sudachi terms."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ..data import Doc
from . import sudachi_terms
from .base import TITLE_BOOST, Engine, query_words

_CREATE = "CREATE VIRTUAL TABLE posts USING fts5(id UNINDEXED, title, body, tokenize={})"
_RANK = f"bm25(posts, 0.0, {TITLE_BOOST}, 1.0)"
#: The trigram tokenizer finds nothing for a word shorter than this.
TRIGRAM_MIN = 3


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class _Fts5(Engine):
    tokenizer = ""

    def _rows(self, docs: list[Doc], shared: dict) -> tuple[list, dict[str, float]]:
        raise NotImplementedError

    def build(self, docs: list[Doc], directory: Path, shared: dict) -> dict[str, float]:
        rows, phases = self._rows(docs, shared)
        start = time.perf_counter()
        path = directory / "posts.sqlite"
        db = sqlite3.connect(path)
        with db:
            db.execute(_CREATE.format(self.tokenizer))
            db.executemany("INSERT INTO posts(id, title, body) VALUES (?, ?, ?)", rows)
            db.execute("INSERT INTO posts(posts) VALUES ('optimize')")
        db.close()
        phases["index"] = time.perf_counter() - start
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        return phases

    def close(self) -> None:
        self._db.close()


class Fts5Trigram(_Fts5):
    """Substring search on the raw text. Trigrams cannot match a word under three characters;
    such a word falls back to ``LIKE '%word%'`` on title and body (a full scan), as a site built
    on this would do, and a query made only of such words is ranked by how often its words occur
    (title occurrences ×3) since there is no BM25 without the index."""

    name = "fts5-trigram"
    description = "SQLite FTS5 trigram tokenizer on the raw text; words under 3 characters use LIKE"
    tokenizer = "'trigram'"

    def _rows(self, docs, shared):
        return [(d.id, d.title, d.body) for d in docs], {}

    def search(self, q: str, k: int) -> list[str]:
        words = query_words(q)
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
    name = "fts5-sudachi"
    uses_sudachi = True
    cost_hint = 9.0  # the Sudachi analysis, shared with tantivy-sudachi
    description = "SQLite FTS5 unicode61 over space-joined Sudachi terms, phrase queries"
    tokenizer = "'unicode61 remove_diacritics 0'"

    def _rows(self, docs, shared):
        rows, seconds = sudachi_terms.analysed(docs, shared)
        return rows, {"analysis": seconds}

    def search(self, q: str, k: int) -> list[str]:
        phrases = [" ".join(t) for w in query_words(q) if (t := sudachi_terms.terms(w))]
        if not phrases:
            return []
        sql = f"SELECT id FROM posts WHERE posts MATCH ? ORDER BY {_RANK} LIMIT ?"
        return [row[0] for row in self._db.execute(sql, (" AND ".join(map(_phrase, phrases)), k))]
