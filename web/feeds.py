"""Follow a search: ``GET /search.atom``, an Atom 1.0 feed (RFC 4287) of any search, newest first.

It takes the parameters of ``/search`` (``sort`` aside: a feed is always newest first, so a
reader's feed client sees new posts at the top) and lists one page of hits, each entry with the
post page's address as id and link, the post's date as ``updated`` (midnight JST: posts carry a
day, not a time), and the snippet as plain text. The results page links here with
``<link rel="alternate">`` and a visible link. Errors answer in the JSON error shape, as under
``/api/`` (:mod:`web.errors`): a feed client is a program.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

from flask import Blueprint, Response, current_app, request, url_for

from search import SearchRequest

from . import navigation as nav

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
SITE_NAME = "政策ブログ検索"
_MARK = re.compile(r"</?mark>")

bp = Blueprint("feeds", __name__)


def feed_params(req: SearchRequest) -> list[tuple[str, str]]:
    """The parameters of the feed of a results page (no sort, no page)."""
    return [(k, v) for k, v in req.params(with_page=False) if k != "sort"]


def feed_url(req: SearchRequest) -> str:
    query = nav.query_string(feed_params(req))
    return url_for("feeds.search_feed") + (f"?{query}" if query else "")


def feed_title(q: str) -> str:
    return f"「{q}」の検索結果 — {SITE_NAME}" if q else f"新着記事 — {SITE_NAME}"


def _timestamp(date: str) -> str:
    return f"{date}T00:00:00+09:00"


@bp.get("/search.atom")
def search_feed() -> Response:
    settings = current_app.extensions["search_settings"]
    params = request.args.copy()
    params.poplist("sort")
    params["sort"] = "date_desc"
    req = SearchRequest.from_params(params, settings)
    res = current_app.extensions["search_service"].search(req)
    paged = [("page", str(req.page))] if req.page > 1 else []
    query = nav.query_string([*feed_params(req), *paged])
    self_url = url_for(".search_feed", _external=True) + (f"?{query}" if query else "")
    html_url = nav.url(req, url_for("pages.search", _external=True))  # sort=date_desc, as here

    ET.register_namespace("", ATOM_NS)

    def el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    root = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ja"})
    el(root, "id", self_url)
    el(root, "title", feed_title(req.q.strip()))
    hits = res["hits"]
    newest = hits[0]["date"] if hits else None
    el(
        root,
        "updated",
        _timestamp(newest)
        if newest
        else dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    )
    el(root, "link", rel="self", type=ATOM_TYPE, href=self_url)
    el(root, "link", rel="alternate", type="text/html", href=html_url)
    author = el(root, "author")
    el(author, "name", SITE_NAME)
    el(root, "generator", "policy-search")
    for hit in hits:
        post_url = url_for("pages.post", post_id=hit["id"], _external=True)
        entry = el(root, "entry")
        el(entry, "id", post_url)
        el(entry, "title", hit["title"], type="text")
        el(entry, "updated", _timestamp(hit["date"]))
        el(entry, "link", rel="alternate", type="text/html", href=post_url)
        el(entry, "category", term=hit["category"])
        # The snippet is escaped HTML with <mark>: as text, the marks go and the text is plain.
        el(entry, "summary", html.unescape(_MARK.sub("", hit["snippet"])), type="text")
    body = ET.tostring(root, encoding="unicode")
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n", mimetype=ATOM_TYPE)
