"""The JSON contract in code: the shapes the service returns and the API answers.

Each ``TypedDict`` here is one schema of ``web/openapi.json`` (:data:`SCHEMAS` names which);
``tests/api/test_contract.py`` generates a JSON schema from each type and holds it against the
document's, field names, types and required fields both ways, so neither can change alone.
Facts the types cannot say (ranges, patterns, formats, descriptions) stay in the document.

The last few types are service results the HTML pages read; they are not part of the API.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict


class FacetValue(TypedDict):
    value: str
    count: int


class Facets(TypedDict):
    """Multi-select counts (see :mod:`search.service`): categories most posts first, years,
    months (``YYYY-MM``) and fiscal years newest first."""

    category: list[FacetValue]
    year: list[FacetValue]
    month: list[FacetValue]
    fiscal_year: list[FacetValue]


class _HitFields(TypedDict):
    id: str
    title: str
    title_html: str
    date: str
    category: str
    url: str
    snippet: str
    score: float


class Hit(_HitFields, total=False):
    # total=False rather than NotRequired: under ``from __future__ import annotations``
    # Python 3.11's TypedDict cannot see NotRequired in a string annotation.
    missing: list[str]
    """Only in a partial answer: the query words this post lacks
    (:attr:`search.backend.Hit.missing`)."""


class DidYouMean(TypedDict):
    """A close query that finds more (:mod:`search.didyoumean`), and its total."""

    q: str
    total: int


class SearchResponse(TypedDict):
    """``GET /api/search``."""

    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    match: Literal["all", "partial"]
    """:attr:`search.backend.SearchPage.match`."""
    hits: list[Hit]
    facets: Facets
    did_you_mean: DidYouMean | None


class Suggestion(TypedDict):
    """A word or compound of the index, its reading and how many posts hold it."""

    text: str
    reading: str
    count: int


class SuggestResponse(TypedDict):
    """``GET /api/suggest``."""

    query: str
    suggestions: list[Suggestion]


class RelatedPost(TypedDict):
    id: str
    title: str
    date: str
    category: str
    url: str
    score: float


class RelatedResponse(TypedDict):
    """``GET /api/posts/<id>/related``."""

    id: str
    related: list[RelatedPost]


class Post(TypedDict):
    """``GET /api/posts/<id>``: one whole post."""

    id: str
    title: str
    date: str
    category: str
    url: str
    tags: list[str]
    body: str


class ErrorDetail(TypedDict):
    code: str
    message: str
    param: str | None


class Error(TypedDict):
    """The one error shape of every API answer that is not a success."""

    error: ErrorDetail


class JobProgress(TypedDict):
    done: int
    total: int


class JobSummary(TypedDict):
    """The indexer's ``BuildSummary.to_dict()``, absolute paths cut to their last part."""

    action: Literal["rebuild", "update", "none"]
    reason: str
    added: int
    updated: int
    removed: int
    unchanged: int
    problems: list[dict[str, Any]]
    posts: int
    seconds: float
    generation: str | None
    rejected: int
    ok: bool
    posts_per_second: float


class SyncFailure(TypedDict):
    kind: Literal["feed", "page", "entry"]
    url: str
    reason: str
    outcome: str


class SyncSummary(TypedDict):
    """What a sync round did: ``indexer.sync.SyncSummary.to_dict()``."""

    feeds: int
    fetched: int
    new: int
    changed: int
    unchanged: int
    failed: int
    failures: list[SyncFailure]
    index: dict[str, Any] | None
    index_error: str | None
    ok: bool
    seconds: float


class JobFailure(TypedDict):
    code: Literal["index_locked", "update_failed", "sync_failed", "internal_error"]
    message: str


JobState = Literal["running", "succeeded", "failed"]


class Job(TypedDict):
    """One update job of the webhook (``web/admin.py``)."""

    id: str
    state: JobState
    started_at: str
    finished_at: str | None
    progress: JobProgress | None
    summary: SyncSummary | JobSummary | None
    failure: JobFailure | None


class JobResponse(TypedDict):
    """``POST /api/admin/update`` and ``GET /api/admin/jobs/<id>``."""

    job: Job


#: ``#/components/schemas/<name>`` of ``web/openapi.json`` → the type that is that schema.
SCHEMAS: dict[str, type] = {
    "SearchResponse": SearchResponse,
    "DidYouMean": DidYouMean,
    "SuggestResponse": SuggestResponse,
    "Suggestion": Suggestion,
    "RelatedResponse": RelatedResponse,
    "RelatedPost": RelatedPost,
    "Hit": Hit,
    "FacetValue": FacetValue,
    "Facets": Facets,
    "Post": Post,
    "Error": Error,
    "JobResponse": JobResponse,
    "Job": Job,
    "SyncSummary": SyncSummary,
}


# -- service results for the HTML pages (not in the JSON API) ----------------------------------


class PostBrief(TypedDict):
    """A neighbouring post, for the previous/next links of a post page."""

    id: str
    title: str
    date: str


class HighlightedPost(TypedDict):
    """A whole post HTML-escaped, the query's matches in ``<mark>``."""

    title_html: str
    body_html: str


class Archives(TypedDict):
    """Counts over every post, for the home page."""

    months: list[FacetValue]
    years: list[FacetValue]
    categories: list[FacetValue]
    total: int
