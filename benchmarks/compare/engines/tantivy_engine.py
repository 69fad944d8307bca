"""tantivy (tantivy-py) over the same space-joined Sudachi terms as ``fts5-sudachi``."""

from __future__ import annotations

import time
from pathlib import Path

import tantivy

from ..data import Doc
from . import sudachi_terms
from .base import TITLE_BOOST, Engine, query_words

#: Writer heap: tantivy's usual 50 MB per indexing thread, two threads on this machine.
HEAP_BYTES = 100_000_000


class TantivySudachi(Engine):
    name = "tantivy-sudachi"
    uses_sudachi = True
    cost_hint = 1.0
    description = "tantivy, whitespace tokenizer over space-joined Sudachi terms, phrase queries"

    def build(self, docs: list[Doc], directory: Path, shared: dict) -> dict[str, float]:
        rows, analysis = sudachi_terms.analysed(docs, shared)
        start = time.perf_counter()
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
        builder.add_text_field("title", tokenizer_name="whitespace")
        builder.add_text_field("body", tokenizer_name="whitespace")
        self._schema = builder.build()
        ix = tantivy.Index(self._schema, path=str(directory))
        writer = ix.writer(HEAP_BYTES, 2)
        for pid, title, body in rows:
            writer.add_document(tantivy.Document(id=pid, title=title, body=body))
        writer.commit()
        writer.wait_merging_threads()
        ix.reload()
        self._ix = ix
        self._searcher = ix.searcher()
        return {"analysis": analysis, "index": time.perf_counter() - start}

    def _field_query(self, field: str, words: list[str]):
        if len(words) == 1:
            return tantivy.Query.term_query(self._schema, field, words[0])
        return tantivy.Query.phrase_query(self._schema, field, words)

    def search(self, q: str, k: int) -> list[str]:
        must = []
        for word in query_words(q):
            words = sudachi_terms.terms(word)
            if not words:
                continue
            title = tantivy.Query.boost_query(self._field_query("title", words), TITLE_BOOST)
            either = tantivy.Query.boolean_query([(tantivy.Occur.Should, title),
                                                  (tantivy.Occur.Should, self._field_query("body", words))])
            must.append((tantivy.Occur.Must, either))
        if not must:
            return []
        hits = self._searcher.search(tantivy.Query.boolean_query(must), k).hits
        return [self._searcher.doc(address)["id"][0] for _, address in hits]

    def close(self) -> None:
        self._searcher = None
        self._ix = None
