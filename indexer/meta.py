"""Build metadata: two small JSON files kept with each index generation (by the backend:
:meth:`search.backend.WriteSession.put_file`, :meth:`search.backend.Generation.read_file`).

``build.json`` records the schema version the generation was built with (an index of another
version is rebuilt, never updated), when it was written and how, and how many posts it holds.
``hashes.json`` lists, for each post in the generation, its ``content_hash`` (the same value as
the stored field, which ``update`` would otherwise read back with every post's stored text) and
the key of its post file when it was read (size, times, inode: :func:`indexer.corpus.file_key`),
so that ``update`` parses only the files whose key changed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from search.backend import Generation
from search.schema import SCHEMA_VERSION

META_NAME = "build.json"
HASHES_NAME = "hashes.json"


@dataclass(frozen=True)
class BuildInfo:
    schema_version: int
    kind: str
    """``rebuild`` or ``update``: what wrote this generation."""
    built_at: str
    """When this generation was written (ISO 8601, UTC)."""
    rebuilt_at: str
    """When the last full rebuild in its history ran."""
    posts: int
    corpus: str

    @classmethod
    def now(cls, kind: str, posts: int, corpus: Path, rebuilt_at: str | None = None) -> BuildInfo:
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return cls(SCHEMA_VERSION, kind, stamp, rebuilt_at or stamp, posts, str(corpus.resolve()))


def read_build_info(generation: Generation) -> BuildInfo | None:
    """The generation's metadata, or None when missing or unreadable (the index is rebuilt)."""
    try:
        data = json.loads((generation.read_file(META_NAME) or b"").decode("utf-8"))
        return BuildInfo(**{f.name: data[f.name] for f in fields(BuildInfo)})
    except (ValueError, KeyError, TypeError):
        return None


def build_info_bytes(info: BuildInfo) -> bytes:
    """``build.json`` of ``info``."""
    return (json.dumps(asdict(info), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def read_hashes(generation: Generation) -> dict[str, tuple[str, tuple | None]] | None:
    """The generation's ``{id: (content_hash, file key or None)}``, or None when the file is
    missing or unreadable."""
    try:
        data = json.loads((generation.read_file(HASHES_NAME) or b"").decode("utf-8"))
        return {post_id: (entry[0], tuple(entry[1:]) or None) for post_id, entry in data.items()}
    except (ValueError, TypeError, AttributeError, IndexError):
        return None


def hashes_bytes(entries: dict[str, tuple[str, tuple | None]]) -> bytes:
    """``hashes.json`` of ``{id: (content_hash, file key or None)}``: ``{id: [hash, *key]}``."""
    data = {post_id: [digest, *(key or ())] for post_id, (digest, key) in sorted(entries.items())}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
