"""Write ``latency_queries.txt``: more queries for the latency runs, drawn from post titles.

    python -m benchmarks.compare.make_latency_queries

The latency runs time the judged queries of ``queries.toml`` plus these, so that every engine
answers at least 300 different queries at every corpus size (no query twice, so no engine gains
from a cache). The words are Sudachi mode-C nouns of the corpus titles that at least two titles
share; 170 single words and 80 pairs of words from one title, drawn with a fixed seed. The file
is committed so that the query load stays the same when the dictionary changes.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from . import data

OUT = Path(__file__).with_name("latency_queries.txt")
SEED = 2024
SINGLE, PAIRS = 170, 80


def title_nouns(title: str, tokenizer) -> list[str]:
    out = []
    for m in tokenizer.tokenize(title):
        pos = m.part_of_speech()
        word = m.surface()
        if pos[0] == "名詞" and pos[1] in ("普通名詞", "固有名詞") and 2 <= len(word) <= 12 \
                and not word.isascii() and not any(c.isdigit() for c in word):
            out.append(word)
    return out


def main() -> None:
    from sudachipy import Dictionary, SplitMode

    tokenizer = Dictionary(dict="core").tokenizer(SplitMode.C)
    nouns = [sorted(set(title_nouns(d.title, tokenizer))) for d in data.load()]
    df = Counter(w for words in nouns for w in words)
    common = sorted(w for w, n in df.items() if n >= 2)
    rng = random.Random(SEED)
    queries = rng.sample(common, SINGLE)
    titles = [[w for w in words if df[w] >= 2] for words in nouns]
    titles = [words for words in titles if len(words) >= 2]
    while len(queries) < SINGLE + PAIRS:
        pair = " ".join(rng.sample(rng.choice(titles), 2))
        if pair not in queries:
            queries.append(pair)
    OUT.write_text("# Latency queries beside the judged ones; written by make_latency_queries.py.\n"
                   + "\n".join(queries) + "\n", "utf-8")
    print(f"wrote {len(queries)} queries to {OUT}")


if __name__ == "__main__":
    main()
