"""The benchmark corpus: the 情報通信白書 posts read from ../shared, and the nested subsets of the
scale curve."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpora" / "whitepaper" / "posts.jsonl"
SAMPLE = SHARED / "corpora" / "whitepaper" / "sample-1000.jsonl"
ATTRIBUTION = ("出典：『情報通信白書』（総務省） https://www.soumu.go.jp/johotsusintokei/whitepaper"
               " (CC BY 4.0)")
#: The seed of the corpus README's sample: the first 1,000 of this shuffle are sample-1000.jsonl.
SHUFFLE_SEED = 9536


@dataclass(frozen=True)
class Doc:
    """One post as the peers see it: raw strings, nothing normalised."""

    id: str
    title: str
    body: str
    date: str
    category: str
    url: str


def load(path: Path = CORPUS) -> list[Doc]:
    """Every post of a JSON-lines file, in file order."""
    with path.open(encoding="utf-8") as f:
        return [Doc(p["id"], p["title"], p["body"], p["date"], p["category"], p["url"] or "")
                for p in map(json.loads, f)]


def subset(docs: list[Doc], n: int) -> list[Doc]:
    """``n`` posts drawn with the README's sample shuffle, in corpus order. Subsets are nested, and
    the 1,000-post one holds exactly the posts of sample-1000.jsonl."""
    order = list(range(len(docs)))
    random.Random(SHUFFLE_SEED).shuffle(order)
    return [docs[i] for i in sorted(order[:n])]


def to_post(doc: Doc):
    """The :class:`search.Post` policy-search indexes for ``doc``."""
    from search import Post

    return Post(id=doc.id, title=doc.title, date=dt.date.fromisoformat(doc.date),
                category=doc.category, url=doc.url, body=doc.body)
