"""What every source reader takes and returns."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from search import Post

from ..postfile import ID_PATTERN
from ..problems import Problem

#: Category of a saved page or feed entry that names none.
DEFAULT_CATEGORY = "未分類"
_CANPAN_POST = re.compile(
    r"https?://blog\.canpan\.info/([A-Za-z0-9_-]+)/archive/(\d+)/?(?:[?#].*)?"
)


@dataclass(frozen=True)
class ImportOptions:
    category: str = DEFAULT_CATEGORY
    """Category for posts whose source does not name one (saved pages, feeds without categories)."""
    url: str | None = None
    """Source address of a saved page (the saved text does not contain it)."""


@dataclass(frozen=True)
class SourcePost:
    post: Post
    file: str
    line: int


@dataclass
class SourceResult:
    posts: list[SourcePost] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def reject(self, file: str, line: int, reason: str) -> None:
        self.problems.append(Problem(file, line, reason))


def id_from_link(link: str) -> str:
    """A stable post id for a post known by its address: ``canpan-<blog>-<n>`` for a CANPAN blog
    post (``https://blog.canpan.info/<blog>/archive/<n>``), else ``link-`` and a hash of it."""
    m = _CANPAN_POST.fullmatch(link.strip())
    if m:
        candidate = f"canpan-{m.group(1)}-{m.group(2)}"
        if ID_PATTERN.fullmatch(candidate):
            return candidate
    return "link-" + hashlib.sha256(link.strip().encode("utf-8")).hexdigest()[:20]


def one_line(text: str | None) -> str:
    """Titles and categories: white space runs (line breaks too) made one space."""
    return " ".join((text or "").split())
