"""``import``: turn source files into post files, upserting by id."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from search.store import sync_dir

from .corpus import write_post
from .postfile import PLACEHOLDER_URL
from .problems import IndexerError, Problem, WithProblems
from .sources import ImportOptions, detect_kind, read_source

#: Bytes of a file read to tell its kind.
SNIFF_BYTES = 4096


@dataclass
class ImportSummary(WithProblems):
    """What an import did; ``to_dict()`` gives it as plain JSON-ready data."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    placeholder_urls: list[str] = field(default_factory=list)
    """Ids of posts that got the placeholder url (their source gave no address)."""
    kinds: dict[str, str] = field(default_factory=dict)
    """Each source path and the kind it was read as."""
    seconds: float = 0.0


def import_paths(
    paths: Sequence[str | Path],
    corpus_dir: str | Path,
    *,
    options: ImportOptions = ImportOptions(),  # noqa: B008 (frozen: safe to share)
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Read every source in ``paths`` and write its posts into ``corpus_dir``.

    A post whose id is already in the corpus replaces it; a second post with the same id in one
    import is rejected (the first one wins). Rejected pieces are in ``problems``; everything
    else is written, each file atomically."""
    started = time.perf_counter()
    corpus = Path(corpus_dir)
    if options.url and len(paths) > 1:
        raise IndexerError(
            "--url names the address of one saved page: import pages one at a time when you give it"
        )
    summary = ImportSummary()
    first_seen: dict[str, tuple[str, int]] = {}
    for n, raw in enumerate(paths, 1):
        path = Path(raw)
        try:
            with open(path, "rb") as f:
                head = f.read(SNIFF_BYTES)
        except OSError as exc:
            summary.problems.append(Problem(str(path), 1, f"cannot read the file: {exc.strerror}"))
            continue
        kind = detect_kind(path, head)
        summary.kinds[str(path)] = kind
        result = read_source(path, kind, options)
        summary.problems += result.problems
        for item in result.posts:
            post = item.post
            if post.id in first_seen:
                file, line = first_seen[post.id]
                summary.problems.append(
                    Problem(
                        item.file,
                        item.line,
                        f"duplicate id {post.id!r} in this import (first at "
                        f"{file}:{line}); this one is skipped",
                    )
                )
                continue
            first_seen[post.id] = (item.file, item.line)
            outcome = write_post(corpus, post)
            if outcome == "added":
                summary.added += 1
            elif outcome == "updated":
                summary.updated += 1
            else:
                summary.unchanged += 1
            if post.url.startswith(PLACEHOLDER_URL):
                summary.placeholder_urls.append(post.id)
        if progress is not None:
            progress(n, len(paths))
    if corpus.is_dir():
        sync_dir(corpus)
    summary.problems.sort(key=lambda p: (p.file, p.line))
    summary.seconds = time.perf_counter() - started
    return summary
