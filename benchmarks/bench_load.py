"""Load while staff work: HTTP clients hammer a real ``policy-search serve`` while an ``update``
(after ~10 posts were edited) and then a full ``rebuild`` run against its index.

    python -m benchmarks.bench_load [--seconds 60] [--clients 8] [--edit 10] [--corpus PATH]

Data: the white-paper corpus (``../shared/corpora/whitepaper/posts.jsonl``, 6,362 posts),
imported into a temporary corpus with ``policy-search import`` and indexed with ``rebuild``.

Load: a pool of client threads on the loopback interface, each with its own keep-alive
connection, cycling through a fixed mix of API searches, search pages, post pages, API posts,
the home page and one *marker* search. The run stops by itself after ``--seconds`` (and not before
the staff commands have finished, up to ten times ``--seconds``).

Staff: after a tenth of the time, ``--edit`` post files get one sentence with a marker word
appended, then ``policy-search update`` runs, then ``policy-search rebuild``, as separate processes
using the same index root as the server.

Pass: zero failed requests (a failure is a connection error, a timeout, a status other than 200,
or a body that does not parse); every marker search answers 0 or ``--edit`` hits, never a part
of them (no partial index is ever served), and no client sees the count go back down. Figures:
requests/s and p50/p99 latency, overall and per phase (before, during update, during rebuild,
after), written to ``benchmarks/out/load.json`` and recorded in ``docs/reliability.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from tests.servers import base_env as child_env
from tests.servers import cli, serve

from benchmarks.common import CORPUS, OUT, absent, save


MARKER = "loadmarkerzq"
QUERIES = ["介護", "福祉", "情報通信", "高齢化", "地方創生", "子ども", "インターネット", "電子政府",
           "携帯電話 OR 放送", "情報通信 -放送", "title:白書", '"情報通信白書"', "こうれいか",
           "ブロードバンド 普及", "ＩＣＴ", "厚労省", "東京都", "存在しない語句"]
PHASES = ("before", "update", "rebuild", "after")


# --- processes -----------------------------------------------------------------------------------

@contextlib.contextmanager
def server(index_dir: Path, threads: int = 4, timeout: float = 120.0) -> Iterator[tuple[str, int]]:
    """``policy-search serve`` on a free loopback port; yields ``(host, port)``. The start, wait
    and stop are the tests' own (``tests.servers.serve``), so the two cannot drift apart."""
    with serve(index_dir, threads=threads, timeout=timeout) as running:
        yield running.host, running.port


def run_cli(*args: str, index_dir: Path, corpus_dir: Path, timeout: float = 3600) -> dict:
    """Run one ``policy-search`` command; ``{"command", "exit", "seconds", "output"}``."""
    started = time.perf_counter()
    proc = subprocess.run([*cli(), *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout,
                          env=child_env(POLICY_SEARCH_INDEX=str(index_dir),
                                        POLICY_SEARCH_CORPUS=str(corpus_dir)))
    return {"command": " ".join(args), "exit": proc.returncode,
            "seconds": round(time.perf_counter() - started, 2),
            "output": (proc.stdout + proc.stderr).strip()[-2000:]}


def edit_posts(corpus_dir: Path, count: int, seed: int = 7) -> list[str]:
    """Append a sentence with :data:`MARKER` to ``count`` post files; return their ids."""
    paths = sorted(p for p in corpus_dir.glob("*.md") if not p.name.startswith("."))
    chosen = sorted(random.Random(seed).sample(paths, count))
    for path in chosen:
        text = path.read_text("utf-8").rstrip("\n")
        path.write_text(f"{text}\n\n負荷試験の確認用に {MARKER} を追記した。\n", "utf-8")
    return [p.name.removesuffix(".md") for p in chosen]


# --- the load ------------------------------------------------------------------------------------

@dataclass
class Sample:
    phase: str
    seconds: float


@dataclass
class LoadResult:
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    marker_totals: list[list[int]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.samples) + len(self.failures)

    def figures(self, phase: str | None = None, seconds: float | None = None) -> dict:
        times = sorted(s.seconds for s in self.samples if phase is None or s.phase == phase)
        span = self.seconds if seconds is None else seconds
        if not times:
            return {"requests": 0, "requests_per_s": 0.0, "p50_ms": None, "p99_ms": None}
        return {"requests": len(times),
                "requests_per_s": round(len(times) / span, 1) if span else None,
                "p50_ms": round(_quantile(times, 0.50) * 1000, 1),
                "p99_ms": round(_quantile(times, 0.99) * 1000, 1),
                "max_ms": round(times[-1] * 1000, 1)}

    def marker_problems(self, edited: int) -> list[str]:
        """Marker counts other than 0 or ``edited``, and clients that saw the count go down."""
        problems = []
        for client, totals in enumerate(self.marker_totals):
            odd = sorted({t for t in totals if t not in (0, edited)})
            if odd:
                problems.append(f"client {client} saw {odd} marker hits (expected 0 or {edited})")
            if any(a > b for a, b in zip(totals, totals[1:])):
                problems.append(f"client {client} saw the marker count go down: {totals}")
        return problems


def _quantile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def request_mix(post_ids: list[str]) -> list[tuple[str, str]]:
    """``(kind, path)`` pairs the clients cycle through."""
    mix: list[tuple[str, str]] = []
    for n, q in enumerate(QUERIES):
        mix.append(("json", "/api/search?" + urlencode({"q": q})))
        if n % 3 == 0:
            mix.append(("html", "/search?" + urlencode({"q": q})))
    mix.append(("json", "/api/search?" + urlencode({"q": "介護", "sort": "date_desc", "page": 2})))
    mix.append(("json", "/api/search"))
    mix.append(("html", "/"))
    for post_id in post_ids[:6]:
        mix.append(("json", f"/api/posts/{quote(post_id)}"))
        mix.append(("html", f"/posts/{quote(post_id)}"))
    return mix


class Load:
    """``clients`` threads requesting ``mix`` in a loop until :meth:`stop` (each waiting
    ``pause`` seconds between requests; 0 for as fast as the server answers)."""

    def __init__(self, host: str, port: int, clients: int, mix: list[tuple[str, str]],
                 timeout: float = 60.0, pause: float = 0.0) -> None:
        self.host, self.port, self.timeout, self.pause = host, port, timeout, pause
        self.mix = mix
        self.phase = PHASES[0]
        self.result = LoadResult(marker_totals=[[] for _ in range(clients)])
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(n,), daemon=True,
                                          name=f"load-client-{n}") for n in range(clients)]
        self._started = 0.0

    def start(self) -> "Load":
        self._started = time.perf_counter()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> LoadResult:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)
        self.result.seconds = time.perf_counter() - self._started
        return self.result

    def _client(self, n: int) -> None:
        marker_path = "/api/search?" + urlencode({"q": MARKER, "per_page": 100})
        mix = list(self.mix)
        random.Random(n).shuffle(mix)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        i = 0
        try:
            while not self._stop.is_set():
                kind, path = ("marker", marker_path) if i % 5 == 0 else mix[i % len(mix)]
                i += 1
                phase = self.phase
                started = time.perf_counter()
                try:
                    conn.request("GET", path)
                    response = conn.getresponse()
                    body = response.read()
                    problem = _check(kind, response.status, body)
                except (OSError, http.client.HTTPException) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                    conn.close()
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                elapsed = time.perf_counter() - started
                with self._lock:
                    if problem:
                        self.result.failures.append(f"{phase} {path}: {problem}")
                    else:
                        self.result.samples.append(Sample(phase, elapsed))
                        if kind == "marker":
                            self.result.marker_totals[n].append(json.loads(body)["total"])
                if self.pause:
                    self._stop.wait(self.pause)
        finally:
            conn.close()


def _check(kind: str, status: int, body: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    if kind in ("json", "marker"):
        try:
            json.loads(body)
        except ValueError:
            return f"not JSON: {body[:200]!r}"
    elif not body.rstrip().endswith(b"</html>"):
        return f"truncated page: {body[-200:]!r}"
    return None


def post_ids(host: str, port: int) -> list[str]:
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("GET", "/api/search?per_page=20")
        return [hit["id"] for hit in json.loads(conn.getresponse().read())["hits"]]
    finally:
        conn.close()


def staff_under_load(host: str, port: int, index_dir: Path, corpus_dir: Path, seconds: float,
                     clients: int, edit: int) -> dict:
    """Run the load for ``seconds`` while editing posts, updating and rebuilding; the report."""
    load = Load(host, port, clients, request_mix(post_ids(host, port))).start()
    marks = {"before": time.perf_counter()}
    commands: list[dict] = []
    edited: list[str] = []
    try:
        time.sleep(seconds * 0.1)
        edited = edit_posts(corpus_dir, edit)
        load.phase, marks["update"] = "update", time.perf_counter()
        commands.append(run_cli("update", index_dir=index_dir, corpus_dir=corpus_dir))
        load.phase, marks["rebuild"] = "rebuild", time.perf_counter()
        commands.append(run_cli("rebuild", index_dir=index_dir, corpus_dir=corpus_dir))
        load.phase, marks["after"] = "after", time.perf_counter()
        end = max(marks["before"] + seconds, marks["after"] + min(2.0, seconds * 0.1))
        hard_stop = marks["before"] + seconds * 10
        time.sleep(max(0.0, min(end, hard_stop) - time.perf_counter()))
    finally:
        result = load.stop()
    marks["end"] = marks["before"] + result.seconds
    for phase in PHASES[1:]:  # phases that never began (a command failed) last no time
        marks.setdefault(phase, marks["end"])
    spans = {p: marks[b] - marks[p] for p, b in zip(PHASES, (*PHASES[1:], "end"))}
    return {
        "clients": clients,
        "seconds": round(result.seconds, 1),
        "requests": result.requests,
        "failed": len(result.failures),
        "failures": result.failures[:20],
        "edited": edited,
        "marker_problems": result.marker_problems(len(edited)),
        "marker_counts_seen": sorted({t for ts in result.marker_totals for t in ts}),
        "overall": result.figures(),
        "phases": {p: dict(result.figures(p, spans[p]), seconds=round(spans[p], 1)) for p in PHASES},
        "commands": commands,
    }


# --- the benchmark -------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--edit", type=int, default=10)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads of the server")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="JSONL posts to import")
    args = parser.parse_args(argv)
    if absent(args.corpus):
        return None
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        corpus_dir, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        setup = [run_cli("import", str(args.corpus), index_dir=index_dir, corpus_dir=corpus_dir),
                 run_cli("rebuild", index_dir=index_dir, corpus_dir=corpus_dir)]
        for step in setup:
            print(f"setup: policy-search {step['command'].split()[0]}: exit {step['exit']}, "
                  f"{step['seconds']} s")
            if step["exit"] != 0:
                print(step["output"])
                raise SystemExit(1)
        posts = len(list(corpus_dir.glob("*.md")))
        load_before = os.getloadavg()[0]
        with server(index_dir, threads=args.threads) as (host, port):
            report = staff_under_load(host, port, index_dir, corpus_dir, args.seconds,
                                      args.clients, args.edit)
    report.update(posts=posts, server_threads=args.threads, cpus=os.cpu_count(),
                  loadavg_1min_before=round(load_before, 2),
                  loadavg_1min_after=round(os.getloadavg()[0], 2),
                  setup=[{k: s[k] for k in ("command", "exit", "seconds")} for s in setup])
    save(report, OUT / "load.json")
    _print(report)
    if report["failed"] or report["marker_problems"] or any(c["exit"] for c in report["commands"]):
        raise SystemExit(1)
    return report


def _print(report: dict) -> None:
    o = report["overall"]
    print(f"machine: {report['cpus']} CPUs, 1-min load average {report['loadavg_1min_before']} "
          f"before the run, {report['loadavg_1min_after']} after")
    print(f"{report['clients']} clients, {report['seconds']} s, {report['posts']} posts: "
          f"{report['requests']} requests, {report['failed']} failed; {o['requests_per_s']} req/s, "
          f"p50 {o['p50_ms']} ms, p99 {o['p99_ms']} ms")
    for phase, f in report["phases"].items():
        print(f"  {phase:8} {f['seconds']:6.1f} s  {f['requests']:6d} req  "
              f"{f['requests_per_s'] or 0:7.1f} req/s  p50 {f['p50_ms']} ms  p99 {f['p99_ms']} ms")
    for c in report["commands"]:
        print(f"  policy-search {c['command']}: exit {c['exit']}, {c['seconds']} s — "
              f"{c['output'].splitlines()[-1] if c['output'] else ''}")
    print(f"  marker counts seen: {report['marker_counts_seen']}; problems: "
          f"{report['marker_problems'] or 'none'}")
    for failure in report["failures"]:
        print(f"  FAILED {failure}")


if __name__ == "__main__":
    main()
