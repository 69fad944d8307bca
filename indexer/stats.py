"""``stats``: what the live index holds, whatever the backend."""

from __future__ import annotations

from search import ReadingLexicon, Settings
from search.backend import IndexUnavailable, create_backend
from search.readings import READINGS_NAME

from .meta import read_build_info
from .problems import IndexerError


def index_stats(settings: Settings) -> dict:
    """Backend, posts, distinct terms, readings, size and build times of the live index, and
    the backend's own figures (Whoosh: ``segments``)."""
    try:
        backend = create_backend(settings)
    except ValueError as exc:
        raise IndexerError(str(exc)) from None
    try:
        stats = backend.stats()
        live = backend.live()
    except IndexUnavailable as exc:
        raise IndexerError(str(exc)) from None
    finally:
        backend.close()
    info = read_build_info(live) if live is not None else None
    readings = ReadingLexicon.parse(live.read_file(READINGS_NAME)) if live is not None else None
    return {
        "backend": stats.backend,
        "index": str(settings.index_dir),
        "location": stats.location,
        "generation": stats.generation,
        "posts": stats.posts,
        "terms": stats.terms,
        **dict(stats.details),
        "readings": len(readings) if readings is not None else 0,
        "size_bytes": stats.size_bytes,
        "schema_version": info.schema_version if info else None,
        "built_at": info.built_at if info else None,
        "built_by": info.kind if info else None,
        "rebuilt_at": info.rebuilt_at if info else None,
        "corpus": info.corpus if info else None,
    }
