"""The corpus directory: one ``<id>.md`` post file per post, written atomically."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from search import Post
from search.backend import Loaded, Rejected
from search.store import sync_dir, write_atomically

from .postfile import is_valid_id, parse_post, render_post
from .problems import InputError, Problem

SUFFIX = ".md"


def post_paths(corpus_dir: Path) -> list[Path]:
    """The post files of ``corpus_dir``, sorted by name; hidden (temporary) files are skipped."""
    return [path for path, _ in scan_corpus(corpus_dir).values()]


FileKey = tuple[int, int, int, int]


def file_key(st: os.stat_result) -> FileKey:
    """What changes whenever a file's content can have changed: size, modification and change
    times in nanoseconds (the change time cannot be set back), inode (a renamed-over file)."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def scan_corpus(corpus_dir: Path) -> dict[str, tuple[Path, FileKey]]:
    """``{id: (path, file key)}`` of the post files of ``corpus_dir``, sorted by file name."""
    try:
        entries = list(os.scandir(corpus_dir))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    found = {}
    for entry in sorted(entries, key=lambda e: e.name):
        if not entry.name.endswith(SUFFIX) or entry.name.startswith("."):
            continue
        try:
            if entry.is_file():
                found[entry.name.removesuffix(SUFFIX)] = (Path(entry.path), file_key(entry.stat()))
        except FileNotFoundError:
            continue  # removed while we looked
    return found


def load_post_file(path: Path) -> Loaded | Rejected:
    """A backend's :data:`search.backend.PostLoader` for post files: the post and its file key
    (taken before reading, so a later change shows), or why the file is not a post."""
    try:
        key = file_key(os.stat(path))
        return Loaded(read_post(path), key)
    except OSError as exc:
        return Rejected(str(path), 1, f"cannot read the file: {exc.strerror}")
    except InputError as exc:
        return exc.problem


def read_post(path: Path) -> Post:
    """Parse one post file; raises :class:`InputError` with ``FILE:LINE``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), 1, f"cannot read the file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(str(path), line, "the file is not UTF-8") from None
    return parse_post(text, str(path), path.name.removesuffix(SUFFIX))


def load_corpus(
    corpus_dir: str | os.PathLike[str], progress: Callable[[int, int], None] | None = None
) -> tuple[list[Post], list[Problem]]:
    """Every post of ``corpus_dir`` that parses, and a :class:`Problem` for each that does not."""
    posts, problems = [], []
    paths = post_paths(Path(corpus_dir))
    for n, path in enumerate(paths, 1):
        try:
            posts.append(read_post(path))
        except InputError as exc:
            problems.append(exc.problem)
        if progress is not None:
            progress(n, len(paths))
    return posts, problems


def post_path(corpus_dir: Path, post_id: str) -> Path:
    return corpus_dir / f"{post_id}{SUFFIX}"


def write_post(corpus_dir: Path, post: Post) -> str:
    """Write ``post`` to its file (temporary file, then rename): ``added``, ``updated`` or
    ``unchanged``."""
    path = post_path(corpus_dir, post.id)
    data = render_post(post).encode("utf-8")
    try:
        if path.read_bytes() == data:
            return "unchanged"
        outcome = "updated"
    except FileNotFoundError:
        outcome = "added"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    return outcome


def remove_posts(corpus_dir: Path, ids: list[str]) -> tuple[list[str], list[str]]:
    """Delete the files of ``ids``: ``(removed ids, messages about ids that were not removed)``."""
    removed, failed = [], []
    for post_id in ids:
        if not is_valid_id(post_id):
            failed.append(f"{post_id!r} is not a post id (A-Z a-z 0-9 . _ -)")
            continue
        path = post_path(corpus_dir, post_id)
        try:
            path.unlink()
            removed.append(post_id)
        except FileNotFoundError:
            failed.append(f"{path}: no such post file")
    if removed:
        sync_dir(corpus_dir)
    return removed, failed
