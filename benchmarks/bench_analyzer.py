"""Analyzer throughput against raw sudachipy, same texts, same process, same run.

    python -m benchmarks.bench_analyzer [--sample PATH] [--rounds N]

Raw: ``tokenizer.tokenize(chunk, SplitMode.C)`` over title + body of every post, nothing else,
with the analyzer's own Sudachi settings (the four word fields it loads, one MorphemeList reused
for every chunk), so the ratio shows what the analysis adds, not what settings save.
Ours: the full chain (``japanese_analyzer()`` with positions and characters; every token carries
its reading), exactly what indexing a post's title and body does. Rounds
alternate the two and the best round of each counts, so a busy machine hurts both alike.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from search.analysis import morphology, split_chunks
from search.backends.whoosh.analyzer import japanese_analyzer

from benchmarks.common import OUT, SAMPLE, absent, arguments, save



def load_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [p["title"] + "\n" + p["body"] for p in map(json.loads, f)]


#: The word fields search.analysis.Morphology loads; the raw baseline loads the same.
FIELDS = {"pos", "normalized_form", "reading_form", "split_a"}


def time_raw(texts: list[str]) -> float:
    from sudachipy import Dictionary, SplitMode

    tokenizer = Dictionary(dict="core").tokenizer(SplitMode.C, fields=FIELDS)
    morphemes = tokenizer.tokenize("")
    chunks = [c for text in texts for _, c in split_chunks(text)]
    start = time.perf_counter()
    for chunk in chunks:
        tokenizer.tokenize(chunk, out=morphemes)
    return time.perf_counter() - start


def time_analyzer(texts: list[str]) -> tuple[float, int]:
    chain = japanese_analyzer()
    cache = morphology()._cache
    cache.clear()
    tokens = 0
    start = time.perf_counter()
    for text in texts:
        for _ in chain(text, positions=True, chars=True, mode="index"):
            tokens += 1
    return time.perf_counter() - start, tokens


def main(argv: list[str] | None = None) -> dict:
    args = arguments(__doc__, argv, sample=SAMPLE, rounds=3)
    if absent(args.sample):
        return {}
    texts = load_texts(args.sample)
    chars = sum(map(len, texts))
    morphology()  # load the dictionary outside the timings
    raw_best = ours_best = float("inf")
    tokens = 0
    for _ in range(args.rounds):
        raw_best = min(raw_best, time_raw(texts))
        seconds, tokens = time_analyzer(texts)
        ours_best = min(ours_best, seconds)
    result = {
        "posts": len(texts), "chars": chars, "tokens": tokens,
        "raw_seconds": round(raw_best, 3), "analyzer_seconds": round(ours_best, 3),
        "raw_chars_per_s": round(chars / raw_best), "analyzer_chars_per_s": round(chars / ours_best),
        "ratio": round(raw_best / ours_best, 3),
    }
    print("| | seconds | chars/s |\n|---|---:|---:|")
    print(f"| raw sudachipy, mode C, the analyzer's settings | {raw_best:.2f} | {chars / raw_best:,.0f} |")
    print(f"| japanese_analyzer, all features | {ours_best:.2f} | {chars / ours_best:,.0f} |")
    print(f"ratio (analyzer chars/s ÷ raw chars/s): {result['ratio']:.2f}  "
          f"({len(texts)} posts, {chars:,} chars, {tokens:,} tokens)")
    save(result, OUT / "analyzer.json")
    return result


if __name__ == "__main__":
    main()
