"""One worker process: build a group of engines at each corpus size, time them, query them.

    python -m benchmarks.compare.worker SPEC.json OUT.json

The harness starts one worker per engine group (see ``engines.GROUPS``) and corpus size, so that
memory is measured in a clean process. The spec names the engines, the corpus file, the sizes
(the harness passes one), the judged queries (run at ``quality_size`` with ``quality_k`` results),
and the latency queries (each timed once at every size, after ``warmup``, asking for
``latency_k``).
"""

from __future__ import annotations

import gc
import json
import shutil
import sys
import time
from pathlib import Path

from . import data, measure
from .engines import make


def run(spec: dict) -> dict:
    docs_all = data.load(Path(spec["corpus"]))
    workdir = Path(spec["workdir"])
    results, runs = [], {}
    setup = _warm_analysis(spec["engines"])
    shared: dict = {}  # what the engines of the group share (the Sudachi terms of each post)
    for size in spec["sizes"]:
        docs = data.subset(docs_all, size)
        if any(make(name).uses_terms for name in spec["engines"]):
            # Once for the group, before any build's clock and CPU count start; each engine's
            # build then counts the analysis's own wall and CPU seconds (sudachi_terms.analysed).
            from .engines import sudachi_terms

            sudachi_terms.analysed(docs, shared)
        for name in spec["engines"]:
            results.append(_one(name, docs, workdir / name / str(size), shared, spec,
                                runs if size == spec["quality_size"] else None))
        gc.collect()
    return {"engines": spec["engines"], "setup": setup, "results": results, "runs": runs}


def _warm_analysis(engines: list[str]) -> dict:
    """Load the Sudachi dictionary before any clock starts, when an engine of the group analyses
    text in this process (a cost paid once per process, not per build). Returns its cost."""
    if not any(make(name).uses_sudachi for name in engines):
        return {}
    from search.analysis import morphology

    start = time.perf_counter()
    morphology().units("辞書を読み込む。")
    return {"dictionary_load_s": time.perf_counter() - start}


def _one(name: str, docs: list[data.Doc], directory: Path, shared: dict, spec: dict,
         runs: dict | None) -> dict:
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    engine = make(name)
    gc.collect()
    rss_before = measure.rss_mb()
    cpu = measure.cpu_seconds()
    with measure.PeakMemory() as peak_build:
        phases = engine.build(docs, directory, shared)
    build_cpu = measure.cpu_seconds() - cpu + engine.analysis_cpu_s
    record = {
        "engine": name, "size": len(docs), "chars": sum(len(d.title) + len(d.body) for d in docs),
        "build_phases_s": phases, "build_s": sum(phases.values()), "build_cpu_s": build_cpu,
        "build_processes": engine.build_processes(),
        "rss_before_mb": rss_before, "peak_build_mb": peak_build.mb,
        "index_mb": measure.dir_size_mb(engine.index_dir(directory)), "variants": {},
    }
    latency_queries = spec["latency_queries"]
    for label, search in engine.variants().items():
        for q in spec["warmup"]:
            search(q, spec["latency_k"])
        timings = []
        with measure.PeakMemory() as peak_query:
            for q in latency_queries:
                engine.before_query()
                start = time.perf_counter()
                search(q, spec["latency_k"])
                timings.append((time.perf_counter() - start) * 1000)
        record["variants"][label] = {
            "latency_ms": timings,
            "p50_ms": measure.percentile(timings, 50),
            "p99_ms": measure.percentile(timings, 99),
            "mean_ms": sum(timings) / len(timings) if timings else float("nan"),
            "peak_query_mb": peak_query.mb,
        }
        if runs is not None:
            runs[label] = {qid: search(q, spec["quality_k"]) for qid, q in spec["judged"]}
    engine.close()
    del engine
    return record


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(argv[0]).read_text("utf-8"))
    Path(argv[1]).write_text(json.dumps(run(spec), ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
