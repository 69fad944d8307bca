"""What goes wrong with input, said as ``FILE:LINE: reason``, and the indexer's own errors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One rejected piece of input: a post file, a JSONL line, a feed entry, a page."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "reason": self.reason}


class WithProblems:
    """For a summary with a ``problems`` list: how many pieces of input were rejected, and
    whether none was."""

    problems: list[Problem]

    @property
    def rejected(self) -> int:
        return len(self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems


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
