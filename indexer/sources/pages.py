"""Single blog post pages: saved as text from a browser, or saved as HTML.

A saved CANPAN post page (text) holds the post between its title line
``TITLE [YYYY年MM月DD日(Dow)]`` and the trackback/comment footer; the site header, the month
calendar, the sidebar headings and the previous/next line around it are dropped. The category is
not in the text: ``--category`` gives it. Nor is the post's address: ``--url`` gives it, else the
post gets the placeholder address (docs/corpus.md) and an id made of its date and a hash of its
title, so importing the same page again updates the same post.

An HTML page goes through trafilatura: main text, title, date, address and categories from the
page's markup and metadata.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from ..postfile import make_post, placeholder_url
from ..problems import FieldError
from .model import ImportOptions, SourcePost, SourceResult, id_from_link, one_line

TITLE_LINE = re.compile(
    r"(?P<title>.*\S)\s*\[(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日\s*\([^)]{1,4}\)\]\s*"
)
#: The first line of the footer under a post.
FOOTER = frozenset(
    {
        "トラックバック",
        "コメントする",
        "コメント",
        "この記事へのトラックバック",
        "この記事へのコメント",
        "トラックバックURL",
    }
)
#: Lines of page furniture dropped wherever they appear inside the post's span.
_FURNITURE = frozenset(
    {
        "CANPAN ブログ検索",
        "Loading",
        "• もっと見る",
        "もっと見る",
        "Main",
        "最新記事",
        "カテゴリアーカイブ",
        "月別アーカイブ",
        "日別アーカイブ",
        "最新コメント",
        "最新トラックバック",
        "プロフィール",
        "リンク集",
        "検索",
        "※トラックバックの受付は終了しました",
    }
)
_PREV_NEXT = re.compile(r"\s*(?:«.*)?\|\s*Main\s*\|(?:.*»)?\s*")
_CALENDAR = re.compile(r"\s*(?:<<\s*\d{4}年\d{1,2}月\s*>>|[\d\s\u00a0]+)\s*")


def read_page_text(path: Path, options: ImportOptions) -> SourceResult:
    result = SourceResult()
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result.reject(name, 1, f"the file is not UTF-8 (byte {exc.start})")
        return result
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):  # noqa: B007 (the index of the title line, used after)
        m = TITLE_LINE.fullmatch(line)
        if m:
            break
    else:
        result.reject(
            name,
            1,
            "no title line 'TITLE [YYYY年MM月DD日(曜)]' found: is this a post page "
            "saved as text from a CANPAN blog?",
        )
        return result
    lineno = index + 1
    try:
        date = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        result.reject(
            name,
            lineno,
            f"the title line's date {m['y']}年{m['m']}月{m['d']}日 is not a calendar date",
        )
        return result
    title = one_line(m["title"])
    body_lines = []
    for line in lines[index + 1 :]:
        stripped = line.strip()
        if stripped in FOOTER:
            break
        if (
            stripped in _FURNITURE
            or _PREV_NEXT.fullmatch(line)
            or (stripped and _CALENDAR.fullmatch(line))
        ):
            continue
        body_lines.append(line.rstrip())
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(body_lines))
    post_id, url = _identity(options.url, title, date)
    _add(
        result,
        name,
        lineno,
        {"id": post_id, "title": title, "date": date, "category": options.category, "url": url},
        body,
    )
    return result


def read_html_page(path: Path, options: ImportOptions) -> SourceResult:
    import trafilatura

    result = SourceResult()
    name = str(path)
    html = path.read_bytes().decode("utf-8", "replace")
    doc = trafilatura.bare_extraction(
        html, url=options.url, with_metadata=True, include_comments=False, include_tables=True
    )
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():
        # (a dict only with as_dict=True, which is not asked for)
        result.reject(name, 1, "no main text found in the page")
        return result
    title = one_line(doc.title)
    if not title:
        result.reject(name, 1, "the page has no title (<title>, og:title or a heading)")
        return result
    if not doc.date:
        result.reject(
            name, 1, "no date found in the page (no <meta> date, <time> or date in the address)"
        )
        return result
    paragraphs = [p.strip() for p in (doc.text or "").split("\n") if p.strip()]
    if paragraphs and one_line(paragraphs[0]) == title:
        paragraphs = paragraphs[1:]  # the page's heading repeats the title
    try:
        date = dt.date.fromisoformat(doc.date[:10])
    except ValueError:
        result.reject(name, 1, f"the page's date {doc.date!r} is not YYYY-MM-DD")
        return result
    post_id, url = _identity(options.url or doc.url, title, date)
    categories = [one_line(c) for c in (doc.categories or []) if one_line(c)]
    tags = [one_line(t) for t in (doc.tags or []) if one_line(t) and "," not in t]
    _add(
        result,
        name,
        1,
        {
            "id": post_id,
            "title": title,
            "date": date,
            "url": url,
            "category": categories[0] if categories else options.category,
            "tags": list(dict.fromkeys(tags)),
        },
        "\n\n".join(paragraphs),
    )
    return result


def _identity(url: str | None, title: str, date: dt.date) -> tuple[str, str]:
    """``(id, url)`` of a page: from its address when known, else from its date and title (with
    the placeholder address)."""
    if url:
        return id_from_link(url), url
    post_id = f"page-{date:%Y%m%d}-{hashlib.sha256(title.encode('utf-8')).hexdigest()[:10]}"
    return post_id, placeholder_url(post_id)


def _add(result: SourceResult, name: str, line: int, fields: dict, body: str) -> None:
    try:
        result.posts.append(SourcePost(make_post(fields, body), name, line))
    except FieldError as exc:
        result.reject(name, line, exc.reason)
