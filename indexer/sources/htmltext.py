"""HTML to plain text that keeps paragraphs, over lxml's HTML parser and tree operations.

Block elements (p, div, li, headings, table rows…) become paragraphs separated by a blank line,
``<br>`` a line break; scripts, styles and comments vanish; runs of HTML white space become one
space. Entities are decoded by the parser. Japanese full-width spaces are text and stay.

Feed entries are fragments, often a sentence or two, so trafilatura (which reads whole pages:
:mod:`indexer.sources.pages`) does not fit here: it finds no main text in a short fragment, and
its text output does not tell a paragraph from a line break.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "title"})
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
# Marks put into the tree where a paragraph or a line ends; characters of the Private Use Area,
# which are taken out of the input first so that they cannot come from it.
_PARAGRAPH, _LINE = "\ue000", "\ue001"


def html_to_text(html: str) -> str:
    """The text of an HTML fragment or page, paragraphs separated by blank lines."""
    html = html.replace(_PARAGRAPH, "").replace(_LINE, "") if html else ""
    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    etree.strip_elements(
        root, etree.Comment, etree.ProcessingInstruction, *SKIPPED, with_tail=False
    )
    for element in root.iter("br"):
        element.tail = _LINE + (element.tail or "")
    for element in root.iter(*BLOCKS):
        element.text = _PARAGRAPH + (element.text or "")
        element.tail = _PARAGRAPH + (element.tail or "")
    paragraphs = (_lines(piece) for piece in root.text_content().split(_PARAGRAPH))
    return "\n\n".join(p for p in paragraphs if p)


def _lines(paragraph: str) -> str:
    """One paragraph: white space folded in each line, empty lines at its ends dropped."""
    lines = [_SPACE.sub(" ", line).strip(" ") for line in paragraph.split(_LINE)]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)
