"""Which reader a path needs: its content decides, its extension breaks ties."""

from __future__ import annotations

import re
from pathlib import Path

KINDS = ("jsonl", "feed", "html", "page-text")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".rss": "feed",
    ".rdf": "feed",
    ".atom": "feed",
    ".xml": "feed",
    ".html": "html",
    ".htm": "html",
    ".txt": "page-text",
}
_FEED_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:rss|RDF|feed)\b")
_HTML = re.compile(r"<!doctype\s+html|<html\b|<body\b|<head\b", re.IGNORECASE)


def detect_kind(path: Path, head: bytes) -> str:
    """The kind of source (one of :data:`KINDS`) from the first few KB of the file."""
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return "jsonl"
    if text.startswith("<"):
        if _FEED_ROOT.search(text) and not _HTML.search(text[:200]):
            return "feed"
        if _HTML.search(text):
            return "html"
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension in ("feed", "html") and text.startswith("<"):
        return by_extension
    if by_extension == "jsonl":
        return "jsonl"  # an empty file, or one whose first line is broken: the reader says which
    return "page-text"
