"""policy-search's core: Japanese analysis, the backend seam, and searching.

Backend libraries are imported only inside ``search/backends/<name>/`` (see
:mod:`search.backend`). This package never imports Flask or :mod:`indexer`.
"""

from .backend import Backend, IndexUnavailable, create_backend
from .config import Settings
from .readings import ReadingLexicon
from .request import QueryError, SearchRequest
from .schema import Post, fiscal_year
from .service import SearchService
from .store import IndexStore
from .synonyms import Synonyms

__all__ = [
    "Backend",
    "IndexStore",
    "Post",
    "ReadingLexicon",
    "Settings",
    "Synonyms",
    "create_backend",
    "fiscal_year",
    "IndexUnavailable",
    "QueryError",
    "SearchRequest",
    "SearchService",
]
