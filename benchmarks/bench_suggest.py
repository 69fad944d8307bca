"""Suggestion latency in-process on the white-paper index: ``SearchService.suggest``.

    python -m benchmarks.bench_suggest [--corpus PATH] [--prefixes N]

Index: the white-paper corpus built as :mod:`benchmarks.bench_query` builds it (cached under
``benchmarks/out/whitepaper-index``), with its suggestion lexicon (``suggest.json``).

Prefix families, N prefixes each, deterministic: words of the lexicon drawn at random (weighted
by how many posts hold them, as readers type common words more often), cut after 1, 2 and 4
characters, typed as kana (the reading in hiragana, as an IME shows it before conversion) and
as written (the surface). Each prefix is asked once for 8 suggestions after a warm-up round of
other prefixes; wall and CPU time per call, p50/p90/p99/max per family. The first call of a
generation also loads the lexicon: timed on its own.

Did-you-mean, side by side: N katakana words of the lexicon with one character changed (a
typo), each searched through ``SearchService.search`` with and without looking for a proposal,
alternating; the extra time is what a reader pays when a search finds little.

No peer: Whoosh has no suggester over readings; its closest tool (``Searcher.suggest`` /
``expand_prefix`` on a field) lists index terms by prefix, not compounds or readings.
"""

from __future__ import annotations

import random
import statistics
import time

from search import SearchRequest, Settings, SearchService
from search.suggest import SuggestLexicon

from benchmarks.bench_query import _stamp, build_ours, load_posts, percentile
from benchmarks.common import CORPUS, OUT, absent, arguments, save

_TO_HIRAGANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}


def families(lexicon: SuggestLexicon, n: int, seed: int = 20261204) -> dict[str, list[str]]:
    entries = lexicon.entries()
    rng = random.Random(seed)
    weights = [posts for _, _, posts, _ in entries]
    out: dict[str, list[str]] = {}
    for kind in ("kana", "surface"):
        for cut in (1, 2, 4):
            picked = rng.choices(entries, weights=weights, k=n * 3)
            prefixes = []
            for surface, reading, _, _ in picked:
                text = reading.translate(_TO_HIRAGANA) if kind == "kana" else surface
                if len(text) >= cut:
                    prefixes.append(text[:cut])
                if len(prefixes) == n:
                    break
            out[f"{kind} {cut}"] = prefixes
    return out


def time_calls(service: SearchService, prefixes: list[str]) -> dict:
    wall, cpu = [], []
    for prefix in prefixes:
        w0, c0 = time.perf_counter(), time.process_time()
        service.suggest(prefix, 8)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return {"n": len(prefixes), "p50_ms": round(percentile(wall, 50), 3),
            "p90_ms": round(percentile(wall, 90), 3), "p99_ms": round(percentile(wall, 99), 3),
            "max_ms": round(max(wall), 3), "mean_ms": round(statistics.fmean(wall), 3),
            "cpu_mean_ms": round(statistics.fmean(cpu), 3),
            "sem_ms": round(statistics.stdev(wall) / len(wall) ** 0.5, 4) if len(wall) > 1 else 0.0}


def typo_queries(lexicon: SuggestLexicon, n: int, seed: int = 20261205) -> list[str]:
    rng = random.Random(seed)
    words = sorted({s for s, r, p, _ in lexicon.entries() if s == r and len(s) >= 5})
    out = []
    for word in rng.sample(words, min(n, len(words))):
        k = rng.randrange(1, len(word))
        out.append(word[:k] + rng.choice("アイウエオカキクケコサシスセソ") + word[k + 1:])
    return out


def time_did_you_mean(service: SearchService, queries: list[str]) -> dict:
    plain, helped, proposed = [], [], 0
    for q in queries:
        req = SearchRequest(q=q)
        for wanted, times in ((False, plain), (True, helped)):
            w0 = time.perf_counter()
            res = service.search(req, did_you_mean=wanted)
            times.append((time.perf_counter() - w0) * 1000)
            if wanted and res["did_you_mean"]:
                proposed += 1
    return {"n": len(queries), "proposed": proposed,
            "without_p50_ms": round(percentile(plain, 50), 2), "without_p99_ms": round(percentile(plain, 99), 2),
            "with_p50_ms": round(percentile(helped, 50), 2), "with_p99_ms": round(percentile(helped, 99), 2),
            "extra_mean_ms": round(statistics.fmean(h - p for h, p in zip(helped, plain)), 2)}


def main(argv: list[str] | None = None) -> dict | None:
    args = arguments(__doc__, argv, corpus=CORPUS, prefixes=500, out=OUT / "suggest.json")
    if absent(args.corpus):
        return None
    posts = load_posts(args.corpus)
    root = build_ours(posts, OUT / "whitepaper-index", _stamp(args.corpus))
    service = SearchService(Settings(index_dir=root))
    try:
        w0, c0 = time.perf_counter(), time.process_time()
        service.suggest("あ", 8)  # opens the index and loads the lexicon
        load = {"wall_ms": round((time.perf_counter() - w0) * 1000, 1),
                "cpu_ms": round((time.process_time() - c0) * 1000, 1)}
        lexicon = SuggestLexicon.load(root / "current")
        size = (root / "current" / "suggest.json").stat().st_size
        fams = families(lexicon, args.prefixes)
        warm = families(lexicon, 100, seed=1)
        for prefixes in warm.values():
            time_calls(service, prefixes)
        timed = {name: time_calls(service, prefixes) for name, prefixes in fams.items()}
        typos = typo_queries(lexicon, 200)
        time_did_you_mean(service, typos[:20])  # warm-up: builds the known words once
        dym = time_did_you_mean(service, typos[20:])
    finally:
        service.close()
    result = {"posts": len(posts), "entries": len(lexicon), "file_bytes": size, "first_call": load,
              "families": timed, "did_you_mean": dym,
              "worst_p99_ms": max(t["p99_ms"] for t in timed.values())}
    save(result, args.out)
    print(f"suggest: {len(posts):,} posts, {len(lexicon):,} entries ({size / 1e6:.1f} MB), "
          f"first call {load['wall_ms']} ms")
    print("| family | prefixes | p50 ms | p90 ms | p99 ms | max ms | mean ms (± s.e.) | CPU mean ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, t in timed.items():
        print(f"| {name} | {t['n']} | {t['p50_ms']} | {t['p90_ms']} | {t['p99_ms']} | {t['max_ms']} | "
              f"{t['mean_ms']} (± {t['sem_ms']}) | {t['cpu_mean_ms']} |")
    print(f"did-you-mean over {dym['n']} katakana typos ({dym['proposed']} got a proposal): "
          f"search p50 {dym['without_p50_ms']} ms / p99 {dym['without_p99_ms']} ms without, "
          f"p50 {dym['with_p50_ms']} ms / p99 {dym['with_p99_ms']} ms with; "
          f"{dym['extra_mean_ms']} ms more on average")
    return result


if __name__ == "__main__":
    main()
