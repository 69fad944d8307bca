"""Query latency of the whole search path against plain Whoosh, same index data, same run.

    python -m benchmarks.bench_query [--corpus PATH] [--queries N]

Data: the white-paper corpus (``../shared/corpora/whitepaper/posts.jsonl``, 6,362 posts). Two
indexes are built once and cached under ``benchmarks/out/`` (git-ignored):

* ours — the project's schema and analyzer, published under an ``IndexStore`` root;
* peer — one Whoosh ``TEXT`` field holding the same posts pre-tokenized (our analyzer's terms
  joined by spaces, whitespace tokenizer), Whoosh's defaults otherwise.

Queries: N two-word queries, deterministic, made of two content words from the titles of
randomly drawn posts (so most have hits). Each query runs as ``GET /api/search?q=…`` through the
Flask test client (parsing, compiling, matching, scoring, facets, snippets, JSON), and as a bare
``And([Term, Term])`` top-20 search on the peer. The two alternate query by query, so a busy
machine slows both alike. After a warm-up on other queries, three rounds are timed: first sight,
cold (result cache emptied before every query) and repeat (see time_queries).

Memory: a ``policy-search serve`` process is started on the index, asked 50 queries, and its
resident set size is read with psutil.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import And, Term

from search import IndexStore, Post, ReadingLexicon, Settings
from search.backends.whoosh.schema import make_schema, post_document
from search.analysis import morphology
from search.backends.whoosh.analyzer import japanese_analyzer
from search.readings import READINGS_NAME
from search.schema import SCHEMA_VERSION
from search.suggest import SUGGEST_NAME, WordCounts

from benchmarks.common import CORPUS, OUT, absent, arguments, save



def load_posts(path: Path) -> list[Post]:
    posts = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            posts.append(Post(id=d["id"], title=d["title"], date=dt.date.fromisoformat(d["date"]),
                              category=d["category"], url=d.get("url") or "", body=d["body"]))
    return posts


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"schema={SCHEMA_VERSION} size={st.st_size} mtime={int(st.st_mtime)}"


def build_ours(posts: list[Post], root: Path, stamp: str) -> Path:
    """The project's index of ``posts`` under ``root`` (reused when the stamp matches)."""
    stamp_file = root / "STAMP"
    store = IndexStore(root)
    live = store.live_dir()
    if live is not None and (live / READINGS_NAME).exists() and (live / SUGGEST_NAME).exists() \
            and stamp_file.exists() \
            and stamp_file.read_text() == stamp:
        return root
    started = time.perf_counter()
    build = store.new_build_dir()
    ix = whoosh_index.create_in(build, make_schema())
    words = WordCounts()
    try:
        with ix.writer(limitmb=512) as writer:
            for post in posts:
                writer.add_document(**post_document(post))
                words.add_post(post.title, post.body)  # from the analysis just made, as the indexer does
    finally:
        ix.close()
    # The reading lexicon beside the index, as the indexer writes it (kana queries need it).
    ReadingLexicon.from_pairs(morphology().reading_pairs()).save(build)
    words.lexicon().save(build)  # and the suggestion lexicon (suggestions, did-you-mean)
    store.publish(build)
    for stale in store.stale_dirs():
        shutil.rmtree(stale, ignore_errors=True)
    stamp_file.write_text(stamp)
    print(f"built {root} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return root


def build_peer(posts: list[Post], path: Path, stamp: str) -> Path:
    """The same posts as pre-tokenized text in a plain Whoosh index."""
    stamp_file = path / "STAMP"
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return path
    started = time.perf_counter()
    path.mkdir(parents=True, exist_ok=True)
    schema = Schema(id=ID(stored=True, unique=True),
                    body=TEXT(analyzer=SpaceSeparatedTokenizer()))
    analyzer = japanese_analyzer()
    ix = whoosh_index.create_in(path, schema)
    try:
        with ix.writer(limitmb=512) as writer:
            for post in posts:
                text = post.title + "\n" + post.body
                terms = " ".join(t.text for t in analyzer(text) if " " not in t.text)
                writer.add_document(id=post.id, body=terms)
    finally:
        ix.close()
    stamp_file.write_text(stamp)
    print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def make_queries(posts: list[Post], n: int, seed: int = 20261127) -> list[tuple[str, list[str]]]:
    """``(query string, [peer term, peer term])``: two content words of a random post's title."""
    rng = random.Random(seed)
    analyzer = japanese_analyzer()
    out: list[tuple[str, list[str]]] = []
    seen = set()
    while len(out) < n:
        post = rng.choice(posts)
        words = []
        for t in analyzer(post.title, chars=True, mode="query"):
            surface = post.title[t.startchar:t.endchar]
            if t.unit == "A" or len(surface) < 2 or surface.isdigit() or " " in t.text:
                continue
            if any(c.isdigit() for c in surface) or (surface, t.text) in words:
                continue
            words.append((surface, t.text))
        if len(words) < 2:
            continue
        pair = rng.sample(words, 2)
        q = f"{pair[0][0]} {pair[1][0]}"
        if q in seen:
            continue
        seen.add(q)
        out.append((q, [pair[0][1], pair[1][1]]))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values: list[float]) -> dict:
    return {"p50_ms": round(percentile(values, 50), 2), "p90_ms": round(percentile(values, 90), 2),
            "p99_ms": round(percentile(values, 99), 2), "mean_ms": round(statistics.fmean(values), 2),
            "max_ms": round(max(values), 2)}


def time_queries(client, service, peer_searcher, queries, warmup) -> dict:
    """Three timed rounds over the same queries, ours and the peer alternating query by query:

    * ``first`` — each query seen for the first time by a service whose result cache was
      emptied after the warm-up (other queries: Sudachi loaded, index open); words that recur
      across queries find their posting lists cached, as in real traffic;
    * ``cold`` — the result cache emptied before every query: every term and phrase is read and
      checked afresh (the worst case);
    * ``repeat`` — the same queries again, everything cached.

    The peer has no cache of its own; the OS page cache is warm for both.
    """
    for q, terms in warmup:
        client.get("/api/search?" + urllib.parse.urlencode({"q": q}))
        peer_searcher.search(And([Term("body", terms[0]), Term("body", terms[1])]), limit=20)
    service.forget_results()
    out: dict = {}
    totals = []
    for name in ("first", "cold", "repeat"):
        ours: list[float] = []
        peer: list[float] = []
        for q, terms in queries:
            if name == "cold":
                service.forget_results()
            url = "/api/search?" + urllib.parse.urlencode({"q": q})
            t0 = time.perf_counter()
            response = client.get(url)
            t1 = time.perf_counter()
            assert response.status_code == 200, (q, response.status_code)
            t2 = time.perf_counter()
            peer_searcher.search(And([Term("body", terms[0]), Term("body", terms[1])]), limit=20)
            t3 = time.perf_counter()
            ours.append((t1 - t0) * 1000)
            peer.append((t3 - t2) * 1000)
            if name == "first":
                totals.append(response.get_json()["total"])
        out[name] = {"ours": summary(ours), "peer": summary(peer),
                     "ratio_p50": round(percentile(ours, 50) / percentile(peer, 50), 2),
                     "ratio_p99": round(percentile(ours, 99) / percentile(peer, 99), 2)}
    out["queries_with_hits"] = sum(1 for t in totals if t)
    out["median_total"] = statistics.median(totals)
    return out


def time_urls(client, urls: list[str], repeat: int = 20) -> dict:
    out = {}
    for url in urls:
        client.get(url)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, url
        out[url] = {"median_ms": round(statistics.median(times), 2),
                    "total": response.get_json()["total"]}
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_memory(root: Path, queries) -> dict:
    """RSS of a real ``policy-search serve`` process before and after it answers queries."""
    import psutil

    port = free_port()
    cli = Path(sys.executable).with_name("policy-search")
    proc = subprocess.Popen([str(cli), "serve", "--index", str(root), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/api/openapi.json", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        idle = psutil.Process(proc.pid).memory_info().rss
        for q, _ in queries[:50]:
            urllib.request.urlopen(base + "/api/search?" + urllib.parse.urlencode({"q": q}),
                                   timeout=30).read()
        urllib.request.urlopen(base + "/api/search", timeout=30).read()
        loaded = psutil.Process(proc.pid).memory_info().rss
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"rss_started_mib": round(idle / 2**20, 1), "rss_after_queries_mib": round(loaded / 2**20, 1)}


def index_size(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


ROUND_NAMES = {"first": "first sight", "cold": "cold (cache emptied before each query)",
               "repeat": "repeat (all cached)"}


def markdown(result: dict) -> str:
    """The tables of docs/search.md."""
    lines = ["| round | ours p50 | ours p90 | ours p99 | peer p50 | peer p90 | peer p99 "
             "| ratio p50 | ratio p99 |", "|---|---|---|---|---|---|---|---|---|"]
    for key, name in ROUND_NAMES.items():
        r = result[key]
        ours, peer = r["ours"], r["peer"]
        lines.append(f"| {name} | {ours['p50_ms']} ms | {ours['p90_ms']} ms | {ours['p99_ms']} ms "
                     f"| {peer['p50_ms']} ms | {peer['p90_ms']} ms | {peer['p99_ms']} ms "
                     f"| {r['ratio_p50']} | {r['ratio_p99']} |")
    lines += ["", "| request | median | total |", "|---|---|---|"]
    for url, r in result["other"].items():
        lines.append(f"| `{urllib.parse.unquote(url)}` | {r['median_ms']} ms | {r['total']} |")
    m = result["memory"]
    lines += ["", f"`policy-search serve` resident memory: {m['rss_started_mib']} MiB once listening "
                  f"(the index and Sudachi are opened lazily), {m['rss_after_queries_mib']} MiB "
                  "after 50 queries and a browse."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict | None:
    args = arguments(__doc__, argv, corpus=CORPUS, queries=300, out=OUT / "query.json")
    if absent(args.corpus):
        return None
    from web import create_app

    posts = load_posts(args.corpus)
    stamp = _stamp(args.corpus)
    root = build_ours(posts, OUT / "whitepaper-index", stamp)
    peer_path = build_peer(posts, OUT / "whitepaper-peer", stamp)
    queries = make_queries(posts, args.queries)
    warmup = [qt for qt in make_queries(posts, 30, seed=7) if qt not in queries]
    morphology()  # load Sudachi before timing
    app = create_app(Settings(index_dir=root))
    client = app.test_client()
    peer_ix = whoosh_index.open_dir(str(peer_path))
    try:
        with peer_ix.searcher() as peer_searcher:
            result = time_queries(client, app.extensions["search_service"], peer_searcher, queries,
                                  warmup)
        result["other"] = time_urls(client, [
            "/api/search", "/api/search?category=" + urllib.parse.quote(posts[0].category),
            "/api/search?from=2010-01-01&to=2015-12-31",
            "/api/search?" + urllib.parse.urlencode({"q": "情報通信"}),
            "/api/search?" + urllib.parse.urlencode({"q": "じょうほう"}),
            "/api/search?" + urllib.parse.urlencode({"q": "「電子政府の推進」"}),
            "/api/search?" + urllib.parse.urlencode({"q": "ブロードバンド OR 光ファイバ -携帯"}),
        ])
    finally:
        peer_ix.close()
        app.extensions["search_service"].close()
    result["memory"] = server_memory(root, queries)
    result["setup"] = {"posts": len(posts), "queries": len(queries),
                       "index_mib": index_size(IndexStore(root).live_dir()),
                       "peer_index_mib": index_size(peer_path), "cpus": os.cpu_count(),
                       "python": sys.version.split()[0]}
    save(result, args.out)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
