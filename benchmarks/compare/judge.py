"""Relevance judgments: the rules of ``queries.toml`` applied to the raw text of every post.

No engine takes part. Each query names, per concept (one concept per query word), the surface
forms that count as that concept and the longer contexts that do not (``京都`` counts, ``東京都``
does not). Text and forms are compared after NFKC and lower-casing, so ＩｏＴ and IoT are one
spelling to the judge; a form that starts or ends with a Latin letter must not touch another
letter there, one that starts or ends with a digit neither a letter nor a digit (``AI`` does not
count inside ``mail``, nor ``5G`` inside ``5GHz``; ``Web`` does inside ``Web3``).

Grades, per concept: 2 when a form is in the title or at least :data:`STRONG` times in the body,
1 when it is in the body at all, else 0. A post's grade for a query is the smallest grade over the
query's concepts, so a two-word query needs both.

    python -m benchmarks.compare.judge --stats            # relevant posts per query
    python -m benchmarks.compare.judge --kwic trap-kyoto  # read judged posts in context
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from . import data

QUERIES = Path(__file__).with_name("queries.toml")
#: Body mentions that make a post a strong (grade 2) match without a title match.
STRONG = 3
_MASK = "\x00"


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _edge(char: str, template: str) -> str:
    """The lookaround that keeps a Latin form whole at one edge: a letter there must not touch
    another letter (AI is not in mail, but Web is in Web3), a digit neither a letter nor a digit
    (5G is not in 15G or 5GHz)."""
    if not (char.isascii() and char.isalnum()):
        return ""
    return template.format("[a-z0-9]" if char.isdigit() else "[a-z]")


@dataclass(frozen=True)
class Concept:
    forms: tuple[str, ...]
    excluded: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern[str]:
        alternatives = []
        for form in sorted({fold(f) for f in self.forms}, key=len, reverse=True):
            alternatives.append(_edge(form[0], "(?<!{})") + re.escape(form) + _edge(form[-1], "(?!{})"))
        return re.compile("|".join(alternatives))

    def mask(self, text: str) -> str:
        for context in sorted({fold(c) for c in self.excluded}, key=len, reverse=True):
            text = text.replace(context, _MASK * len(context))
        return text


@dataclass(frozen=True)
class Query:
    id: str
    family: str
    q: str
    concepts: tuple[Concept, ...]
    note: str = ""


def load_queries(path: Path = QUERIES) -> list[Query]:
    """The query set, checked: unique ids, a known family, at least one form per concept."""
    with path.open("rb") as f:
        raw = tomllib.load(f)
    families = raw["families"]
    queries, seen = [], set()
    for item in raw["query"]:
        where = f"{path.name}: query {item.get('id')!r}"
        if item["id"] in seen:
            raise ValueError(f"{where}: duplicate id")
        seen.add(item["id"])
        if item["family"] not in families:
            raise ValueError(f"{where}: unknown family {item['family']!r}")
        specs = item.get("concepts") or [{"forms": item.get("forms", []), "not": item.get("not", [])}]
        concepts = tuple(Concept(tuple(c["forms"]), tuple(c.get("not", []))) for c in specs)
        if not all(c.forms for c in concepts):
            raise ValueError(f"{where}: a concept without forms")
        queries.append(Query(item["id"], item["family"], item["q"], concepts, item.get("note", "")))
    return queries


def families(path: Path = QUERIES) -> dict[str, str]:
    """Family name → what the family tests, in file order."""
    with path.open("rb") as f:
        return tomllib.load(f)["families"]


class Judge:
    """Grades posts for one query; compiled once, applied to many posts."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self._compiled = [(c, c.pattern(), tuple({fold(f) for f in c.forms}))
                          for c in query.concepts]

    def counts(self, title: str, body: str) -> list[tuple[int, int]]:
        """``(title count, body count)`` per concept, on folded (:func:`fold`), masked text."""
        out = []
        for concept, pattern, forms in self._compiled:
            if any(f in title or f in body for f in forms):  # the quick test first
                out.append((len(pattern.findall(concept.mask(title))),
                            len(pattern.findall(concept.mask(body)))))
            else:
                out.append((0, 0))
        return out

    def grade(self, title: str, body: str, folded: bool = False) -> int:
        """The grade of a post; ``folded`` says that title and body are already :func:`fold`-ed."""
        if not folded:
            title, body = fold(title), fold(body)
        grades = [2 if t or b >= STRONG else 1 if b else 0 for t, b in self.counts(title, body)]
        return min(grades)


def qrels(docs: list[data.Doc], queries: list[Query]) -> dict[str, dict[str, int]]:
    """Query id → {post id: grade} for every post of grade 1 or 2."""
    folded = [(d.id, fold(d.title), fold(d.body)) for d in docs]
    out = {}
    for query in queries:
        judge = Judge(query)
        out[query.id] = {pid: g for pid, t, b in folded if (g := judge.grade(t, b, folded=True))}
    return out


def kwic(docs: list[data.Doc], query: Query, n: int, width: int, seed: int) -> None:
    """Print ``n`` random judged posts of each grade, each match in context, to read."""
    judge = Judge(query)
    graded = {0: [], 1: [], 2: []}
    for d in docs:
        graded[judge.grade(d.title, d.body)].append(d)
    rng = random.Random(seed)
    print(f"== {query.id} {query.q!r}: " + ", ".join(f"grade {g}: {len(v)}" for g, v in graded.items()))
    for g in (2, 1):
        for d in rng.sample(graded[g], min(n, len(graded[g]))):
            print(f"-- grade {g} {d.id} title={d.title!r}")
            text = fold(d.title + "\n" + d.body)
            for c, p, _ in judge._compiled:
                for m in list(p.finditer(c.mask(text)))[:3]:
                    s = text[max(0, m.start() - width):m.end() + width].replace("\n", " ")
                    print(f"     …{s}…")
    # Grade-0 posts holding a form of the first concept: where an excluded context (or a missing
    # second concept) decided.
    first = Concept(query.concepts[0].forms)
    loose = Judge(Query("", "", "", (first,)))
    kept_out = [d for d in graded[0] if loose.grade(d.title, d.body)]
    print(f"-- grade 0 although a form of the first concept occurs: {len(kept_out)}")
    for d in rng.sample(kept_out, min(n, len(kept_out))):
        text = fold(d.title + "\n" + d.body)
        for m in list(first.pattern().finditer(text))[:2]:
            s = text[max(0, m.start() - width):m.end() + width].replace("\n", " ")
            print(f"   0 {d.id} …{s}…")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Apply the judgments of queries.toml.")
    parser.add_argument("--corpus", type=Path, default=data.CORPUS)
    parser.add_argument("--stats", action="store_true", help="relevant posts per query")
    parser.add_argument("--kwic", nargs="*", metavar="QID", help="show judged posts in context")
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--width", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    docs = data.load(args.corpus)
    queries = load_queries()
    if args.stats:
        rels = qrels(docs, queries)
        for q in queries:
            grades = list(rels[q.id].values())
            print(f"{q.id}\t{q.family}\t{q.q}\tgrade2={grades.count(2)}\tgrade1={grades.count(1)}")
    for qid in args.kwic or []:
        matches = [q for q in queries if q.id == qid or q.family == qid]
        if not matches:
            print(f"unknown query or family: {qid}", file=sys.stderr)
            return 2
        for q in matches:
            kwic(docs, q, args.n, args.width, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
