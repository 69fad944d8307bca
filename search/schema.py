"""The Whoosh schema of a post index, and the :class:`Post` record it is built from."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import japanese_analyzer

#: Bumped when the schema or the analysis changes so that an old index must be rebuilt.
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Post:
    """One post, as kept in ``corpus/`` and indexed."""

    id: str
    title: str
    date: dt.date
    category: str
    url: str
    body: str
    tags: tuple[str, ...] = field(default=())

    def content_hash(self) -> str:
        """A stable hash of every field: ``update`` re-indexes a post when it changes."""
        data = asdict(self)
        data["date"] = self.date.isoformat()
        data["tags"] = list(self.tags)
        blob = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


def fiscal_year(date: dt.date) -> int:
    """日本の年度: April to March, so 2020-03-25 belongs to 2019年度."""
    return date.year if date.month >= 4 else date.year - 1


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
        year=ID(sortable=True),
        month=ID(sortable=True),
        fiscal_year=ID(sortable=True),
        # Days since 1970-01-01, for tie-breaking on recency inside the scorer.
        day=NUMERIC(int, bits=32, sortable=True, stored=False),
        url=STORED(),
        content_hash=STORED(),
    )


def post_document(post: Post) -> dict:
    """The fields Whoosh indexes for ``post``."""
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "category": post.category,
        "tags": ",".join(post.tags),
        "date": post.date.isoformat(),
        "year": f"{post.date.year:04d}",
        "month": f"{post.date.year:04d}-{post.date.month:02d}",
        "fiscal_year": f"{fiscal_year(post.date):04d}",
        "day": (post.date - dt.date(1970, 1, 1)).days,
        "url": post.url,
        "content_hash": post.content_hash(),
    }
