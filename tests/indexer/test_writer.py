"""The lean segment writer writes what Whoosh's own SegmentWriter writes: the same bytes when it
compresses every block as Whoosh does, the same postings when small blocks stay uncompressed."""

from __future__ import annotations

import datetime as dt

import pytest
from whoosh import index as whoosh_index
from whoosh.query import Term
from whoosh.writing import SegmentWriter

from search.backends.whoosh.writer import LeanWriter
from search import Post
from search.backends.whoosh.schema import make_schema, post_document

TEXT_FIELDS = ("body", "body_yomi", "title", "title_yomi")


def many_posts() -> list[Post]:
    """300 posts sharing terms, so that posting lists span several 128-posting blocks, with
    varying lengths and frequencies (block statistics differ from block to block)."""
    return [Post(id=f"many-{i:03d}", title=f"介護の記事{i}", date=dt.date(2020, 1 + i % 12, 1 + i % 28),
                 category=("介護", "保育")[i % 2], url=f"https://example.jp/many/{i}",
                 body="介護保険の見直しを議論した。" * (1 + i % 7) + f"番号{i}。ほいくしょの整備。",
                 tags=("介護",) if i % 3 else ())
            for i in range(300)]


@pytest.fixture(scope="module")
def posts(fixture_posts):
    return list(fixture_posts) + many_posts()


def build(directory, posts, cls, **kwargs):
    directory.mkdir()
    ix = whoosh_index.create_in(directory, make_schema())
    writer = cls(ix, compound=False, **kwargs)
    for post in posts:
        writer.add_document(**post_document(post))
    writer.commit()
    return ix


def segment_files(ix, directory) -> dict[str, bytes]:
    """The segment's files by name without the (random) segment id."""
    [segment] = ix._segments()
    return {p.name.replace(segment.segid, "*"): p.read_bytes()
            for p in directory.iterdir() if not p.name.endswith(".toc")}


def dump(ix) -> dict:
    """Everything a reader sees: stored fields, lengths, columns, term infos, postings."""
    with ix.reader() as r:
        n = r.doc_count_all()
        names = ix.schema.names()
        postings = {}
        for field in r.indexed_field_names():
            for term in r.lexicon(field):
                info = r.term_info(field, term)
                m = r.postings(field, term)
                items = []
                while m.is_active():
                    items.append((m.id(), m.weight(), m.value(), m.block_min_length(), m.block_max_length(),
                                  m.block_max_weight()))
                    m.next()
                postings[(field, term)] = ((info.weight(), info.doc_frequency(), info.min_length(),
                                            info.max_length(), info.max_weight(), info.min_id(), info.max_id()),
                                           items)
        return {
            "stored": [r.stored_fields(d) for d in range(n)],
            "field_length": {f: r.field_length(f) for f in names},
            "doc_field_length": {f: [r.doc_field_length(d, f) for d in range(n)] for f in names},
            "columns": {f: list(r.column_reader(f)) for f in names if r.has_column(f)},
            "postings": postings,
        }


def test_in_exact_mode_it_writes_the_same_bytes(tmp_path, posts):
    whoosh_ix = build(tmp_path / "whoosh", posts, SegmentWriter)
    lean_ix = build(tmp_path / "lean", posts, LeanWriter, exact=True)
    ours, theirs = segment_files(lean_ix, tmp_path / "lean"), segment_files(whoosh_ix, tmp_path / "whoosh")
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []
    assert len(ours["MAIN_*.pst"]) > 100_000


def test_by_default_a_reader_sees_the_same_index(tmp_path, posts):
    whoosh_ix = build(tmp_path / "whoosh", posts, SegmentWriter)
    lean_ix = build(tmp_path / "lean", posts, LeanWriter)
    theirs, ours = dump(whoosh_ix), dump(lean_ix)
    assert ours["postings"].keys() == theirs["postings"].keys()
    for key in theirs:
        assert ours[key] == theirs[key], key
    with lean_ix.searcher() as searcher:
        assert len(searcher.search(Term("body", "介護"), limit=None)) == 301  # 300 + kaigo-jinzai
    sizes = [sum(len(b) for b in segment_files(ix, tmp_path / name).values())
             for ix, name in ((whoosh_ix, "whoosh"), (lean_ix, "lean"))]
    # ISA-L's deflate makes a few per cent more bytes; protocol 4 block pickles make far fewer.
    assert sizes[1] < sizes[0] * 0.95
