"""``stats``: what the live index holds."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index

from search import IndexStore, ReadingLexicon, Settings

from .meta import read_build_info
from .problems import IndexerError

#: Fields whose distinct terms ``stats`` counts: the words of titles and bodies.
TERM_FIELDS = ("title", "body")


def index_stats(settings: Settings) -> dict:
    """Posts, distinct terms, readings, size on disk and build times of the live index."""
    store = IndexStore(settings.index_dir)
    live = store.live_dir()
    if live is None:
        raise IndexerError(f"no index under {store.root}: build it with `policy-search update` "
                           "(or point --index / POLICY_SEARCH_INDEX at the right directory)")
    info = read_build_info(live)
    ix = whoosh_index.open_dir(live)
    with ix.reader() as reader:
        terms: set[bytes] = set()
        for name in TERM_FIELDS:
            terms.update(reader.lexicon(name))
        posts = reader.doc_count()
        segments = len(ix._segments())
    size = sum(p.stat().st_size for p in Path(live).rglob("*") if p.is_file())
    return {
        "index": str(store.root),
        "generation": live.name,
        "posts": posts,
        "terms": len(terms),
        "segments": segments,
        "readings": len(ReadingLexicon.load(live)),
        "size_bytes": size,
        "schema_version": info.schema_version if info else None,
        "built_at": info.built_at if info else None,
        "built_by": info.kind if info else None,
        "rebuilt_at": info.rebuilt_at if info else None,
        "corpus": info.corpus if info else None,
    }
