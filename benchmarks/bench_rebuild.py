"""Full rebuild and incremental update against raw sudachipy, same texts, same process, same run.

    python -m benchmarks.bench_rebuild [--posts N] [--workers W] [--rounds R] [--profile-posts P]

The posts of ``../shared/corpora/whitepaper/posts.jsonl`` (or its first N) are imported into a
temporary corpus, then:

* raw: ``tokenizer.tokenize(chunk, SplitMode.C)`` over title and body of every post, in chunks
  under 49,149 bytes (``split_chunks``), with the analyzer's settings (the four word fields it
  loads, one reused MorphemeList), nothing else: once in one process (its CPU seconds are the
  baseline of the CPU ratio), and once split over as many processes as the rebuild runs (its
  wall seconds are the baseline of the wall ratio: the same number of cores);
* rebuild: ``policy-search rebuild --workers W`` (default 2) run as a process, from post files to
  a published index, timed from start to exit; the peak memory of its process tree is sampled
  with psutil (RSS and PSS summed over the tree) and read from ``getrusage``;
* update: 10 posts changed, then ``indexer.update``; and ``update`` with nothing changed.

Rounds alternate raw and rebuild and the best of each counts, so a busy machine hurts both
alike. A phase breakdown of one process on P posts shows what the time goes to. Results go to
``benchmarks/out/rebuild.json``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from itertools import islice
from pathlib import Path

from benchmarks.common import CORPUS, OUT, absent, save

CHANGED = 10


class MemorySampler:
    """Peak of the summed RSS and PSS of process ``pid`` and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        import psutil

        self._psutil = psutil
        self.pid = pid
        self.interval = interval
        self.peak_rss = self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            root = self._psutil.Process(self.pid)
        except self._psutil.NoSuchProcess:
            return
        while True:
            rss = pss = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except self._psutil.NoSuchProcess:
                tree = []
            for proc in tree:
                try:
                    info = proc.memory_full_info()
                except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                    continue
                rss += info.rss
                pss += info.pss
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            if self._stop.wait(self.interval):
                return


def cpu_seconds() -> float:
    """User + system CPU time of this process and its waited-for children so far."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


#: The word fields the analyzer loads (search.analysis.Morphology): the raw baseline loads the same.
FIELDS = {"pos", "normalized_form", "reading_form", "split_a"}


def raw_chunks(texts) -> list[str]:
    from search.analysis import SUDACHI_MAX_BYTES, split_chunks

    return [c for text in texts for _, c in split_chunks(text, SUDACHI_MAX_BYTES)]


def tokenize_all(chunks: list[str]) -> float:
    """Raw Sudachi over ``chunks`` in this process, with the analyzer's settings (its word
    fields, one reused MorphemeList); returns the CPU seconds of the tokenizing."""
    from sudachipy import Dictionary, SplitMode

    tokenizer = Dictionary(dict="core").tokenizer(SplitMode.C, fields=FIELDS)
    morphemes = tokenizer.tokenize("")
    cpu = time.process_time()
    for chunk in chunks:
        tokenizer.tokenize(chunk, out=morphemes)
    return time.process_time() - cpu


def time_raw(posts) -> tuple[float, float]:
    """``(wall seconds, CPU seconds)`` of raw Sudachi over every post, in this process."""
    from sudachipy import Dictionary, SplitMode

    tokenizer = Dictionary(dict="core").tokenizer(SplitMode.C, fields=FIELDS)
    morphemes = tokenizer.tokenize("")
    chunks = raw_chunks(text for p in posts for text in (p.title, p.body))
    start, cpu = time.perf_counter(), time.process_time()
    for chunk in chunks:
        tokenizer.tokenize(chunk, out=morphemes)
    return time.perf_counter() - start, time.process_time() - cpu


def _raw_worker(chunks: list[str], ready, go, results) -> None:
    tokenize_all([])  # load the dictionary before the clock starts
    ready.put(None)
    go.wait()
    results.put(tokenize_all(chunks))


def time_raw_parallel(posts, processes: int) -> tuple[float, float]:
    """``(wall seconds, CPU seconds)`` of raw Sudachi over every post split over ``processes``
    processes (posts dealt round-robin), each loading the dictionary before the clock starts."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    shares = [raw_chunks(t for p in posts[i::processes] for t in (p.title, p.body))
              for i in range(processes)]
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_raw_worker, args=(share, ready, go, results)) for share in shares]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get()
    start = time.perf_counter()
    go.set()
    cpu = sum(results.get() for _ in procs)
    wall = time.perf_counter() - start
    for proc in procs:
        proc.join()
    return wall, cpu


def change_posts(corpus: Path, posts, count: int, round_: int) -> None:
    from indexer import write_post
    from search import Post

    for post in posts[:count]:
        body = post.body + f"\n\n追記{round_}：この記事を更新した。"
        write_post(corpus, Post(post.id, post.title, post.date, post.category, post.url, body, post.tags))


def phases(posts, scratch: Path) -> dict:
    """One process: raw Sudachi, the analyzer's units, posting building and the flush."""
    from whoosh import index as whoosh_index

    from search.backends.whoosh.writer import LeanWriter
    from search.backends.whoosh.schema import make_schema, post_document
    from search.analysis import morphology

    out = {"posts": len(posts), "raw": time_raw(posts)[0]}
    morph = morphology()
    morph._cache.clear()
    start = time.perf_counter()
    units = [(morph.units(p.title), morph.units(p.body)) for p in posts]
    out["analysis"] = time.perf_counter() - start
    ix = whoosh_index.create_in(scratch, make_schema())
    writer = LeanWriter(ix)
    start = time.perf_counter()
    for post, (title_units, body_units) in zip(posts, units):
        morph._cache.clear()
        morph._cache[post.title], morph._cache[post.body] = title_units, body_units
        writer.add_document(**post_document(post))
    out["postings"] = time.perf_counter() - start
    start = time.perf_counter()
    writer.commit()
    out["flush"] = time.perf_counter() - start
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=CORPUS, help="JSONL posts [default: the white paper]")
    parser.add_argument("--posts", type=int, default=None, help="only the first N posts")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile-posts", type=int, default=600,
                        help="posts in the one-process phase breakdown (0: skip it)")
    args = parser.parse_args(argv)
    if absent(args.source):
        return {}

    import indexer
    from indexer.meta import read_build_info
    from search.backends.whoosh.backend import WhooshGeneration
    from search import IndexStore, Settings

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-rebuild-") as tmp:
        tmp = Path(tmp)
        source = args.source
        if args.posts:
            source = tmp / "posts.jsonl"
            with args.source.open(encoding="utf-8") as f:
                source.write_text("".join(islice(f, args.posts)), "utf-8")
        settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "index")
        imported = indexer.import_paths([source], settings.corpus_dir)
        posts, problems = indexer.load_corpus(settings.corpus_dir)
        assert not problems and not imported.problems, (problems, imported.problems)
        chars = sum(len(p.title) + len(p.body) for p in posts)

        raw_best = rebuild_best = raw_cpu_best = rebuild_cpu_best = raw_par_best = float("inf")
        peak_rss = peak_pss = 0
        for _ in range(args.rounds):
            cpu, start = cpu_seconds(), time.perf_counter()
            proc = subprocess.Popen([str(Path(sys.executable).with_name("policy-search")), "rebuild",
                                     "--workers", str(args.workers), "--corpus", str(settings.corpus_dir),
                                     "--index", str(settings.index_dir)],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            with MemorySampler(proc.pid) as memory:
                output = proc.communicate()[0]
            rebuild_best = min(rebuild_best, time.perf_counter() - start)
            rebuild_cpu_best = min(rebuild_cpu_best, cpu_seconds() - cpu)
            assert proc.returncode == 0 and f": {len(posts)} posts, 0 rejected" in output, output
            peak_rss, peak_pss = max(peak_rss, memory.peak_rss), max(peak_pss, memory.peak_pss)
            raw_wall, raw_cpu = time_raw(posts)
            raw_best, raw_cpu_best = min(raw_best, raw_wall), min(raw_cpu_best, raw_cpu)
            raw_par_best = min(raw_par_best, time_raw_parallel(posts, args.workers)[0])
        live = IndexStore(settings.index_dir).live_dir()
        index_bytes = sum(p.stat().st_size for p in live.iterdir() if p.is_file())
        indexed_posts = read_build_info(WhooshGeneration(live)).posts

        still = indexer.update(settings)
        assert still.action == "none", still.to_dict()
        change_posts(settings.corpus_dir, posts, CHANGED, 1)
        changed = indexer.update(settings)
        assert (changed.updated, changed.added, changed.removed) == (CHANGED, 0, 0), changed.to_dict()

        profile = phases(posts[:args.profile_posts], Path(tempfile.mkdtemp(dir=tmp))) if args.profile_posts else {}

    load_after = os.getloadavg()[0]
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    result = {
        "posts": len(posts), "chars": chars, "workers": args.workers, "rounds": args.rounds,
        "import_seconds": round(imported.seconds, 3),
        "raw_seconds": round(raw_best, 3), "rebuild_seconds": round(rebuild_best, 3),
        "ratio": round(rebuild_best / raw_best, 3),
        "raw_cpu_seconds": round(raw_cpu_best, 3), "rebuild_cpu_seconds": round(rebuild_cpu_best, 3),
        "cpu_ratio_per_worker": round(rebuild_cpu_best / args.workers / raw_cpu_best, 3),
        "raw_parallel_seconds": round(raw_par_best, 3),
        "ratio_parallel": round(rebuild_best / raw_par_best, 3),
        "cpu_ratio": round(rebuild_cpu_best / raw_cpu_best, 3),
        "rebuild_posts_per_s": round(len(posts) / rebuild_best, 1),
        "update_changed_seconds": round(changed.seconds, 3), "update_changed_posts": CHANGED,
        "update_nothing_seconds": round(still.seconds, 3),
        "peak_rss_bytes": peak_rss, "peak_pss_bytes": peak_pss,
        "rusage_children_max_rss_bytes": child_peak,
        "index_bytes": index_bytes, "indexed_posts": indexed_posts,
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "phases": {k: round(v, 3) if isinstance(v, float) else v for k, v in profile.items()},
    }
    mib = 2 ** 20
    print(f"{len(posts):,} posts, {chars:,} characters; rebuild with {args.workers} worker processes, "
          f"best of {args.rounds}; load average {load_before:.1f} before, {load_after:.1f} after "
          f"({os.cpu_count()} cores: above ~0.5 other work is competing for them)")
    print("\n| step | seconds | × raw Sudachi, same cores |\n|---|---:|---:|")
    print(f"| raw sudachipy, mode C, one process | {raw_best:.2f} | |")
    print(f"| raw sudachipy, mode C, {args.workers} processes (the rebuild's cores) | "
          f"{raw_par_best:.2f} | 1.00 |")
    print(f"| **rebuild** (`policy-search rebuild`, start to exit) | {rebuild_best:.2f} | "
          f"**{rebuild_best / raw_par_best:.2f}** |")
    print(f"| update, {CHANGED} posts changed | {changed.seconds:.2f} | |")
    print(f"| update, nothing changed | {still.seconds:.2f} | |")
    print(f"| import JSONL → post files | {imported.seconds:.2f} | |")
    print(f"\nCPU time (steadier than wall time on a shared machine): rebuild {rebuild_cpu_best:.2f} s "
          f"in all processes against raw Sudachi's {raw_cpu_best:.2f} s = "
          f"**{rebuild_cpu_best / raw_cpu_best:.2f} ×** raw Sudachi's work")
    print(f"rebuild: {len(posts) / rebuild_best:,.0f} posts/s; index {index_bytes / mib:.1f} MiB")
    print(f"peak memory of the rebuild (process tree, sampled): RSS {peak_rss / mib:,.0f} MiB, "
          f"PSS {peak_pss / mib:,.0f} MiB (the Sudachi dictionary is one shared mapping: RSS counts "
          f"it once per process, PSS splits it)")
    print(f"getrusage max RSS of the largest process: {child_peak / mib:,.0f} MiB")
    if profile:
        raw = profile["raw"]
        print(f"\none process, {profile['posts']} posts: where a rebuild's time goes\n")
        print("| phase | seconds | × raw Sudachi |\n|---|---:|---:|")
        for key, label in (("raw", "raw sudachipy (for scale)"),
                           ("analysis", "search.analysis Morphology.units (Sudachi + units)"),
                           ("postings", "indexer LeanWriter.add_document, analysis cached"),
                           ("flush", "segment flush (Whoosh codec: blocks, pickle, deflate)")):
            print(f"| {label} | {profile[key]:.2f} | {profile[key] / raw:.2f} |")
    save(result, OUT / "rebuild.json")
    return result


if __name__ == "__main__":
    main()
