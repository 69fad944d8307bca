"""``make bench``: every benchmark of the project in one run.

    python -m benchmarks.run_all [--skip-others] [compare options…]

First the per-component benchmarks, each in a process of its own (``main(argv=None)`` of
``bench_analyzer``, ``bench_rebuild``, ``bench_query``; a module that is not there is skipped),
then the side-by-side comparison (:mod:`benchmarks.compare`), which writes ``docs/benchmarks.md``
with the output of the others appended. Exits non-zero if any part failed, after running all,
and at once, with a message saying what to do, when the corpus (../shared) is not there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OTHERS = ("bench_analyzer", "bench_rebuild", "bench_query", "bench_suggest", "bench_scale")
#: The JSON a benchmark leaves under benchmarks/out/, read back for the comparison's report.
RESULT_FILES = {"bench_analyzer": "analyzer.json", "bench_rebuild": "rebuild.json"}


def run_other(name: str) -> dict:
    """Run ``benchmarks/<name>.py``'s ``main()`` in a child process; its output is shown and
    kept."""
    if not (ROOT / "benchmarks" / f"{name}.py").exists():
        print(f"== {name}: not present, skipped", flush=True)
        return {"name": name, "status": "absent", "seconds": 0.0, "output": ""}
    print(f"== {name}", flush=True)
    start = time.perf_counter()
    code = f"from benchmarks.{name} import main; main(None)"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    proc.wait()
    status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
    seconds = time.perf_counter() - start
    print(f"== {name}: {status}, {seconds:.0f} s", flush=True)
    result = {}
    saved = ROOT / "benchmarks" / "out" / RESULT_FILES.get(name, "-")
    fresh = saved.is_file() and saved.stat().st_mtime >= time.time() - seconds - 1
    if proc.returncode == 0 and fresh:
        result = json.loads(saved.read_text("utf-8"))
    return {"name": name, "status": status, "seconds": seconds, "output": "".join(lines),
            "result": result}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    skip_others = "--skip-others" in argv
    if skip_others:
        argv.remove("--skip-others")
    from benchmarks.compare import data, harness

    corpus = data.CORPUS
    if "--corpus" in argv:
        corpus = Path(argv[argv.index("--corpus") + 1])
    if not corpus.exists():
        print(harness.missing_corpus(corpus), file=sys.stderr)
        return 2
    start = time.perf_counter()
    others = [] if skip_others else [run_other(name) for name in OTHERS]
    print("== compare", flush=True)

    failed = [o["name"] for o in others if o["status"] not in ("ok", "absent")]
    try:
        results = harness.main(argv, others=others)
        failed += [f"compare ({group})" for group in results.get("failures", {})]
    except Exception:  # show it, run to the end, keep the exit status honest
        traceback.print_exc()
        failed.append("compare")
    print(f"== all benchmarks: {time.perf_counter() - start:.0f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
