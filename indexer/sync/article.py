"""A blog's pages and feeds as sync reads them: the feed a page links, whether bytes are a feed,
and the article text of a post page (trafilatura, paragraphs kept)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from ..sources.model import one_line
from ..sources.pages import FOOTER, TITLE_LINE
from .fetch import Response

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_FEED_ROOTS = frozenset({"rss", "RDF", "feed"})
_ENTRY_TAGS = frozenset({"item", "entry"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_DATE_LINE = re.compile(r"\[?\d{4}年\d{1,2}月\d{1,2}日\s*\([^)]{1,4}\)\]?")
_BLOCK_TAGS = ("p", "head", "item", "row", "code", "quote")
_POSTED_BY = re.compile(r"Posted by .* at \d{1,2}:\d{2}.*")


class ArticleError(Exception):
    """A page that was fetched but holds no article text; the message is the reason."""


def feed_root(data: bytes) -> str | None:
    """``rss``, ``RDF`` or ``feed`` when ``data`` is XML with a feed's root element, else None.
    Strict: a feed cut short (a dropped connection) is not a feed, so it writes nothing."""
    parser = etree.XMLParser(
        recover=False, resolve_entities=False, no_network=True, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or not isinstance(root.tag, str):
        return None
    name = etree.QName(root).localname
    return name if name in _FEED_ROOTS else None


def entry_count(data: bytes) -> int:
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(data, parser)
    return sum(
        1
        for el in root.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname in _ENTRY_TAGS
    )


def is_html(response: Response) -> bool:
    head = response.body[:512].lstrip().lower()
    return response.content_type in _HTML_TYPES or head.startswith((b"<!doctype html", b"<html"))


def feed_link(response: Response) -> str | None:
    """The address of the first feed a page links with ``<link rel="alternate" type=…>``."""
    try:
        doc = lxml.html.document_fromstring(decode(response))
    except (etree.ParserError, ValueError):
        return None
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            return urljoin(response.url, href)
    return None


def decode(response: Response) -> str:
    """The body as text: the charset of Content-Type, else of a ``<meta>``, else UTF-8."""
    charset = response.charset
    if not charset:
        m = _META_CHARSET.search(response.body[:4096])
        charset = m.group(1).decode("ascii") if m else "utf-8"
    try:
        return response.body.decode(charset, "replace")
    except LookupError:
        return response.body.decode("utf-8", "replace")


def article_text(response: Response, title: str) -> str:
    """The post's text from its page: paragraphs separated by blank lines, the lines of a
    paragraph by line breaks. The page's repeat of the title and date, the "Posted by" line and
    everything from the trackback/comment footer on are dropped."""
    import trafilatura

    if not is_html(response):
        raise ArticleError(f"not an HTML page ({response.content_type})")
    try:
        tree = lxml.html.document_fromstring(decode(response))
        _split_at_blank_lines(tree)
        xml = trafilatura.extract(
            tree,
            url=response.url,
            output_format="xml",
            include_comments=False,
            include_tables=True,
            include_images=False,
            # A post page is mostly furniture (calendar, sidebar, links);
            # with recall favoured a short post comes back with all of it.
            favor_precision=True,
        )
        main = etree.fromstring(xml.encode("utf-8")).find("main") if xml else None
    except (
        Exception
    ) as exc:  # untrusted markup through two parsers: one page must not end the round
        raise ArticleError(f"the page could not be read ({type(exc).__name__})") from None
    if main is None:
        raise ArticleError("no article text found in the page")
    paragraphs: list[str] = []
    for block in _blocks(main):
        for lb in block.iter("lb"):
            lb.tail = "\n" + (lb.tail or "")
        lines = [" ".join(line.split()) for line in "".join(block.itertext()).split("\n")]
        lines = [line for line in lines if line]
        if any(line in FOOTER for line in lines):
            lines = lines[: next(i for i, line in enumerate(lines) if line in FOOTER)]
            if lines:
                paragraphs.append("\n".join(lines))
            break
        text = "\n".join(lines)
        if not text or _furniture(text, title):
            continue
        paragraphs.append(text)
    body = "\n\n".join(paragraphs)
    if not body.strip():
        raise ArticleError("no article text found in the page")
    return body


def _blocks(main) -> list:
    """The text blocks of trafilatura's XML in document order: paragraphs, headings, list items,
    table rows, code (the outermost of them where they nest; ``<div>`` only groups them)."""
    if main is None:
        return []
    found = []
    for el in main.iter(*_BLOCK_TAGS):
        if not any(a.tag in _BLOCK_TAGS for a in el.iterancestors() if a is not main):
            found.append(el)
    return found


def _furniture(text: str, title: str) -> bool:
    flat = one_line(text)
    return (
        flat == title
        or _DATE_LINE.fullmatch(flat) is not None
        or TITLE_LINE.fullmatch(flat) is not None
        or _POSTED_BY.fullmatch(flat) is not None
    )


def _split_at_blank_lines(tree) -> None:
    """Make each run of two or more ``<br>`` a paragraph boundary (a ``<p>`` per paragraph).

    trafilatura keeps a single ``<br>`` as a line break but drops the blank line made of two; a
    blog written with ``<br><br>`` between paragraphs (CANPAN's editor writes posts this way)
    would lose every paragraph break."""
    for parent in list(tree.iter()):
        if not isinstance(parent.tag, str) or parent.tag in ("pre", "textarea"):
            continue
        children = list(parent)
        if not any(
            a.tag == "br" and b.tag == "br" and not (a.tail or "").strip()
            for a, b in zip(children, children[1:], strict=False)
        ):
            continue
        if parent.tag == "p":
            parent.tag = "div"
        paragraph = etree.SubElement(parent, "p")
        groups = [paragraph]
        paragraph.text, parent.text = parent.text, None
        i = 0
        while i < len(children):
            child, j = children[i], i
            if child.tag == "br":
                while (
                    j + 1 < len(children)
                    and children[j + 1].tag == "br"
                    and not (children[j].tail or "").strip()
                ):
                    j += 1
            if j > i:  # a blank line: what follows the run starts the next paragraph
                paragraph = etree.SubElement(parent, "p")
                groups.append(paragraph)
                paragraph.text = children[j].tail
                for k in range(i, j + 1):
                    parent.remove(
                        children[k]
                    )  # drops the tails too: whitespace, and the text kept above
                i = j + 1
                continue
            paragraph.append(child)
            i += 1
