"""What every engine of the comparison offers the harness."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from ..data import Doc

#: Title matches weigh this much more than body matches in every engine (policy-search's default
#: ``Settings.title_boost``), so the ranking differences come from the analysis, not the weights.
TITLE_BOOST = 3.0

Search = Callable[[str, int], list[str]]
_SPACES = re.compile(r"[\s\u3000]+")


def query_words(q: str) -> list[str]:
    """The words of a query: split at ASCII and full-width spaces. Every engine ANDs them."""
    return [w for w in _SPACES.split(q) if w]


class Engine:
    """An engine under test. ``build`` indexes the posts into ``directory`` (which it owns) and
    returns the seconds of its phases; ``variants`` are the named ways of querying the index,
    each ``search(q, k) -> [post id, ...]`` best first."""

    name = ""
    description = ""

    def build(self, docs: list[Doc], directory: Path, shared: dict) -> dict[str, float]:
        raise NotImplementedError

    def variants(self) -> dict[str, Search]:
        raise NotImplementedError

    def index_dir(self, directory: Path) -> Path:
        """Where the index proper lies inside ``directory`` (what its size on disk counts)."""
        return directory

    def close(self) -> None:
        pass
