"""The :class:`Post` record every backend indexes, and the schema version of an index.

The Whoosh fields are in :mod:`search.backends.whoosh.schema`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field

#: Bumped when the schema or the analysis changes so that an old index must be rebuilt (3: the
#: Whoosh index lost its unread ``year``, ``month``, ``fiscal_year`` and ``day`` fields).
SCHEMA_VERSION = 3


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
