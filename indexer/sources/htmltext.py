"""HTML to plain text that keeps paragraphs, over lxml's HTML parser.

Block elements (p, div, li, headings, table rows…) become paragraphs separated by a blank line,
``<br>`` a line break; scripts, styles and comments vanish; runs of HTML white space become one
space. Entities are decoded by the parser. Japanese full-width spaces are text and stay.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul",
})
SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "title"})
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_PARAGRAPH, _LINE = object(), object()


def html_to_text(html: str) -> str:
    """The text of an HTML fragment or page, paragraphs separated by blank lines."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    pieces: list = []
    _walk(root, pieces)
    return _assemble(pieces)


def _walk(element, pieces: list) -> None:
    tag = element.tag if isinstance(element.tag, str) else None  # comments and PIs: no tag name
    if tag is not None and tag.lower() not in SKIPPED:
        tag = tag.lower()
        block = tag in BLOCKS
        if block:
            pieces.append(_PARAGRAPH)
        if tag == "br":
            pieces.append(_LINE)
        if element.text:
            pieces.append(element.text)
        for child in element:
            _walk(child, pieces)
        if block:
            pieces.append(_PARAGRAPH)
    if element.tail:
        pieces.append(element.tail)


def _assemble(pieces: list) -> str:
    paragraphs: list[str] = []
    lines: list[str] = []
    words: list[str] = []

    def end_line() -> None:
        line = _SPACE.sub(" ", "".join(words)).strip(" ")
        words.clear()
        if line or lines:
            lines.append(line)

    def end_paragraph() -> None:
        end_line()
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            paragraphs.append("\n".join(lines))
        lines.clear()

    for piece in pieces:
        if piece is _PARAGRAPH:
            end_paragraph()
        elif piece is _LINE:
            end_line()
        else:
            words.append(piece)
    end_paragraph()
    return "\n\n".join(paragraphs)
