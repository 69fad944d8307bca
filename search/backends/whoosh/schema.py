"""The Whoosh schema of a post index, and the fields Whoosh indexes for a :class:`Post`."""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from search.schema import Post

from .analyzer import japanese_analyzer


def make_schema() -> Schema:
    """Fields of the index. ``title``/``body`` hold terms with positions and character offsets,
    so phrases work and highlights need no re-analysis. Readings are not a field: each
    generation has a reading lexicon beside it (:mod:`search.readings`)."""
    text = japanese_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=text, stored=True, chars=True),
        body=TEXT(analyzer=text, stored=True, chars=True),
        category=ID(stored=True, sortable=True),
        tags=KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        date=ID(stored=True, sortable=True),
        url=STORED(),
        content_hash=STORED(),
    )


def post_document(post: Post) -> dict:
    """The fields Whoosh indexes for ``post``."""
    return {
        **vars(post),
        "tags": ",".join(post.tags),
        "date": post.date.isoformat(),
        "content_hash": post.content_hash(),
    }
