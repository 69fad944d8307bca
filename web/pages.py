"""The reader's HTML pages: home, results, post, OpenSearch description, and error pages.

Views are thin: they ask the search service, let :mod:`web.navigation` turn the request into
links, and render a template. Templates autoescape everything; the only strings marked safe are
the highlighter's ``title_html``/``snippet``/``body_html`` (escaped text plus ``<mark>``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from search import QueryError, SearchRequest
from search.contract import DidYouMean
from search.request import parse_date

from . import navigation as nav
from .feeds import feed_title, feed_url

SITE_NAME = "政策ブログ検索"
RECENT_POSTS = 10
#: Related posts listed under a post.
RELATED_POSTS = 5
#: The home page lists the months of this many newest years; an older year's results page
#: lists its months in the sidebar, one click away.
ARCHIVE_MONTH_YEARS = 10
#: Categories listed in the results sidebar before a "show all" link.
CATEGORY_FACET_LIMIT = 20
#: Relaxed searches tried on an empty result page (one per active filter, plus "none").
MAX_RELAXED = 4
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ET.register_namespace("", OPENSEARCH_NS)

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def _service():
    return current_app.extensions["search_service"]


def _settings():
    return current_app.extensions["search_settings"]


def _page(template: str, status: int = 200, **context) -> Response:
    # Security headers (CSP: nothing from elsewhere, no inline script) come from web.security.
    return Response(render_template(template, **context), status=status, mimetype="text/html")


# -- template helpers -----------------------------------------------------------------------


@bp.app_context_processor
def _globals() -> dict:
    return {"site_name": SITE_NAME, "max_query_chars": _settings().max_query_chars}


@bp.app_template_filter("jdate")
def _jdate(value) -> str:
    return nav.japanese_date(value)


@bp.app_template_filter("num")
def _num(value) -> str:
    return f"{int(value):,}"


@bp.app_template_global("search_link")
def search_link(
    q: str = "", category: str = "", date_from: str = "", date_to: str = "", sort: str = ""
) -> str:
    """``/search?…`` for a search with these (already valid) values; empty ones are left out."""
    req = SearchRequest(
        q=q,
        categories=(category,) if category else (),
        date_from=parse_date("from", date_from),
        date_to=parse_date("to", date_to),
        sort=sort or None,
    )
    return nav.url(req, url_for("pages.search"))


def post_link(post_id: str, q: str = "") -> str:
    """``/posts/<id>``, with ``?q=`` when arriving from a search (the page then highlights it)."""
    path = url_for("pages.post", post_id=post_id)
    return f"{path}?{nav.query_string([('q', q)])}" if q else path


@bp.app_template_test("http_url")
def _is_http_url(value) -> bool:
    """A web address worth a link: http(s), and not on the reserved ``.invalid`` domain that the
    indexer gives posts without a source address."""
    if not (isinstance(value, str) and re.match(r"https?://[^\s]+\Z", value, re.IGNORECASE)):
        return False
    host = (urlsplit(value).hostname or "").rstrip(".")
    return bool(host) and host != "invalid" and not host.endswith(".invalid")


def paragraphs(html: Markup) -> list[Markup]:
    """Escaped text (possibly with ``<mark>``) cut into paragraphs at blank lines; single line
    breaks inside a paragraph become ``<br>``."""
    parts = re.split(r"\n[ \t\u3000]*\n\s*", str(html).replace("\r\n", "\n").strip())
    return [Markup(p.strip("\n").replace("\n", "<br>\n")) for p in parts if p.strip()]


# -- pages ----------------------------------------------------------------------------------


@bp.get("/")
def home() -> Response:
    svc = _service()
    recent = svc.search(SearchRequest(sort="date_desc", per_page=RECENT_POSTS))["hits"]
    archives = svc.archives()
    months: dict[str, list[dict]] = {}
    for m in sorted(archives["months"], key=lambda m: m["value"], reverse=True):
        y, mo = int(m["value"][:4]), int(m["value"][5:7])
        first, last = nav.month_range(y, mo)
        months.setdefault(m["value"][:4], []).append(
            {
                "label": f"{mo}月",
                "count": m["count"],
                "url": search_link(date_from=first, date_to=last),
            }
        )
    years = []
    for n, y in enumerate(sorted(archives["years"], key=lambda y: y["value"], reverse=True)):
        first, last = nav.year_range(int(y["value"]))
        years.append(
            {
                "value": y["value"],
                "count": y["count"],
                "months": months.get(y["value"], []) if n < ARCHIVE_MONTH_YEARS else [],
                "url": search_link(date_from=first, date_to=last),
            }
        )
    return _page("home.html", recent=recent, archives=archives, archive_years=years)


@bp.get("/search")
def search() -> Response:
    settings, svc = _settings(), _service()
    req = SearchRequest.from_params(request.args, settings)  # a QueryError: _query_error_page
    res = svc.search(req)
    base = url_for(".search")
    q = req.q.strip()
    category_limit = None if request.args.get("more") == "category" else CATEGORY_FACET_LIMIT
    total, page = res["total"], res["page"]
    hits = [dict(hit, link=post_link(hit["id"], q)) for hit in res["hits"]]
    first = (page - 1) * req.per_page + 1
    relax = _relaxed(svc, req, base) if total == 0 and req.has_filters else []
    words = nav.query_words(q) if total == 0 else []
    return _page(
        "search.html",
        q=q,
        keep=req.filters(),
        page=page,
        total=total,
        hits=hits,
        partial=res["match"] == "partial",
        first=first,
        last=first + len(hits) - 1,
        took=f"{res['took_ms'] / 1000:.3f}",
        sort_links=nav.sort_links(req, base),
        chips=nav.chips(req, base),
        clear_url=nav.url(nav.without_filters(req), base),
        first_page_url=nav.url(req.change(), base),
        pager=nav.pager(req, total, base) if hits or total else None,
        facets=nav.facet_sidebar(req, res["facets"], base, category_limit),
        more_categories_url=nav.url(req, base, [("more", "category")]) + "#f-cat",
        facets_shown=total > 0 or req.has_filters,
        relax=relax,
        words=[{"text": w, "url": nav.url(SearchRequest(q=w), base)} for w in words[:5]],
        feed={"url": feed_url(req), "title": feed_title(q)},
        did_you_mean=_did_you_mean(req, res["did_you_mean"], base),
    )


def _did_you_mean(req: SearchRequest, proposal: DidYouMean | None, base: str) -> dict | None:
    """The proposed query with the link to its results (same filters), or None."""
    if proposal is None:
        return None
    return dict(proposal, url=nav.url(req.change(q=proposal["q"]), base))


def _relaxed(svc, req: SearchRequest, base: str) -> list[dict]:
    """For an empty result: how many hits each filter's removal (and removing all) would give."""
    candidates = [(label + " を外す", without) for label, without in nav.removals(req)]
    if len(candidates) > 1:
        candidates.append(("絞り込みをすべて外す", nav.without_filters(req)))
    out = []
    for label, relaxed in candidates[:MAX_RELAXED]:
        count = svc.search(relaxed, did_you_mean=False)["total"]
        if count:
            out.append({"label": label, "count": count, "url": nav.url(relaxed, base)})
    return out


@bp.get("/posts/<post_id>")
def post(post_id: str) -> Response:
    svc = _service()
    found = svc.post(post_id)
    if found is None:
        abort(404)
    q = (request.args.get("q") or "").strip()
    highlighted = None
    if q:
        try:
            highlighted = svc.highlight_post(post_id, q)
        except QueryError:
            highlighted = None  # an unusable query still shows the post, just unhighlighted
    if highlighted:
        title_html, body_html = Markup(highlighted["title_html"]), Markup(highlighted["body_html"])
    else:
        title_html, body_html = escape(found["title"]), escape(found["body"])
    prev, next_ = svc.neighbours(post_id)
    return _page(
        "post.html",
        post=found,
        q=q,
        title_html=title_html,
        paragraphs=paragraphs(body_html),
        prev=prev,
        next=next_,
        related=svc.related(post_id, RELATED_POSTS) or [],
    )


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    ns = OPENSEARCH_NS
    root = ET.Element(f"{{{ns}}}OpenSearchDescription")
    for tag, text in (
        ("ShortName", SITE_NAME),
        ("Description", "省庁の会議・資料を要約したブログ記事を全文検索します。"),
        ("InputEncoding", "UTF-8"),
        ("OutputEncoding", "UTF-8"),
        ("Language", "ja"),
    ):
        ET.SubElement(root, f"{{{ns}}}{tag}").text = text
    search_url = url_for(".search", _external=True)
    ET.SubElement(
        root,
        f"{{{ns}}}Url",
        type="text/html",
        method="get",
        template=f"{search_url}?q={{searchTerms}}",
    )
    ET.SubElement(
        root,
        f"{{{ns}}}Url",
        type=OPENSEARCH_TYPE,
        rel="self",
        template=url_for(".opensearch", _external=True),
    )
    ET.SubElement(
        root, f"{{{ns}}}Image", type="image/svg+xml", width="32", height="32"
    ).text = url_for(".static", filename="icon.svg", _external=True)
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", mimetype=OPENSEARCH_TYPE
    )


# -- error pages (HTML for everything outside /api/) ----------------------------------------

ERROR_TEXT = {
    400: (
        "リクエストに誤りがあります",
        ["検索条件を読み取れませんでした。条件を見直してもう一度お試しください。"],
    ),
    404: (
        "ページが見つかりません",
        [
            "お探しのページは移動したか、削除された可能性があります。",
            "上の検索窓から記事を探せます。",
        ],
    ),
    405: ("この方法では表示できません", ["このページは GET で開いてください。"]),
    500: ("サーバーで問題が起きました", ["しばらくしてからもう一度お試しください。"]),
    503: ("ただいま検索できません", ["しばらくしてからもう一度お試しください。"]),
}


def error_page(
    status: int, lines: list[str] | None = None, q: str = "", retry: str = ""
) -> Response:
    heading, default_lines = ERROR_TEXT.get(status, (f"エラー {status}", []))
    return _page(
        "error.html",
        status,
        code=status,
        heading=heading,
        lines=lines if lines is not None else default_lines,
        q=q,
        retry=retry,
    )


QUERY_ERROR_TEXT = {
    "query_too_long": "検索語が長すぎます。{max_chars}文字以内にしてください。",
    "invalid_category": "カテゴリの指定が正しくありません。",
    "invalid_date": "日付は 2020-04-01 のような形（年-月-日）で指定してください。",
    "invalid_date_range": "期間の始まりが終わりより後になっています。",
    "invalid_sort": "並び順の指定が正しくありません。",
    "invalid_page": "ページ番号が正しくありません。",
    "invalid_per_page": "1ページの件数が正しくありません。",
    "repeated_parameter": "同じ条件が二度指定されています。",
}


@bp.errorhandler(QueryError)
def _query_error_page(e: QueryError) -> Response:
    """The 400 page for a search the service refuses: what is wrong, in Japanese, and a link
    to the same search without the parameter at fault."""
    max_chars = _settings().max_query_chars
    text = QUERY_ERROR_TEXT.get(e.code, "検索条件を解釈できませんでした。")
    retry = _without_faults(MultiDict(request.args), e)
    return error_page(
        400,
        [text.format(max_chars=max_chars), f"（詳細: {e.message}）"],
        q=retry.q.strip()[:max_chars],
        retry=nav.url(retry, url_for(".search")),
    )


def _without_faults(args: MultiDict, error: QueryError) -> SearchRequest:
    """The search ``args`` ask for once every parameter at fault is dropped (both dates for a
    date fault). Each round drops a parameter that is there, so a few rounds suffice."""
    for _ in range(len(args) + 1):
        if error.param is None or error.param not in args:
            break
        for name in ("from", "to") if error.param in {"from", "to"} else (error.param,):
            args.poplist(name)
        try:
            return SearchRequest.from_params(args, _settings())
        except QueryError as e:
            error = e
    return SearchRequest()
