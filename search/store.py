"""The index root on disk (``POLICY_SEARCH_INDEX``, by default ``./var/index``): the local state
directory of every backend (the write lock), and for the Whoosh backend the
generations themselves, of which a new one replaces the live one atomically.

Layout of an index root with the Whoosh backend::

    var/index/
      current -> gen-20261127T191600-3f2a   symlink to the live generation
      gen-20261127T191600-3f2a/             a complete Whoosh index
      gen-…-tmp/                            a build in progress (never served)
      write.lock                            held by the one process that writes

Readers resolve ``current`` for every request, so a switch is one atomic ``rename`` of a symlink:
a crash before it leaves the old generation serving, a crash after it leaves the new one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path
from typing import Any, ClassVar, Self

CURRENT = "current"
GENERATION_PREFIX = "gen-"
BUILDING_SUFFIX = "-tmp"
LOCK_NAME = "write.lock"


class IndexStore:
    """The generations under one index root."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_NAME

    def live_dir(self) -> Path | None:
        """The live generation's directory, or None when nothing was ever published."""
        link = self.root / CURRENT
        try:
            target = os.readlink(link)
        except (FileNotFoundError, NotADirectoryError):
            return None
        path = self.root / target
        return path if path.is_dir() else None

    def new_build_dir(self) -> Path:
        """A fresh, empty directory for a build in progress."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path = self.root / f"{GENERATION_PREFIX}{stamp}-{secrets.token_hex(3)}{BUILDING_SUFFIX}"
        path.mkdir()
        return path

    def publish(self, build_dir: Path) -> Path:
        """Make a finished build the live generation, atomically; return its final directory."""
        final = build_dir.with_name(build_dir.name.removesuffix(BUILDING_SUFFIX))
        os.rename(build_dir, final)
        sync_dir(self.root)
        tmp_link = self.root / f".{CURRENT}-{secrets.token_hex(4)}"
        os.symlink(final.name, tmp_link)
        os.replace(tmp_link, self.root / CURRENT)
        sync_dir(self.root)
        return final

    def stale_dirs(self) -> list[Path]:
        """Generations that are not live, and builds left by a crash."""
        live = self.live_dir()
        if not self.root.is_dir():
            return []
        return sorted(
            p
            for p in self.root.iterdir()
            if p.is_dir() and p.name.startswith(GENERATION_PREFIX) and p != live
        )


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data``: a reader sees the old file or the new one, never a part."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sync_dir(path: Path) -> None:
    """Flush a directory's entries (renames, deletions) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class GenerationFile:
    """A JSON file kept with each generation (a lexicon): :attr:`NAME` in a Whoosh generation's
    directory, or the same bytes through :meth:`search.backend.WriteSession.put_file`.
    Subclasses give :attr:`NAME`, :meth:`from_json` and :meth:`dumps`, and construct empty with
    no arguments."""

    __slots__ = ()
    NAME: ClassVar[str]

    @classmethod
    def from_json(cls, data: Any) -> Self | None:
        """The object in decoded JSON, or None when it is not one (entries of the wrong kind are
        skipped)."""
        raise NotImplementedError

    def dumps(self) -> bytes:
        """The bytes of the file, as :meth:`parse` reads them."""
        raise NotImplementedError

    @classmethod
    def parse(cls, raw: bytes | None) -> Self | None:
        """The object in the bytes of the file, or None when there are none or they are not one."""
        if raw is None:
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError and JSONDecodeError both are
            return None
        return cls.from_json(data)

    @classmethod
    def read(cls, generation: Path) -> Self | None:
        """The object kept in a generation directory, or None when the file is missing or is not
        one."""
        try:
            raw = (Path(generation) / cls.NAME).read_bytes()
        except OSError:
            return None
        return cls.parse(raw)

    @classmethod
    def load(cls, generation: Path) -> Self:
        """The object kept in a generation directory; an empty one when it has no readable one."""
        found = cls.read(generation)
        return cls() if found is None else found

    def save(self, generation: Path) -> None:
        """Write the file into a generation being built (not yet published: the build flushes
        and publishes the directory as a whole)."""
        (Path(generation) / self.NAME).write_bytes(self.dumps())
