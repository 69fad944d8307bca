"""Sources that ``policy-search import`` turns into post files.

Each reader takes a path and :class:`ImportOptions` and returns a :class:`SourceResult`: the posts
it found, each with the file and line it came from, and a :class:`~indexer.problems.Problem` for
each piece it had to reject. :func:`detect_kind` decides which reader a path needs.
"""

from __future__ import annotations

from pathlib import Path

from .detect import KINDS, detect_kind
from .model import ImportOptions, SourcePost, SourceResult


def read_source(path: Path, kind: str, options: ImportOptions) -> SourceResult:
    """Read ``path`` with the reader for ``kind`` (one of :data:`KINDS`)."""
    if kind == "jsonl":
        from .jsonl import read_jsonl

        return read_jsonl(path, options)
    if kind == "feed":
        from .feeds import read_feed

        return read_feed(path, options)
    if kind == "page-text":
        from .pages import read_page_text

        return read_page_text(path, options)
    if kind == "html":
        from .pages import read_html_page

        return read_html_page(path, options)
    raise ValueError(f"unknown source kind {kind!r}")


__all__ = ["KINDS", "ImportOptions", "SourcePost", "SourceResult", "detect_kind", "read_source"]
