"""Settings: one frozen dataclass, passed explicitly to whatever needs it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .synonyms import BUILTIN


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told. Build one with :meth:`from_env` or by hand in tests."""

    index_dir: Path = Path("var/index")
    """Root of the index generations (see :mod:`search.store`). Env: ``POLICY_SEARCH_INDEX``."""

    corpus_dir: Path = Path("corpus")
    """Directory of post files, one ``<id>.md`` each. Env: ``POLICY_SEARCH_CORPUS``."""

    synonym_files: tuple[str, ...] = (BUILTIN,)
    """Synonym lists in Sudachi's format, read at query time; ``builtin`` is the project's own
    list. Env: ``POLICY_SEARCH_SYNONYMS``, paths separated by ``os.pathsep`` (added to builtin)."""

    title_boost: float = 3.0
    """How much a match in the title outweighs one in the body (BM25F field weight)."""

    reading_boost: float = 0.5
    """Weight of a match found only through the katakana reading of a kana-only query word."""

    per_page: int = 20
    """Hits per page when the request does not say."""

    max_per_page: int = 100
    """The largest ``per_page`` a request may ask for."""

    max_query_chars: int = 5000
    """Longer query strings are refused with HTTP 400."""

    admin_token: str | None = field(default=None, repr=False)
    """Bearer token that enables ``POST /api/admin/update``; None disables it.
    Env: ``POLICY_SEARCH_ADMIN_TOKEN``."""

    sync_feeds: tuple[str, ...] = ()
    """Feeds (or blog pages that link one) that ``POST /api/admin/sync`` syncs; a request cannot
    name others. Env: ``POLICY_SEARCH_SYNC_FEEDS``, addresses separated by white space."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Settings from ``POLICY_SEARCH_*`` variables, then ``overrides`` on top."""
        env = os.environ if environ is None else environ
        values: dict = {}
        if env.get("POLICY_SEARCH_INDEX"):
            values["index_dir"] = Path(env["POLICY_SEARCH_INDEX"])
        if env.get("POLICY_SEARCH_CORPUS"):
            values["corpus_dir"] = Path(env["POLICY_SEARCH_CORPUS"])
        if env.get("POLICY_SEARCH_SYNONYMS"):
            extra = tuple(p for p in env["POLICY_SEARCH_SYNONYMS"].split(os.pathsep) if p)
            values["synonym_files"] = (BUILTIN, *extra)
        if env.get("POLICY_SEARCH_ADMIN_TOKEN"):
            values["admin_token"] = env["POLICY_SEARCH_ADMIN_TOKEN"]
        if env.get("POLICY_SEARCH_SYNC_FEEDS", "").strip():
            values["sync_feeds"] = tuple(env["POLICY_SEARCH_SYNC_FEEDS"].split())
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
