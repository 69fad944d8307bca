"""tantivy (tantivy-py) over the same space-joined Sudachi terms and readings as ``fts5-sudachi``
(with the reading fields and synonyms, and bare)."""

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
    """A query word matches as the phrase of its terms (or of a synonym alternative's terms) in
    title (boosted) or body; a kana word also as its katakana reading in the reading fields. A word
    in which Sudachi dropped words (a sentence) needs every run of terms between them."""

    name = "tantivy-sudachi"
    uses_sudachi = True
    uses_terms = True
    cost_hint = 1.0
    careful = True
    description = ("tantivy, whitespace tokenizer over space-joined Sudachi terms, phrase queries, "
                   "with reading fields (kana queries searched on them) and query-time synonym OR "
                   "expansion (policy-search's synonym list); sentences as the AND of their phrases")

    def build(self, docs: list[Doc], directory: Path, shared: dict) -> dict[str, float]:
        rows, analysis, self.analysis_cpu_s = sudachi_terms.analysed(docs, shared)
        start = time.perf_counter()
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
        fields = ("title", "body", "title_reading", "body_reading") if self.careful else ("title", "body")
        for field in fields:
            builder.add_text_field(field, tokenizer_name="whitespace")
        self._schema = builder.build()
        ix = tantivy.Index(self._schema, path=str(directory))
        writer = ix.writer(HEAP_BYTES, 2)
        for pid, *texts in rows:
            writer.add_document(tantivy.Document(id=pid, **dict(zip(fields, texts))))
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

    def _either(self, title: str, body: str, words: list[str]) -> list:
        boosted = tantivy.Query.boost_query(self._field_query(title, words), TITLE_BOOST)
        return [(tantivy.Occur.Should, boosted), (tantivy.Occur.Should, self._field_query(body, words))]

    def _word(self, word: str) -> list:
        if not self.careful:
            words = sudachi_terms.terms(word)
            return self._either("title", "body", words) if words else []
        options = []
        for alt in sudachi_terms.alternatives(word):
            segs = sudachi_terms.segments(alt)
            if len(segs) == 1:
                options += self._either("title", "body", segs[0])
            elif segs:  # a sentence: every run of terms between dropped words
                options.append((tantivy.Occur.Should, tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, tantivy.Query.boolean_query(self._either("title", "body", seg)))
                     for seg in segs])))
        if (reading := sudachi_terms.reading_token(word)) is not None:
            options += self._either("title_reading", "body_reading", [reading])
        return options

    def search(self, q: str, k: int) -> list[str]:
        must = [(tantivy.Occur.Must, tantivy.Query.boolean_query(options))
                for word in query_words(q) if (options := self._word(word))]
        if not must:
            return []
        hits = self._searcher.search(tantivy.Query.boolean_query(must), k).hits
        return [self._searcher.doc(address)["id"][0] for _, address in hits]

    def close(self) -> None:
        self._searcher = None
        self._ix = None


class TantivySudachiBare(TantivySudachi):
    name = "tantivy-sudachi-bare"
    careful = False
    description = ("bare tantivy-sudachi: the same Sudachi terms, no reading fields, no synonyms "
                   "(the peer as this benchmark first built it)")
