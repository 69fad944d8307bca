"""What a search asks for (:class:`SearchRequest`), checked parameter by parameter.

:meth:`SearchRequest.from_params` reads the parameters of ``GET /api/search`` and ``/search``
and raises :class:`QueryError` naming the first bad parameter and what it allows. Unknown
parameters are ignored; a parameter that takes one value and is given twice is refused.
:meth:`SearchRequest.create` checks typed values the same way (the command line), and
:meth:`SearchRequest.params` writes a request back as URL parameters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .config import Settings
from .contract import ErrorDetail

#: The sort orders a request may ask for (the one list: API, pages and command line).
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

    def as_dict(self) -> ErrorDetail:
        return {"code": self.code, "message": self.message, "param": self.param}


@dataclass(frozen=True)
class SearchRequest:
    """One search: query string, filters, sort order and page.

    Parsed once per HTTP request (:meth:`from_params`) or built from typed values
    (:meth:`create`, the command line); :meth:`params` writes it back as URL parameters, and
    :meth:`change` gives the same search with one thing changed (the links of a results page).
    """

    q: str = ""
    categories: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    #: Whether ``per_page`` was asked for (and so is written back by :meth:`params`) or is the
    #: default of the settings.
    per_page_given: bool = False

    def __post_init__(self) -> None:
        # Requests built in code (not from parameters) get the same basic checks.
        _check_sort(self.sort)
        if not 1 <= self.page <= MAX_PAGE:
            raise QueryError(
                "invalid_page", f"page must be an integer from 1 to {MAX_PAGE}", "page"
            )
        if self.per_page < 1:
            raise QueryError("invalid_per_page", "per_page must be at least 1", "per_page")

    @property
    def effective_sort(self) -> str:
        """``sort``, or its default: relevance with a query, newest first without."""
        if self.sort:
            return self.sort
        return "relevance" if self.q.strip() else "date_desc"

    @property
    def has_filters(self) -> bool:
        return bool(self.categories or self.date_from or self.date_to)

    @classmethod
    def create(
        cls,
        settings: Settings | None = None,
        *,
        q: str = "",
        categories: Iterable[str] = (),
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        sort: str | None = None,
        page: int = 1,
        per_page: int | None = None,
    ) -> SearchRequest:
        """A request from typed values, checked as :meth:`from_params` checks parameters (the
        command line's way in)."""
        settings = settings or Settings()
        _check_q(q, settings)
        checked = _check_categories(categories)
        _check_range(date_from, date_to)
        _check_sort(sort)
        _check_integer("page", page, 1, MAX_PAGE, str(page))
        if per_page is not None:
            _check_integer("per_page", per_page, 1, settings.max_per_page, str(per_page))
        return cls(
            q=q,
            categories=checked,
            date_from=date_from,
            date_to=date_to,
            sort=sort,
            page=page,
            per_page=settings.per_page if per_page is None else per_page,
            per_page_given=per_page is not None,
        )

    @classmethod
    def from_params(cls, params: Mapping, settings: Settings | None = None) -> SearchRequest:
        """Check ``q``, ``category`` (repeatable), ``from``, ``to``, ``sort``, ``page`` and
        ``per_page``.

        ``params`` is a mapping with ``getlist`` (Werkzeug's ``MultiDict``) or a plain mapping of
        strings or lists of strings. Empty values count as absent, as an HTML form sends them.
        """
        settings = settings or Settings()
        q = _check_q(_single(params, "q") or "", settings)
        categories = _check_categories(_values(params, "category"))
        date_from = parse_date("from", _single(params, "from"))
        date_to = parse_date("to", _single(params, "to"))
        _check_range(date_from, date_to)
        sort = _check_sort(_single(params, "sort") or None)
        page = _integer(params, "page", 1, MAX_PAGE)
        per_page = _integer(params, "per_page", 1, settings.max_per_page)
        return cls(
            q=q,
            categories=categories,
            date_from=date_from,
            date_to=date_to,
            sort=sort,
            page=page or 1,
            per_page=per_page or settings.per_page,
            per_page_given=per_page is not None,
        )

    def params(self, *, with_page: bool = True) -> list[tuple[str, str]]:
        """The URL parameters that :meth:`from_params` reads back as this request, in a fixed
        order, leaving out what is absent or the default (``per_page`` not asked for, page 1).
        The query is written without the white space around it."""
        out: list[tuple[str, str]] = []
        if self.q.strip():
            out.append(("q", self.q.strip()))
        out.extend(("category", c) for c in self.categories)
        if self.date_from:
            out.append(("from", self.date_from.isoformat()))
        if self.date_to:
            out.append(("to", self.date_to.isoformat()))
        if self.sort:
            out.append(("sort", self.sort))
        if self.per_page_given:
            out.append(("per_page", str(self.per_page)))
        if with_page and self.page > 1:
            out.append(("page", str(self.page)))
        return out

    def filters(self) -> list[tuple[str, str]]:
        """The parameters a new query keeps: filters, sort and page size, not the page."""
        return [(k, v) for k, v in self.params(with_page=False) if k != "q"]

    def change(self, **changes: Any) -> SearchRequest:
        """This request with ``changes``; any change but the page goes back to page 1."""
        changes.setdefault("page", 1)
        return dataclasses.replace(self, **changes)


def _check_q(q: str, settings: Settings) -> str:
    if len(q) > settings.max_query_chars:
        raise QueryError(
            "query_too_long",
            f"q is {len(q)} characters long; at most {settings.max_query_chars} are allowed",
            "q",
        )
    return q


def _check_categories(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct categories in the order given; empty ones count as absent."""
    categories: list[str] = []
    for value in values:
        if not value:
            continue
        if len(value) > MAX_CATEGORY_CHARS:
            raise QueryError(
                "invalid_category",
                f"a category is at most {MAX_CATEGORY_CHARS} characters",
                "category",
            )
        if value not in categories:
            categories.append(value)
    if len(categories) > MAX_CATEGORIES:
        raise QueryError(
            "invalid_category", f"at most {MAX_CATEGORIES} categories may be given", "category"
        )
    return tuple(categories)


def _check_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise QueryError(
            "invalid_date_range", f"from ({date_from}) must not be after to ({date_to})", "to"
        )


def _check_sort(sort: str | None) -> str | None:
    if sort is not None and sort not in SORTS:
        raise QueryError("invalid_sort", f"sort must be one of {', '.join(SORTS)}", "sort")
    return sort


def _check_integer(name: str, number: int | None, low: int, high: int, given: str) -> int:
    if number is None or not low <= number <= high:
        raise QueryError(
            f"invalid_{name}",
            f"{name} must be an integer from {low} to {high}, got {given[:40]!r}",
            name,
        )
    return number


def _values(params: Mapping, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        value = params.get(name)
        if value is None:
            values = []
        else:
            values = list(value) if isinstance(value, (list, tuple)) else [value]
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


def parse_date(name: str, value: str | None) -> dt.date | None:
    """``value`` (``YYYY-MM-DD``, white space around it allowed) as a date; empty is None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(
            "invalid_date", f"{name} must be a date written YYYY-MM-DD, got {value[:40]!r}", name
        ) from None


def _integer(params: Mapping, name: str, low: int, high: int) -> int | None:
    value = (_single(params, name) or "").strip()
    if not value:
        return None
    return _check_integer(name, int(value) if _INTEGER.fullmatch(value) else None, low, high, value)
