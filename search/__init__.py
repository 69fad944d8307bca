"""policy-search's core: Japanese analysis, the index schema and layout, and searching.

This package never imports Flask or :mod:`indexer`.
"""

from .analysis import japanese_analyzer
from .config import Settings
from .schema import Post, fiscal_year, make_schema, post_document
from .readings import ReadingLexicon
from .store import IndexStore
from .synonyms import Synonyms
from .live import IndexUnavailable, LiveIndex
from .request import QueryError, SearchRequest
from .service import SearchService

__all__ = [
    "IndexStore",
    "Post",
    "ReadingLexicon",
    "Settings",
    "Synonyms",
    "fiscal_year",
    "japanese_analyzer",
    "make_schema",
    "post_document",
    "IndexUnavailable",
    "LiveIndex",
    "QueryError",
    "SearchRequest",
    "SearchService",
]
