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

    title_boost: float = 10.0
    """How much a match in the title outweighs one in the body: BM25F's field weight, which
    multiplies the title's term frequency before the fields are added and saturated (a title
    is about ten units long, so one occurrence there weighs about as much as several in a
    body; docs/search.md)."""

    reading_boost: float = 0.5
    """Weight of a match found only through the katakana reading of a kana-only query word."""

    per_page: int = 20
    """Hits per page when the request does not say."""

    max_per_page: int = 100
    """The largest ``per_page`` a request may ask for."""

    max_query_chars: int = 5000
    """Longer query strings are refused with HTTP 400."""

    backend: str = "whoosh"
    """Which search backend holds the index: ``whoosh`` (embedded, files under ``index_dir``) or
    ``opensearch`` (a cluster at ``opensearch_url``; ``index_dir`` then keeps only local state:
    the write lock). See :mod:`search.backend`. Env: ``POLICY_SEARCH_BACKEND``."""

    opensearch_url: str = "http://127.0.0.1:9200"
    """The OpenSearch cluster's HTTP address (``backend = "opensearch"``). Env:
    ``POLICY_SEARCH_OPENSEARCH_URL``."""

    opensearch_index: str = "policy-posts"
    """The alias searches read; each rebuild creates a new index named after it and swaps the
    alias to it. Env: ``POLICY_SEARCH_OPENSEARCH_INDEX``."""

    opensearch_shards: int = 2
    """Primary shards of an index a rebuild creates. Env: ``POLICY_SEARCH_OPENSEARCH_SHARDS``."""

    opensearch_replicas: int = 1
    """Replicas of each shard of an index a rebuild creates. Env:
    ``POLICY_SEARCH_OPENSEARCH_REPLICAS``."""

    opensearch_timeout: float = 10.0
    """Seconds a request to the cluster may take before it counts as down (HTTP 503, a one-line
    CLI error). Env: ``POLICY_SEARCH_OPENSEARCH_TIMEOUT``."""

    opensearch_ca: str | None = None
    """A CA bundle (PEM file) that verifies an ``https://`` cluster's certificate, for a cluster
    whose CA the system does not trust; None: the system's CA store. Certificates are always
    verified. Env: ``POLICY_SEARCH_OPENSEARCH_CA``."""

    admin_token: str | None = field(default=None, repr=False)
    """Bearer token that enables ``POST /api/admin/update``; None disables it.
    Env: ``POLICY_SEARCH_ADMIN_TOKEN``."""

    sync_feeds: tuple[str, ...] = ()
    """Feeds (or blog pages that link one) that ``POST /api/admin/sync`` syncs; a request cannot
    name others. Env: ``POLICY_SEARCH_SYNC_FEEDS``, addresses separated by white space."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
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
        if env.get("POLICY_SEARCH_BACKEND"):
            values["backend"] = env["POLICY_SEARCH_BACKEND"].strip().lower()
        for name, key, kind, low in _OPENSEARCH_ENV:
            if env.get(name):
                values[key] = _parse(name, env[name], kind, low)
        if env.get("POLICY_SEARCH_ADMIN_TOKEN"):
            values["admin_token"] = env["POLICY_SEARCH_ADMIN_TOKEN"]
        if env.get("POLICY_SEARCH_SYNC_FEEDS", "").strip():
            values["sync_feeds"] = tuple(env["POLICY_SEARCH_SYNC_FEEDS"].split())
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        # Imported here: search.backend imports the analysis, which config must not need.
        from .backend import BACKENDS

        if self.backend not in BACKENDS:
            raise ValueError(
                f"unknown backend {self.backend!r}: set POLICY_SEARCH_BACKEND to "
                f"one of {', '.join(BACKENDS)}"
            )


#: (variable, field, type, smallest value allowed)
_OPENSEARCH_ENV = (
    ("POLICY_SEARCH_OPENSEARCH_URL", "opensearch_url", str, None),
    ("POLICY_SEARCH_OPENSEARCH_INDEX", "opensearch_index", str, None),
    ("POLICY_SEARCH_OPENSEARCH_SHARDS", "opensearch_shards", int, 1),
    ("POLICY_SEARCH_OPENSEARCH_REPLICAS", "opensearch_replicas", int, 0),
    ("POLICY_SEARCH_OPENSEARCH_TIMEOUT", "opensearch_timeout", float, 0.001),
    ("POLICY_SEARCH_OPENSEARCH_CA", "opensearch_ca", str, None),
)


def _parse(name: str, value: str, kind: type, low):
    """``value`` as ``kind``, at least ``low``; a clear error naming the variable otherwise."""
    try:
        parsed = kind(value.strip())
    except ValueError:
        raise ValueError(
            f"{name}={value!r} is not a valid {kind.__name__}: fix or unset the variable"
        ) from None
    if low is not None and not parsed >= low:
        raise ValueError(f"{name}={value!r} must be at least {low:g}: fix or unset the variable")
    return parsed
