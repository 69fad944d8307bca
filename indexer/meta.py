"""Build metadata: a small JSON file inside each index generation.

``build.json`` records the schema version the generation was built with (an index of another
version is rebuilt, never updated), when it was written and how, and how many posts it holds.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from search.schema import SCHEMA_VERSION

from .corpus import write_atomically

META_NAME = "build.json"


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
    def now(cls, kind: str, posts: int, corpus: Path, rebuilt_at: str | None = None) -> "BuildInfo":
        stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        return cls(SCHEMA_VERSION, kind, stamp, rebuilt_at or stamp, posts, str(corpus.resolve()))


def read_build_info(generation: Path) -> BuildInfo | None:
    """The generation's metadata, or None when it is missing or unreadable (the index is rebuilt)."""
    try:
        data = json.loads((generation / META_NAME).read_text("utf-8"))
        return BuildInfo(**{f.name: data[f.name] for f in fields(BuildInfo)})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_build_info(generation: Path, info: BuildInfo) -> None:
    text = json.dumps(asdict(info), ensure_ascii=False, indent=2) + "\n"
    write_atomically(generation / META_NAME, text.encode("utf-8"))
