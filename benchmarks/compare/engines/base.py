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
    #: True when the engine runs Sudachi in the measuring process (to analyse posts or queries).
    uses_sudachi = False
    #: True when the engine indexes the Sudachi terms of :mod:`.sudachi_terms` (an analysis the
    #: worker runs once per group and corpus size, counted in each such engine's build).
    uses_terms = False
    #: CPU seconds of work done for this engine before its build started (the shared analysis),
    #: added to the CPU seconds measured over the build.
    analysis_cpu_s = 0.0
    #: Rough milliseconds of work per post (build and queries) on one core: only the harness's
    #: scheduler uses it, to share the jobs between the two cores evenly.
    cost_hint = 5.0

    def build(self, docs: list[Doc], directory: Path, shared: dict) -> dict[str, float]:
        raise NotImplementedError

    def search(self, q: str, k: int) -> list[str]:
        """The ids of the top ``k`` posts for ``q``, best first."""
        raise NotImplementedError

    def variants(self) -> dict[str, Search]:
        """The ways of querying, by label; most engines have one, under their own name."""
        return {self.name: self.search}

    def before_query(self) -> None:
        """Called, untimed, before every timed query: an engine with a result cache clears it
        here, so that every engine is timed on cold queries."""

    def build_processes(self) -> int:
        """Processes that do the build's work at the same time (policy-search's indexer starts
        several); the raw-Sudachi comparison runs in as many."""
        return 1

    def index_dir(self, directory: Path) -> Path:
        """Where the index proper lies inside ``directory`` (what its size on disk counts)."""
        return directory

    def close(self) -> None:
        pass
