"""Links of the results page: the search in a URL, and the links that change it.

The :class:`search.SearchRequest` parsed from ``/search?…`` (query, categories, date range,
sort, page, page size) is the state of the page. Every facet entry, filter chip, sort switch and
page number is the same request with one thing changed (:meth:`~search.SearchRequest.change`),
written back as a URL (:func:`url`). Year, month and 年度 are date ranges, so they replace one
another; categories add up. Nothing here touches Flask: the caller passes the base path.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus, urlencode

from search import SearchRequest
from search.request import MAX_PAGE, SORTS
from search.wareki import era_label

#: The sort switch's words, one for each of :data:`search.request.SORTS`.
SORT_LABELS = {"relevance": "関連度順", "date_desc": "新しい順", "date_asc": "古い順"}
assert tuple(SORT_LABELS) == SORTS
#: Page links shown on each side of the current page.
PAGER_RADIUS = 2
_OPERATORS = {"OR", "AND", "NOT", "|"}


def url(req: SearchRequest, base: str, extra: Iterable[tuple[str, str]] = ()) -> str:
    """``base`` with the parameters of ``req`` (and ``extra``) as its query string."""
    query = query_string([*req.params(), *extra])
    return f"{base}?{query}" if query else base


def query_string(params: Iterable[tuple[str, str]]) -> str:
    """``urlencode`` that leaves printable non-ASCII characters as they are.

    An href may hold them (browsers send them UTF-8 encoded), and a Japanese character then
    costs 3 bytes of page instead of 9. Spaces (U+3000 too), controls and every ASCII character
    with a meaning in URLs are still percent-encoded.
    """
    return urlencode(list(params), quote_via=_quote_iri)


def _quote_iri(
    value: str | bytes,
    safe: str | bytes = "",
    encoding: str | None = None,
    errors: str | None = None,
) -> str:
    if isinstance(value, bytes):  # urlencode passes bytes only for bytes values: none here
        value = value.decode("utf-8", "replace")
    return "".join(
        c
        if ord(c) > 0x7F and c.isprintable() and not c.isspace()
        else quote_plus(c, safe, errors="replace")
        for c in value
    )


# -- date ranges --------------------------------------------------------------------------


def year_range(year: int) -> tuple[str, str]:
    return f"{year:04d}-01-01", f"{year:04d}-12-31"


def month_range(year: int, month: int) -> tuple[str, str]:
    last = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"


def fiscal_year_range(year: int) -> tuple[str, str]:
    """年度 ``year`` runs from 1 April of that year to 31 March of the next."""
    return f"{year:04d}-04-01", f"{year + 1:04d}-03-31"


def era_fiscal_year(year: int) -> str:
    """The 和暦 name of 年度 ``year`` as government documents write it (2019 → 令和元年度)."""
    for start, era in ((2019, "令和"), (1989, "平成"), (1926, "昭和")):
        if year >= start:
            n = year - start + 1
            return f"{era}{'元' if n == 1 else n}年度"
    return f"{year}年度"


def japanese_date(value: str | dt.date) -> str:
    """``2020-03-05`` → ``2020年3月5日``; anything unparsable comes back unchanged."""
    try:
        d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{d.year}年{d.month}月{d.day}日"


def range_label(date_from: str, date_to: str) -> str:
    """Words for a date range, naming a whole year, month or 年度 when it is one."""
    for kind, value in _named_range(date_from, date_to):
        if kind == "year":
            return f"{value}年"
        if kind == "month":
            y, m = value.split("-")
            return f"{int(y)}年{int(m)}月"
        return f"{value}年度"
    if date_from and date_to:
        return f"{japanese_date(date_from)}〜{japanese_date(date_to)}"
    if date_from:
        return f"{japanese_date(date_from)}以降"
    return f"{japanese_date(date_to)}まで"


def _named_range(date_from: str, date_to: str) -> list[tuple[str, str]]:
    m = re.fullmatch(r"(\d{4})-(\d{2})-01", date_from)
    if not m:
        return []
    year, month = int(m[1]), int(m[2])
    if (date_from, date_to) == year_range(year):
        return [("year", f"{year:04d}")]
    if (date_from, date_to) == fiscal_year_range(year):
        return [("fiscal_year", f"{year:04d}")]
    if 1 <= month <= 12 and (date_from, date_to) == month_range(year, month):
        return [("month", f"{year:04d}-{month:02d}")]
    return []


# -- the pieces of the page ------------------------------------------------------------------


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _range(rng: tuple[str, str]) -> dict[str, dt.date]:
    return {"date_from": dt.date.fromisoformat(rng[0]), "date_to": dt.date.fromisoformat(rng[1])}


def removals(req: SearchRequest) -> list[tuple[str, SearchRequest]]:
    """Each active filter's label, and the request without that filter."""
    out = [
        (f"カテゴリ: {c}", req.change(categories=tuple(x for x in req.categories if x != c)))
        for c in req.categories
    ]
    if req.date_from or req.date_to:
        out.append(
            (
                f"期間: {range_label(_iso(req.date_from), _iso(req.date_to))}",
                req.change(date_from=None, date_to=None),
            )
        )
    return out


def chips(req: SearchRequest, base: str) -> list[dict]:
    """Active filters, each with the link that removes it."""
    return [{"label": label, "url": url(without, base)} for label, without in removals(req)]


def without_filters(req: SearchRequest) -> SearchRequest:
    return req.change(categories=(), date_from=None, date_to=None)


def sort_links(req: SearchRequest, base: str) -> list[dict]:
    """The sort switch; relevance is offered only when there is a query to be relevant to."""
    keys = [k for k in SORTS if req.q.strip() or k != "relevance"]
    current = req.effective_sort
    return [
        {"label": SORT_LABELS[k], "current": k == current, "url": url(req.change(sort=k), base)}
        for k in keys
    ]


def pager(req: SearchRequest, total: int, base: str) -> dict | None:
    """Previous/next and a window of page numbers, or None when everything fits on one page.
    Pages past the last one a request may ask for (``MAX_PAGE``) are not linked."""
    pages = min(MAX_PAGE, max(1, -(-total // req.per_page)))
    if pages <= 1 and req.page <= 1:
        return None
    current = req.page
    window = range(max(1, current - PAGER_RADIUS), min(pages, current + PAGER_RADIUS) + 1)
    shown = sorted({1, pages, *window})
    items: list[dict] = []
    previous = 0
    for n in shown:
        if n - previous > 1:
            items.append({"gap": True})
        items.append({"n": n, "current": n == current, "url": url(req.change(page=n), base)})
        previous = n
    return {
        "prev": url(req.change(page=min(current - 1, pages)), base) if current > 1 else None,
        "next": url(req.change(page=current + 1), base) if current < pages else None,
        "links": items,
    }


def facet_sidebar(
    req: SearchRequest,
    facets: Mapping[str, Iterable[Mapping]],
    base: str,
    category_limit: int | None = None,
) -> dict:
    """Facet entries with labels, counts, and the link that adds (or, when active, removes) them.

    With ``category_limit``, only that many categories (the service lists the biggest first)
    and the chosen ones are listed; ``category_more`` says how many were left out.
    """
    date_from, date_to = _iso(req.date_from), _iso(req.date_to)
    named = dict(_named_range(date_from, date_to))

    def entry(label: str, count: int, active: bool, target: SearchRequest) -> dict:
        return {"label": label, "count": count, "active": active, "url": url(target, base)}

    def ranged(kind: str, value: str, rng: tuple[str, str]) -> SearchRequest:
        if named.get(kind) == value:
            return req.change(date_from=None, date_to=None)
        return req.change(**_range(rng))

    categories = []
    seen = set()
    for f in facets.get("category", ()):
        value, count = str(f["value"]), int(f["count"])
        seen.add(value)
        active = value in req.categories
        others = tuple(c for c in req.categories if c != value)
        cats = others if active else (*req.categories, value)
        categories.append(entry(value, count, active, req.change(categories=cats)))
    for value in req.categories:  # a chosen category with no hits left stays removable
        if value not in seen:
            categories.append(
                entry(
                    value,
                    0,
                    True,
                    req.change(categories=tuple(c for c in req.categories if c != value)),
                )
            )

    listed = len(categories)
    if category_limit is not None and listed > category_limit:
        categories = [e for n, e in enumerate(categories) if n < category_limit or e["active"]]

    months_by_year: dict[str, list[dict]] = {}
    for f in sorted(facets.get("month", ()), key=lambda f: str(f["value"])):
        value = str(f["value"])
        if not re.fullmatch(r"\d{4}-\d{2}", value):
            continue
        y, m = int(value[:4]), int(value[5:])
        months_by_year.setdefault(value[:4], []).append(
            entry(
                f"{m}月",
                int(f["count"]),
                named.get("month") == value,
                ranged("month", value, month_range(y, m)),
            )
        )

    # Months are listed under a year only when the range in force lies inside that year,
    # so the sidebar stays short however many years the index spans.
    open_year = date_from[:4] if date_from[:4] and date_from[:4] == date_to[:4] else ""
    years = []
    for f in sorted(facets.get("year", ()), key=lambda f: str(f["value"]), reverse=True):
        value = str(f["value"])
        if not value.isdigit():
            continue
        era = era_label(int(value), "年")
        label = f"{value}年（{era}）" if era else f"{value}年"
        e = entry(
            label,
            int(f["count"]),
            named.get("year") == value,
            ranged("year", value, year_range(int(value))),
        )
        e["months"] = months_by_year.get(value, []) if value == open_year else []
        years.append(e)

    fiscal = []
    for f in sorted(facets.get("fiscal_year", ()), key=lambda f: str(f["value"]), reverse=True):
        value = str(f["value"])
        if not value.isdigit():
            continue
        fiscal.append(
            entry(
                f"{value}年度（{era_fiscal_year(int(value))}）",
                int(f["count"]),
                named.get("fiscal_year") == value,
                ranged("fiscal_year", value, fiscal_year_range(int(value))),
            )
        )
    return {
        "category": categories,
        "category_more": listed - len(categories),
        "year": years,
        "fiscal_year": fiscal,
    }


def query_words(q: str) -> list[str]:
    """The plain words of a query (no operators, exclusions or quotes), for "search just X"."""
    words: list[str] = []
    negated = False
    for token in re.split(r"[\s\u3000]+", q):
        token = token.strip('"“”「」『』()（）')
        if token == "NOT":
            negated = True
            continue
        skip = (
            negated
            or not token
            or token in _OPERATORS
            or token[0] in "-－"
            or ":" in token
            or "：" in token
        )
        negated = False
        if not skip and token not in words:
            words.append(token)
    return words
