"""10. The schema pickles without the Sudachi dictionary; an index built here opens elsewhere."""

import datetime as dt
import pickle
import subprocess
import sys
import textwrap

import pytest
from whoosh import index
from whoosh.analysis import Filter
from whoosh.fields import TEXT
from whoosh.query import Term

from search import IndexUnavailable, Post
from search.backends.whoosh.analyzer import SudachiTokenizer, japanese_analyzer
from search.backends.whoosh.live import LiveIndex
from search.backends.whoosh.schema import make_schema, post_document


def test_tokenizer_pickles_to_almost_nothing():
    blob = pickle.dumps(japanese_analyzer())
    assert len(blob) < 300
    assert b"Dictionary" not in blob
    clone = pickle.loads(blob)
    assert [(t.text, t.reading) for t in clone("輪島市")] == [
        ("輪島市", "ワジマシ"), ("輪島", "ワジマ"), ("市", "シ")]
    assert SudachiTokenizer().__getstate__() == {}


def test_index_built_in_one_process_searches_in_another(tmp_path):
    ix = index.create_in(tmp_path, make_schema())
    with ix.writer() as w:
        w.add_document(**post_document(Post(
            id="p1", title="輪島市の取組", date=dt.date(2020, 3, 25), category="地方創生",
            url="https://example.jp/1", body="石川県輪島市(わじまし)で生涯活躍のまちを進める。")))
    ix.close()
    code = textwrap.dedent(f"""
        from whoosh import index
        from whoosh.query import Phrase, Term
        ix = index.open_dir({str(tmp_path)!r})
        with ix.searcher() as s:
            # 石川県輪島市 is one C unit here: its A units are 石川, 県, 輪島 and 市.
            print(len(s.search(Term("body", "輪島"))), len(s.search(Phrase("body", ["輪島", "市"]))),
                  len(s.search(Phrase("body", ["生涯", "活躍", "まち"]))))
        ix.close()
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1", "1"]
    ix = index.open_dir(tmp_path)
    with ix.searcher() as s:
        assert [h["id"] for h in s.search(Term("title", "輪島"))] == ["p1"]
    ix.close()


def test_an_index_written_before_the_backend_seam_still_opens():
    """Such an index's table of contents pickles the tokenizer as search.analysis.*."""
    import search.backends.whoosh  # noqa: F401  (whatever opens an index imports the package)

    for name in ("SudachiTokenizer", "UnitToken"):
        old = b"csearch.analysis\n" + name.encode() + b"\n)\x81."
        assert type(pickle.loads(old)).__name__ == name


def test_an_index_naming_a_class_that_is_gone_says_to_rebuild_it(tmp_path, monkeypatch):
    """An index from before schema version 2 pickles ``search.analysis.ReadingFilter`` (the reading
    fields' filter, since removed) in its table of contents."""
    import search.analysis

    class ReadingFilter(Filter):
        def __call__(self, tokens):
            return tokens

    ReadingFilter.__module__, ReadingFilter.__qualname__ = "search.analysis", "ReadingFilter"
    monkeypatch.setattr(search.analysis, "ReadingFilter", ReadingFilter, raising=False)
    schema = make_schema()
    schema.add("title_yomi", TEXT(analyzer=japanese_analyzer() | ReadingFilter()))
    index.create_in(tmp_path, schema).close()
    monkeypatch.delattr(search.analysis, "ReadingFilter")

    live = LiveIndex(tmp_path)
    with pytest.raises(IndexUnavailable) as caught, live.lease():
        pass
    assert str(caught.value).startswith(f"the index in {tmp_path} was written by an older version of policy-search")
    assert str(caught.value).endswith("rebuild it with `policy-search rebuild`")
    live.close()
