"""What a search asks for (:class:`SearchRequest`), checked parameter by parameter.

:meth:`SearchRequest.from_params` reads the parameters of ``GET /api/search`` (or the command line)
and raises :class:`QueryError` naming the first bad parameter and what it allows. Unknown
parameters are ignored; a parameter that takes one value and is given twice is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .config import Settings

SORTS = ("relevance", "date_desc", "date_asc")
#: The largest page number a request may ask for.
MAX_PAGE = 10_000
#: The longest category value a filter may name.
MAX_CATEGORY_CHARS = 200
#: At most this many category filters.
MAX_CATEGORIES = 50
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[0-9]{1,9}")


class QueryError(ValueError):
    """A request the service refuses: ``code`` (machine readable), ``message`` (for people) and the
    ``param`` at fault (or None). The JSON API answers it with HTTP 400."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "param": self.param}


@dataclass(frozen=True)
class SearchRequest:
    """One search: query string, filters, sort order and page."""

    q: str = ""
    categories: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 20

    def __post_init__(self) -> None:
        # Requests built in code (not from parameters) get the same basic checks.
        if self.sort is not None and self.sort not in SORTS:
            raise QueryError("invalid_sort", f"sort must be one of {', '.join(SORTS)}", "sort")
        if not 1 <= self.page <= MAX_PAGE:
            raise QueryError("invalid_page", f"page must be an integer from 1 to {MAX_PAGE}", "page")
        if self.per_page < 1:
            raise QueryError("invalid_per_page", "per_page must be at least 1", "per_page")

    @property
    def effective_sort(self) -> str:
        """``sort``, or its default: relevance with a query, newest first without."""
        if self.sort:
            return self.sort
        return "relevance" if self.q.strip() else "date_desc"

    @classmethod
    def from_params(cls, params: Mapping, settings: Settings | None = None) -> "SearchRequest":
        """Check ``q``, ``category`` (repeatable), ``from``, ``to``, ``sort``, ``page``, ``per_page``.

        ``params`` is a mapping with ``getlist`` (Werkzeug's ``MultiDict``) or a plain mapping of
        strings or lists of strings. Empty values count as absent, as an HTML form sends them.
        """
        settings = settings or Settings()
        q = _single(params, "q") or ""
        if len(q) > settings.max_query_chars:
            raise QueryError("query_too_long",
                             f"q is {len(q)} characters long; at most {settings.max_query_chars} "
                             "are allowed", "q")
        categories = []
        for value in _values(params, "category"):
            if not value:
                continue
            if len(value) > MAX_CATEGORY_CHARS:
                raise QueryError("invalid_category",
                                 f"a category is at most {MAX_CATEGORY_CHARS} characters", "category")
            if value not in categories:
                categories.append(value)
        if len(categories) > MAX_CATEGORIES:
            raise QueryError("invalid_category",
                             f"at most {MAX_CATEGORIES} categories may be given", "category")
        date_from = _date(params, "from")
        date_to = _date(params, "to")
        if date_from and date_to and date_from > date_to:
            raise QueryError("invalid_date_range",
                             f"from ({date_from}) must not be after to ({date_to})", "to")
        sort = _single(params, "sort") or None
        if sort is not None and sort not in SORTS:
            raise QueryError("invalid_sort", f"sort must be one of {', '.join(SORTS)}", "sort")
        page = _integer(params, "page", 1, MAX_PAGE, 1)
        per_page = _integer(params, "per_page", 1, settings.max_per_page, settings.per_page)
        return cls(q=q, categories=tuple(categories), date_from=date_from, date_to=date_to,
                   sort=sort, page=page, per_page=per_page)


def _values(params: Mapping, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        value = params.get(name)
        values = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
    out = []
    for value in values:
        if not isinstance(value, str):
            raise QueryError("invalid_parameter", f"{name} must be a string", name)
        out.append(value)
    return out


def _single(params: Mapping, name: str) -> str | None:
    values = _values(params, name)
    if len(values) > 1:
        raise QueryError("repeated_parameter", f"{name} may be given only once", name)
    return values[0] if values else None


def _date(params: Mapping, name: str) -> dt.date | None:
    value = (_single(params, name) or "").strip()
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError("invalid_date", f"{name} must be a date written YYYY-MM-DD, "
                                         f"got {value[:40]!r}", name) from None


def _integer(params: Mapping, name: str, low: int, high: int, default: int) -> int:
    value = (_single(params, name) or "").strip()
    if not value:
        return default
    number = int(value) if _INTEGER.fullmatch(value) else None
    if number is None or not low <= number <= high:
        raise QueryError(f"invalid_{name}",
                         f"{name} must be an integer from {low} to {high}, got {value[:40]!r}", name)
    return number
