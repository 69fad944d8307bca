"""policy-search's indexer: post files in, a crash-safe index out (through the backend seam,
:mod:`search.backend`).

Python entry points (the CLI in :mod:`indexer.cli` is a thin layer over them)::

    from indexer import update
    summary = update(Settings.from_env())   # BuildSummary; summary.to_dict() for JSON

This package uses :mod:`search` and never :mod:`web`.
"""

from .build import BuildSummary, rebuild, update
from .corpus import load_corpus, read_post, write_post
from .importer import ImportSummary, import_paths
from .postfile import parse_post, render_post
from .problems import IndexerError, IndexLocked, Problem
from .sources import ImportOptions
from .stats import index_stats

__all__ = [
    "BuildSummary",
    "ImportOptions",
    "ImportSummary",
    "IndexLocked",
    "IndexerError",
    "Problem",
    "import_paths",
    "index_stats",
    "load_corpus",
    "parse_post",
    "read_post",
    "rebuild",
    "render_post",
    "update",
    "write_post",
]
