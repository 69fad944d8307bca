"""The side-by-side run: judgments, a worker per engine group and corpus size, metrics, report.

    python -m benchmarks.compare [--sizes 1000,2000,4000,all] [--engines a,b] [--docs DIR]

Writes ``benchmarks/out/compare/results.json`` (every number, raw latencies included),
``docs/benchmarks.md`` with its plots, and ``benchmarks/out/headline.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import data, judge, metrics, worker
from .engines import GROUPS, MULTICORE, make

HERE = Path(__file__).resolve().parent
LATENCY_FILE = HERE / "latency_queries.txt"
OUT = data.ROOT / "benchmarks" / "out"
DOCS = data.ROOT / "docs"
#: A worker (one engine group at one corpus size) taking longer than this is stopped.
WORKER_TIMEOUT_S = 600


@dataclass
class Options:
    corpus: Path = data.CORPUS
    sizes: tuple[int | None, ...] = (1000, 2000, 4000, None)  # None: every post
    engines: tuple[str, ...] = tuple(name for group in GROUPS for name in group)
    query_ids: tuple[str, ...] = ()  # empty: every judged query
    latency_count: int = 0  # 0: every latency query (judged ones first, then the file's)
    warmup: int = 10
    quality_k: int = 100
    latency_k: int = 10
    out_dir: Path = OUT / "compare"
    docs_dir: Path = DOCS
    headline: Path | None = OUT / "headline.md"
    in_process: bool = False  # run the groups here instead of in worker processes (tests)
    parallel: bool = True  # single-core engine groups two at a time (see schedule())
    report_only: bool = False  # rewrite the report from the last results.json
    ranx: bool = True


def latency_queries(judged: list[judge.Query], extra_file: Path = LATENCY_FILE) -> list[str]:
    """The judged query strings, then those of ``latency_queries.txt``, each once."""
    lines = [ln.strip() for ln in extra_file.read_text("utf-8").splitlines()]
    out: list[str] = []
    for q in [j.q for j in judged] + [ln for ln in lines if ln and not ln.startswith("#")]:
        if q not in out:
            out.append(q)
    return out


def run(opts: Options) -> dict:
    started = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    docs = data.load(opts.corpus)
    sizes = sorted({min(s or len(docs), len(docs)) for s in opts.sizes})
    quality_size = sizes[-1]
    queries = judge.load_queries()
    if opts.query_ids:
        queries = [q for q in queries if q.id in opts.query_ids]
    clock = time.perf_counter()
    qrels = judge.qrels(data.subset(docs, quality_size), queries)
    judging_s = time.perf_counter() - clock
    timed = latency_queries(queries)
    if opts.latency_count:
        timed = timed[:opts.latency_count]
    spec_base = {
        "corpus": str(opts.corpus), "sizes": sizes, "quality_size": quality_size,
        "quality_k": opts.quality_k, "latency_k": opts.latency_k,
        "judged": [(q.id, q.q) for q in queries], "latency_queries": timed,
        "warmup": timed[:opts.warmup], "workdir": str(opts.out_dir / "indexes"),
    }
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    groups = [g for g in ([e for e in group if e in opts.engines] for group in GROUPS) if g]
    stages = schedule(groups, sizes, parallel=opts.parallel and not opts.in_process)
    records, runs, setup, failures = [], {}, {}, {}

    def run_lane(lane: list[tuple[list[str], int]]) -> None:
        # A fresh worker process for every group and size: memory high-water marks start clean.
        for group, size in lane:
            name = f"{'+'.join(group)}@{size}"
            spec = dict(spec_base, engines=group, sizes=[size])
            clock = time.perf_counter()
            try:
                result = worker.run(spec) if opts.in_process else _subprocess(spec, opts.out_dir)
            except Exception as exc:  # one engine failing must not take the others' figures along
                if opts.in_process:
                    raise
                failures[name] = str(exc)
                print(f"{name}: FAILED after {time.perf_counter() - clock:.1f} s: {exc}", flush=True)
                continue
            print(f"{name}: {time.perf_counter() - clock:.1f} s", flush=True)
            records.extend(result["results"])
            runs.update(result["runs"])
            setup.update({e: result["setup"] for e in group})

    for lanes in stages:
        threads = [threading.Thread(target=run_lane, args=(lane,)) for lane in lanes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    records.sort(key=lambda r: (r["engine"], r["size"]))
    quality = evaluate(qrels, runs, queries, opts.ranx)
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine() | {"load_average_at_start": load_at_start},
        "corpus": {"file": str(opts.corpus), "posts": len(docs),
                   "chars": sum(len(d.title) + len(d.body) for d in docs)},
        "sizes": sizes,
        "queries": [{"id": q.id, "family": q.family, "q": q.q,
                     "relevant": len(qrels[q.id]),
                     "grade2": sum(1 for g in qrels[q.id].values() if g == 2)} for q in queries],
        "families": judge.families(),
        "latency_queries": len(timed),
        "latency_query_list": timed,
        "settings": {k: spec_base[k] for k in ("quality_k", "latency_k")} | {"warmup": opts.warmup},
        "judging_s": judging_s,
        "schedule": [[[f"{'+'.join(g)}@{n}" for g, n in lane] for lane in lanes] for lanes in stages],
        "failures": failures,
        "setup": setup,
        "records": records,
        "quality": quality,
        "runs": runs,
        "total_s": time.perf_counter() - started,
    }


Job = tuple[list[str], int]  # an engine group at one corpus size: one worker process


def schedule(groups: list[list[str]], sizes: list[int], parallel: bool) -> list[list[list[Job]]]:
    """Stages, run one after the other; each stage holds lanes that run at the same time, each
    lane jobs that run one after the other. A group with an engine that builds on every core
    (:data:`~benchmarks.compare.engines.MULTICORE`) runs alone. With ``parallel``, the other
    jobs share two lanes, one core each, longest first into the lane with less work (by each
    engine's ``cost_hint``, a rough per-post cost used for nothing else)."""
    jobs = [(g, n) for g in groups for n in sizes]
    if not parallel:
        return [[[job]] for job in jobs]
    alone = [job for job in jobs if MULTICORE.intersection(job[0])]
    stages = [[[job for job in alone]]] if alone else []
    lanes: list[list[Job]] = [[], []]
    work = [0.0, 0.0]

    def cost(job: Job) -> float:
        return job[1] * sum(make(name).cost_hint for name in job[0])

    for job in sorted((j for j in jobs if j not in alone), key=cost, reverse=True):
        lane = work.index(min(work))
        lanes[lane].append(job)
        work[lane] += cost(job)
    stages.append([lane for lane in lanes if lane])
    return [stage for stage in stages if stage and stage[0]]


def _subprocess(spec: dict, out_dir: Path) -> dict:
    name = "+".join(spec["engines"]) + "@" + "+".join(map(str, spec["sizes"]))
    spec_path, out_path = out_dir / f"spec-{name}.json", out_dir / f"worker-{name}.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), "utf-8")
    out_path.unlink(missing_ok=True)
    # A session of its own, so that a stuck worker goes with every process it started.
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.compare.worker", str(spec_path),
                             str(out_path)], cwd=data.ROOT, start_new_session=True)
    try:
        code = proc.wait(timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise RuntimeError(f"worker {name} did not finish in {WORKER_TIMEOUT_S} s; killed") from None
    if code != 0:
        raise RuntimeError(f"worker {name} failed with exit code {code}")
    return json.loads(out_path.read_text("utf-8"))


def evaluate(qrels: dict, runs: dict, queries: list[judge.Query], use_ranx: bool) -> dict:
    """Per variant: per-query values, overall means and per-family means of each metric."""
    out = {}
    for label, run in runs.items():
        values = metrics.plain(qrels, run)
        if use_ranx:
            ranked = metrics.with_ranx(qrels, run)
            worst = max(abs(ranked[m][q] - values[m][q]) for m in metrics.METRICS for q in qrels)
            if worst > 1e-9:
                raise AssertionError(f"ranx and the plain metrics disagree by {worst} for {label}")
            values = ranked
        fams = {}
        for q in queries:
            fams.setdefault(q.family, []).append(q.id)
        out[label] = {
            "source": "ranx" if use_ranx else "plain",
            "per_query": values,
            "mean": {m: metrics.mean(values[m]) for m in metrics.METRICS},
            "family": {f: {m: metrics.mean(values[m], ids) for m in metrics.METRICS}
                       for f, ids in fams.items()},
        }
    return out


def machine() -> dict:
    import os

    import psutil

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    import tantivy
    import whoosh

    return {
        "cpu": cpu, "cores": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "memory_gb": round(psutil.virtual_memory().total / 1024 ** 3, 1),
        "os": platform.platform(), "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "whoosh": whoosh.versionstring(),
        "tantivy": _version("tantivy", tantivy), "sudachipy": _version("sudachipy"),
        "sudachidict_core": _version("sudachidict_core"), "ranx": _version("ranx"),
    }


def _version(dist: str, module=None) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return getattr(module, "__version__", "?")


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description="policy-search beside its peers, same posts, one run.")
    parser.add_argument("--corpus", type=Path, default=data.CORPUS)
    parser.add_argument("--sizes", default="1000,2000,4000,all",
                        help="comma-separated post counts; 'all' = every post (default: %(default)s)")
    parser.add_argument("--engines", default=",".join(Options.engines),
                        help="comma-separated engine names (default: all)")
    parser.add_argument("--queries", default="", help="comma-separated judged query ids (default: all)")
    parser.add_argument("--latency-count", type=int, default=0)
    parser.add_argument("--docs", type=Path, default=DOCS, help="where benchmarks.md and plots go")
    parser.add_argument("--out", type=Path, default=OUT / "compare")
    parser.add_argument("--no-ranx", action="store_true", help="plain metrics only (fast start)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report from the last results.json, run nothing")
    parser.add_argument("--serial", action="store_true",
                        help="one engine group at a time (default: single-core groups two at a time)")
    args = parser.parse_args(argv)
    sizes = tuple(None if s.strip() == "all" else int(s) for s in args.sizes.split(","))
    return Options(corpus=args.corpus, sizes=sizes,
                   engines=tuple(e for e in args.engines.split(",") if e),
                   query_ids=tuple(q for q in args.queries.split(",") if q),
                   latency_count=args.latency_count, docs_dir=args.docs, out_dir=args.out,
                   ranx=not args.no_ranx, parallel=not args.serial, report_only=args.report_only)


def missing_corpus(path: Path) -> str:
    """The message for a run without its corpus: a benchmark without data measured nothing."""
    return (f"benchmarks: the corpus {path} is not there. The benchmarks need the shared data "
            f"beside this checkout (../shared/corpora/whitepaper/posts.jsonl); put it there, or "
            f"pass --corpus PATH. Nothing was measured.")


def main(argv: list[str] | None = None, others: list[dict] | None = None) -> dict:
    """Run the comparison and write its report; ``others`` are the outputs of the other
    benchmarks of the same ``make bench`` run (see ``benchmarks/run_all.py``), appended to it."""
    opts = parse_args(argv)
    if not opts.corpus.exists():
        raise SystemExit(missing_corpus(opts.corpus))
    from . import report

    saved = opts.out_dir / "results.json"
    if opts.report_only:
        results = json.loads(saved.read_text("utf-8"))
    else:
        results = run(opts)
        results["others"] = others or []
        saved.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    report.write(results, opts.docs_dir, opts.headline)
    print(f"compare: {results['total_s']:.0f} s; wrote {opts.docs_dir / 'benchmarks.md'}")
    if results["failures"]:
        print(f"compare: FAILED engine groups: {', '.join(results['failures'])}")
    return results
