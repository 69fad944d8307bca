"""The scale section of ``make bench``: Whoosh and OpenSearch side by side at 6,362 and ~51,000
posts.

    python -m benchmarks.bench_scale [--copies 1,8] [--backends whoosh,opensearch]
                                     [--requests 1000] [--opensearch-url URL]

**Corpora.** The white paper (``../shared/corpora/whitepaper/posts.jsonl``, 6,362 posts) once,
and 8 times: copy *k* has ids ``<id>-x<k>``, dates shifted by *k* × 371 days (so the year, month
and 年度 facets spread) and each body rotated by *k* sentences (cut at 。), so no two copies are
equal texts while term statistics stay those of real Japanese. They are written as post files
(``indexer.corpus.write_post``) and indexed by the real ``policy-search rebuild`` in a child
process, as staff would.

**Measured, per backend and size:** the rebuild's wall seconds and CPU seconds (the command and
its analysis workers; for OpenSearch also the CPU the cluster's JVMs spent meanwhile), the index
size (Whoosh: the generation's files; OpenSearch: primaries, and with the replica), the resident
memory of every process (the server after the run, each OpenSearch node), and HTTP latency of
``GET /api/search`` through a real ``policy-search serve`` (4 threads) over loopback: one client,
``--requests`` requests cycling through a family of queries (two-word AND, kana read as words, OR,
NOT, phrases, a category filter, a date range, date order, page 2), each answer with facets and
snippets. Reported: p50 and p99 with a bootstrap 95% interval, and the number of requests. The
first pass over the family is a warm-up and not counted.

The OpenSearch runs need a cluster (``make opensearch``; ``--opensearch-url``, default both local
nodes); without one they are reported as skipped. Results: ``benchmarks/out/scale.json`` and a
table on stdout (``run_all`` appends it to docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "whitepaper" / "posts.jsonl"
OUT = ROOT / "benchmarks" / "out" / "scale.json"
DEFAULT_URL = "http://127.0.0.1:9200,http://127.0.0.1:9201"
#: The query family: each entry is one request's parameters.
FAMILY = [
    {"q": "情報通信 政策"}, {"q": "インターネット 利用"}, {"q": "ぶろーどばんど"},
    {"q": "携帯電話 OR スマートフォン"}, {"q": "電子政府 -地方"}, {"q": "人工知能"},
    {"q": "テレワーク 導入 企業"}, {"q": "\"情報通信白書\""}, {"q": "クラウド", "page": "2"},
    {"q": "セキュリティ", "sort": "date_desc"}, {"q": "デジタル", "from": "2015-01-01"},
    {"q": "放送", "category": "第1章"}, {"q": "しゃかい"}, {"q": "地域 活性化"}, {"q": ""},
]


def load_posts(copies: int):
    """The white paper ``copies`` times (see the module docstring)."""
    from indexer.postfile import PLACEHOLDER_URL  # a few white-paper posts have no address
    from search import Post

    base = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    for k in range(copies):
        for d in base:
            sentences = [s for s in d["body"].split("。")]
            shift = k % len(sentences) if sentences else 0
            body = "。".join(sentences[shift:] + sentences[:shift]) if k else d["body"]
            date = dt.date.fromisoformat(d["date"]) + dt.timedelta(days=371 * k)
            yield Post(f"{d['id']}-x{k}" if k else d["id"], d["title"], date, d["category"],
                       d.get("url") or PLACEHOLDER_URL, body)


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_SEARCH_", "FLASK_"))}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


def cli() -> list[str]:
    script = Path(sys.executable).with_name("policy-search")
    return [str(script)] if script.exists() else [sys.executable, "-m", "web.cli"]


def java_pids(url: str) -> list[int]:
    """The JVMs of the local cluster whose nodes ``url`` names (by their HTTP ports)."""
    import psutil
    from urllib.parse import urlsplit

    ports = {f"-Ehttp.port={urlsplit(u.strip()).port}" for u in url.split(",") if u.strip()}
    found = []
    for p in psutil.process_iter(["cmdline"]):
        args = p.info["cmdline"] or []
        if "policysearch.opensearch.Launcher" in args and ports & set(args):
            found.append(p.pid)
    return found


def cpu_of(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def rss_mib(pid: int) -> float:
    import psutil

    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return 0.0


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rebuild(env: dict[str, str]) -> dict:
    """``policy-search rebuild`` in a child; wall and CPU seconds (its own and its workers', which
    it waits for), and the CPU the cluster's JVMs spent meanwhile."""
    jvms = java_pids(env["POLICY_SEARCH_OPENSEARCH_URL"]) \
        if env.get("POLICY_SEARCH_BACKEND") == "opensearch" else []
    cluster_before, cpu_before = cpu_of(jvms), _children_cpu()
    started = time.perf_counter()
    proc = subprocess.run([*cli(), "rebuild", "--workers", "2"], env=env, capture_output=True,
                          text=True)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"rebuild failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return {"wall_s": round(wall, 1), "cpu_s": round(_children_cpu() - cpu_before, 1),
            "cluster_cpu_s": round(cpu_of(jvms) - cluster_before, 1) if jvms else None,
            "output": proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def interval(values: list[float], q: float, rounds: int = 1000) -> tuple[float, float]:
    rng = random.Random(7)
    found = sorted(percentile(rng.choices(values, k=len(values)), q) for _ in range(rounds))
    return found[int(0.025 * rounds)], found[int(0.975 * rounds)]


def measure_http(env: dict[str, str], state: Path, requests: int) -> dict:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([*cli(), "serve", "--index", str(state), "--host", "127.0.0.1",
                                 "--port", str(port), "--threads", "4"], env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}/api/search?"
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        log.seek(0)
                        raise RuntimeError(log.read().decode()[-2000:])
                    time.sleep(0.2)
            urls = [base + urllib.parse.urlencode(p) for p in FAMILY]
            for url in urls:  # warm-up
                urllib.request.urlopen(url, timeout=30).read()
            times = []
            for i in range(requests):
                started = time.perf_counter()
                with urllib.request.urlopen(urls[i % len(urls)], timeout=30) as response:
                    body = json.load(response)
                times.append((time.perf_counter() - started) * 1000)
                assert "facets" in body
            p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
            return {"requests": requests, "p50_ms": round(p50, 1), "p99_ms": round(p99, 1),
                    "p50_ci": [round(x, 1) for x in interval(times, 0.5)],
                    "p99_ci": [round(x, 1) for x in interval(times, 0.99)],
                    "mean_ms": round(statistics.fmean(times), 1),
                    "server_rss_mib": round(rss_mib(proc.pid), 1)}
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def index_size(backend: str, state: Path, url: str, alias: str) -> dict:
    if backend == "whoosh":
        live = (state / "current").resolve()
        return {"index_mib": round(sum(p.stat().st_size for p in live.rglob("*") if p.is_file())
                                   / 2**20, 1)}
    first = url.split(",")[0]
    with urllib.request.urlopen(f"{first}/{alias}/_stats/store", timeout=30) as response:
        stats = json.load(response)["_all"]
    return {"index_mib": round(stats["primaries"]["store"]["size_in_bytes"] / 2**20, 1),
            "with_replicas_mib": round(stats["total"]["store"]["size_in_bytes"] / 2**20, 1)}


def cluster_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url.split(",")[0] + "/_cluster/health", timeout=3) as r:
            return json.load(r)["status"] in ("green", "yellow")
    except (OSError, ValueError):
        return False


def run(copies: int, backend: str, work: Path, url: str, requests: int) -> dict:
    from indexer.corpus import write_post

    corpus = work / f"corpus-x{copies}"
    if not corpus.exists():
        building = corpus.with_name(corpus.name + "-tmp")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        for post in load_posts(copies):
            write_post(building, post)
        building.rename(corpus)
    posts = sum(1 for _ in corpus.glob("*.md"))
    state = work / f"state-{backend}-x{copies}"
    shutil.rmtree(state, ignore_errors=True)
    alias = f"bench-scale-x{copies}"
    env = child_env(POLICY_SEARCH_BACKEND=backend, POLICY_SEARCH_INDEX=str(state),
                    POLICY_SEARCH_CORPUS=str(corpus), POLICY_SEARCH_OPENSEARCH_URL=url,
                    POLICY_SEARCH_OPENSEARCH_INDEX=alias)
    row = {"backend": backend, "posts": posts, **rebuild(env)}
    row.update(index_size(backend, state, url, alias))
    row.update(measure_http(env, state, requests))
    if backend == "opensearch":
        row["node_rss_mib"] = [round(rss_mib(pid), 1) for pid in java_pids(url)]
    return row


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="1,8")
    parser.add_argument("--backends", default="whoosh,opensearch")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--opensearch-url", default=DEFAULT_URL)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench-scale")
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"bench_scale: {CORPUS} is missing: put ../shared beside the repository",
              file=sys.stderr)
        raise SystemExit(2)
    rows = []
    for copies in (int(c) for c in args.copies.split(",")):
        for backend in args.backends.split(","):
            if backend == "opensearch" and not cluster_up(args.opensearch_url):
                print(f"opensearch x{copies}: skipped, no cluster at {args.opensearch_url} "
                      "(make opensearch)", flush=True)
                continue
            row = run(copies, backend, args.work, args.opensearch_url, args.requests)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            rows.append(row)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    report = {"machine_cpus": os.cpu_count(), "load_average_at_end": os.getloadavg(),
              "rows": rows}
    OUT.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    print("\n| backend | posts | rebuild wall s | CPU s | cluster CPU s | index MiB | "
          "p50 ms [95% CI] | p99 ms [95% CI] | requests | server RSS MiB | node RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        size = f"{r['index_mib']}" + (f" ({r['with_replicas_mib']} with replica)"
                                      if "with_replicas_mib" in r else "")
        print(f"| {r['backend']} | {r['posts']:,} | {r['wall_s']} | {r['cpu_s']} "
              f"| {r.get('cluster_cpu_s') or '-'} | {size} | {r['p50_ms']} {r['p50_ci']} "
              f"| {r['p99_ms']} {r['p99_ci']} | {r['requests']} | {r['server_rss_mib']} "
              f"| {r.get('node_rss_mib', '-')} |")
    return report


if __name__ == "__main__":
    main()
