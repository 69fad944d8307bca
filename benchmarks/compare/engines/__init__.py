"""The engines of the comparison, by name, and how the worker groups them."""

from __future__ import annotations

from .base import Engine, query_words

#: Engine name → ``module:class``; imported only when used.
ENGINES = {
    "policy-search": "policy:PolicySearch",
    "whoosh-bigram": "bigram:WhooshBigram",
    "fts5-trigram": "sqlite_fts5:Fts5Trigram",
    "fts5-sudachi": "sqlite_fts5:Fts5Sudachi",
    "tantivy-sudachi": "tantivy_engine:TantivySudachi",
    "fts5-sudachi-bare": "sqlite_fts5:Fts5SudachiBare",
    "tantivy-sudachi-bare": "tantivy_engine:TantivySudachiBare",
}
#: One worker process per group; the engines of a group share one Sudachi analysis of the posts
#: (the worker runs it before the first build; each engine's build counts its time).
GROUPS = (("policy-search",), ("whoosh-bigram",), ("fts5-trigram",),
          ("fts5-sudachi", "tantivy-sudachi", "fts5-sudachi-bare", "tantivy-sudachi-bare"))
#: Engines whose build keeps both cores busy (policy-search's indexer runs two worker
#: processes); the harness runs their group alone. The others build on one core (tantivy's
#: writer uses two threads, but for well under a second of the build).
MULTICORE = frozenset({"policy-search"})


def make(name: str) -> Engine:
    import importlib

    module, cls = ENGINES[name].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)()


__all__ = ["ENGINES", "GROUPS", "MULTICORE", "Engine", "make", "query_words"]
