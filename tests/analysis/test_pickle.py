"""10. The schema pickles without the Sudachi dictionary; an index built here opens elsewhere."""

import datetime as dt
import pickle
import subprocess
import sys
import textwrap

from whoosh import index
from whoosh.query import Term

from search import Post
from search.backends.whoosh.schema import make_schema, post_document
from search.backends.whoosh.analyzer import SudachiTokenizer, japanese_analyzer


def test_tokenizer_pickles_to_almost_nothing():
    blob = pickle.dumps(japanese_analyzer(reading=True))
    assert len(blob) < 300
    assert b"Dictionary" not in blob
    clone = pickle.loads(blob)
    assert [t.text for t in clone("輪島市")] == ["ワジマシ", "ワジマ", "シ"]
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

    for name in ("SudachiTokenizer", "ReadingFilter"):
        old = b"csearch.analysis\n" + name.encode() + b"\n)\x81."
        assert type(pickle.loads(old)).__name__ == name
    assert type(pickle.loads(pickle.dumps(japanese_analyzer(reading=True)))).__name__ == "CompositeAnalyzer"
