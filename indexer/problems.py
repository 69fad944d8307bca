"""What goes wrong with input, said as ``FILE:LINE: reason``, and the indexer's own errors."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, ClassVar

from search.backend import Rejected

#: One rejected piece of input: a post file, a JSONL line, a feed entry, a page. The same record
#: as a backend's rejected post file, so a build passes those on as they are.
Problem = Rejected


class WithProblems:
    """For a summary dataclass with a ``problems`` list: how many pieces of input were rejected,
    whether none was, and the summary as plain JSON-ready data."""

    problems: list[Problem]
    __dataclass_fields__: ClassVar[dict[str, Any]]  # set by @dataclass on each summary

    @property
    def rejected(self) -> int:
        return len(self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        """Every field (problems as ``{file, line, reason}``), ``rejected`` and ``ok``."""
        return {**asdict(self), "rejected": self.rejected, "ok": self.ok}


class InputError(Exception):
    """Raised for one bad piece of input; carries the :class:`Problem`."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.problem = Problem(file, line, reason)


class FieldError(ValueError):
    """A post field is missing, of the wrong type or out of its rules; ``key`` names it."""

    def __init__(self, key: str | None, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


class IndexerError(Exception):
    """A failure of a whole command (not of one post), with a message that says how to fix it."""


class IndexLocked(IndexerError):
    """Another process holds the index's write lock."""
