"""RSS 2.0, RDF (RSS 1.0) and Atom feeds, read with feedparser.

Each entry becomes a post: its title, its link (the post's url and the source of its id), its
date, its first category (the rest become tags; ``--category`` when it has none) and its full
body (``content:encoded`` / Atom ``content``, else ``description`` / ``summary``) turned into
text that keeps paragraphs. The date is the one the feed wrote, in the feed's own time zone
(a post published at 08:30 in Japan is dated that day, not the day before in UTC).
"""

from __future__ import annotations

import datetime as dt
import email.utils
from pathlib import Path

import feedparser
from lxml import etree

from ..postfile import make_post
from ..problems import FieldError
from .htmltext import html_to_text
from .model import ImportOptions, SourcePost, SourceResult, id_from_link, one_line

_ENTRY_TAGS = frozenset({"item", "entry"})


def read_feed(path: Path, options: ImportOptions) -> SourceResult:
    return read_feed_data(path.read_bytes(), str(path), options)


def read_feed_data(data: bytes, name: str, options: ImportOptions) -> SourceResult:
    """The posts of a feed's bytes; ``name`` (a path, or the feed's URL) labels problems."""
    result = SourceResult()
    parsed = feedparser.parse(data)
    if not parsed.entries:
        error = parsed.get("bozo_exception")
        # An XML error (SAXParseException) knows its line; anything else is about the whole file.
        line = error.getLineNumber() if hasattr(error, "getLineNumber") else 1
        result.reject(name, line or 1, f"not a feed with entries: {error or 'no entries'}")
        return result
    lines = _entry_lines(data)
    for n, entry in enumerate(parsed.entries):
        line = lines[n] if n < len(lines) else 1
        title = one_line(_text(entry.get("title_detail"), entry.get("title")))
        link = (entry.get("link") or entry.get("id") or "").strip()
        date = entry_date(entry)
        label = f"entry {title!r}" if title else f"entry {n + 1}"
        if date is None:
            result.reject(
                name, line, f"{label} has no date (pubDate, dc:date, published or updated)"
            )
            continue
        if not link:
            result.reject(name, line, f"{label} has no link: its id and url come from the link")
            continue
        terms = [one_line(t.get("term")) for t in entry.get("tags", [])]
        terms = list(dict.fromkeys(t for t in terms if t and "," not in t))
        fields = {
            "id": id_from_link(link),
            "title": title,
            "date": date,
            "category": terms[0] if terms else options.category,
            "url": link,
            "tags": terms[1:],
        }
        try:
            post = make_post(fields, _body(entry))
        except FieldError as exc:
            result.reject(name, line, f"{label}: {exc.reason}")
            continue
        result.posts.append(SourcePost(post, name, line))
    return result


def entry_date(entry) -> dt.date | None:
    """The entry's date as written (its own offset), falling back to feedparser's UTC reading."""
    for key in ("published", "updated", "created"):
        raw = (entry.get(key) or "").strip()
        if not raw:
            continue
        try:
            return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
        except ValueError:
            pass
        try:
            return email.utils.parsedate_to_datetime(raw).date()
        except (TypeError, ValueError, IndexError):
            pass
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None


def _body(entry) -> str:
    for content in entry.get("content", []):
        if content.get("value", "").strip():
            return _text(content, content["value"])
    return _text(entry.get("summary_detail"), entry.get("summary", ""))


def _text(detail, value: str | None) -> str:
    """Plain text of a feed text construct: HTML is converted, plain text kept."""
    value = value or ""
    kind = (detail or {}).get("type", "text/html")
    if kind in ("text/plain", "text"):
        return value
    return html_to_text(value)


def _entry_lines(data: bytes) -> list[int]:
    """The source line of each ``<item>`` / ``<entry>``, in the order feedparser lists them."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    return [
        el.sourceline or 1
        for el in root.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname in _ENTRY_TAGS
    ]
