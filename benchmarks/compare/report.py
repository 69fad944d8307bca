"""docs/benchmarks.md, its plots and the headline table, from the results of one run.

Every figure comes from ``results`` (see :mod:`benchmarks.compare.harness`). The prose that
explains a loss lives in ``causes.toml``; a loss with no written cause is flagged as such.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from . import data, judge
from .engines.sqlite_fts5 import TRIGRAM_MIN

CAUSES = Path(__file__).with_name("causes.toml")
OURS, BARE = "policy-search", "policy-search (bare)"
ORDER = (OURS, BARE, "whoosh-bigram", "fts5-trigram", "fts5-sudachi", "tantivy-sudachi")
METRIC_NAMES = {"ndcg@10": "nDCG@10", "precision@10": "P@10", "recall@100": "recall@100"}
BUILD_PLOT, LATENCY_PLOT = "bench-build.png", "bench-latency.png"
#: A peer "is ahead" when it beats policy-search by more than this (metric points, 0–1 scale).
MARGIN = 0.005


def variants(results: dict) -> list[str]:
    present = {label for r in results["records"] for label in r["variants"]}
    return [v for v in ORDER if v in present] + sorted(present - set(ORDER))


def engine_of(label: str) -> str:
    return OURS if label == BARE else label


def record(results: dict, engine: str, size: int) -> dict | None:
    for r in results["records"]:
        if r["engine"] == engine and r["size"] == size:
            return r
    return None


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _ms(x: float) -> str:
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def headline(results: dict) -> str:
    """The one table for the README: quality and speed on every post."""
    full = results["sizes"][-1]
    rows = ["| engine | nDCG@10 | P@10 | recall@100 | query p50 ms | query p99 ms | build s | index MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label in variants(results):
        q = results["quality"].get(label, {}).get("mean", {})
        r = record(results, engine_of(label), full)
        v = r["variants"][label] if r else None
        rows.append(f"| {label} | {_f(q.get('ndcg@10'))} | {_f(q.get('precision@10'))} | "
                    f"{_f(q.get('recall@100'))} | {_ms(v['p50_ms']) if v else '–'} | "
                    f"{_ms(v['p99_ms']) if v else '–'} | {_f(r['build_s'], 1) if r else '–'} | "
                    f"{_f(r['index_mb'], 1) if r else '–'} |")
    chars = next((r["chars"] for r in results["records"] if r["size"] == full), 0)
    note = (f"\n{len(results['queries'])} judged queries over {full:,} posts "
            f"({chars:,} characters) of the 情報通信白書; latency over "
            f"{results['latency_queries']} different queries, {results['settings']['latency_k']} "
            f"hits each; {results['machine']['cores']} cores, {results['date'][:10]}. "
            f"Method and the places where policy-search is not ahead: docs/benchmarks.md.\n"
            f"{data.ATTRIBUTION}\n")
    return "\n".join(rows) + "\n" + note


def family_table(results: dict, metric: str) -> str:
    labels = variants(results)
    fams = results["families"]
    counts = {}
    for q in results["queries"]:
        counts[q["family"]] = counts.get(q["family"], 0) + 1
    rows = ["| family (queries) | " + " | ".join(labels) + " |",
            "|---|" + "---:|" * len(labels)]
    for fam in fams:
        if fam not in counts:
            continue
        values = [results["quality"][lab]["family"][fam][metric] for lab in labels]
        best = max(values)
        cells = [f"**{v:.3f}**" if v >= best - 1e-12 else f"{v:.3f}" for v in values]
        rows.append(f"| {fam} ({counts[fam]}) | " + " | ".join(cells) + " |")
    means = [results["quality"][lab]["mean"][metric] for lab in labels]
    best = max(means)
    rows.append("| **all** | " + " | ".join(f"**{v:.3f}**" if v >= best - 1e-12 else f"{v:.3f}"
                                            for v in means) + " |")
    return "\n".join(rows)


def speed_table(results: dict) -> str:
    full = results["sizes"][-1]
    rows = ["| engine | build s (analysis + index) | index MB | peak RSS build MB (+ over start) | "
            "peak RSS queries MB | p50 ms | p99 ms | mean ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label in variants(results):
        r = record(results, engine_of(label), full)
        if r is None:
            continue
        v = r["variants"][label]
        phases = r["build_phases_s"]
        split = (f"{r['build_s']:.1f} ({phases['analysis']:.1f} + {phases['index']:.1f})"
                 if "analysis" in phases else f"{r['build_s']:.1f}")
        grew = r["peak_build_mb"] - r["rss_before_mb"]
        rows.append(f"| {label} | {split} | {r['index_mb']:.1f} | {r['peak_build_mb']:.0f} (+{grew:.0f}) | "
                    f"{v['peak_query_mb']:.0f} | {_ms(v['p50_ms'])} | {_ms(v['p99_ms'])} | "
                    f"{_ms(v['mean_ms'])} |")
    return "\n".join(rows)


def scale_table(results: dict) -> str:
    sizes = results["sizes"]
    head = " · ".join(f"{n:,}" for n in sizes)
    rows = [f"| engine | build s at {head} posts | p50 / p99 ms at {head} posts |",
            "|---|---|---|"]
    for label in variants(results):
        builds, lats = [], []
        for n in sizes:
            r = record(results, engine_of(label), n)
            if r is None:
                builds.append("–")
                lats.append("–")
                continue
            v = r["variants"][label]
            builds.append(f"{r['build_s']:.1f}")
            lats.append(f"{_ms(v['p50_ms'])} / {_ms(v['p99_ms'])}")
        rows.append(f"| {label} | {' · '.join(builds)} | {' · '.join(lats)} |")
    return "\n".join(rows)


def plots(results: dict, docs_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    labels = variants(results)
    styles = {label: ("-" if engine_of(label) == OURS else "--") for label in labels}
    names = []
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label in labels:
        if label == BARE:
            continue  # same index as policy-search
        xs, ys = zip(*[(n, r["build_s"]) for n in sizes
                       if (r := record(results, engine_of(label), n))]) if sizes else ((), ())
        ax.plot(xs, ys, styles[label], marker="o", label=label)
    ax.set_xlabel("posts")
    ax.set_ylabel("build time, seconds")
    ax.set_yscale("log")
    ax.set_title("Index build time against corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(docs_dir / BUILD_PLOT, dpi=100)
    plt.close(fig)
    names.append(BUILD_PLOT)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for ax, key, title in zip(axes, ("p50_ms", "p99_ms"), ("median (p50)", "p99")):
        for label in labels:
            pts = [(n, r["variants"][label][key]) for n in sizes
                   if (r := record(results, engine_of(label), n)) and label in r["variants"]]
            if pts:
                xs, ys = zip(*pts)
                ax.plot(xs, ys, styles[label], marker="o", label=label)
        ax.set_xlabel("posts")
        ax.set_yscale("log")
        ax.set_title(f"Query latency, {title}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("milliseconds")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(docs_dir / LATENCY_PLOT, dpi=100)
    plt.close(fig)
    names.append(LATENCY_PLOT)
    return names


def load_causes(path: Path = CAUSES) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open("rb") as f:
        raw = tomllib.load(f)
    return {f"{section}.{key}": text.strip() for section, items in raw.items()
            for key, text in items.items()}


def losses(results: dict) -> list[tuple[str, str, str]]:
    """``(kind, key, line)`` for every place a peer is ahead of policy-search: overall and family
    means of each metric, single queries by nDCG@10, and speed and size at the full corpus."""
    out = []
    quality = results["quality"]
    if OURS not in quality:
        return out
    peers = [v for v in variants(results) if engine_of(v) != OURS and v in quality]
    ours = quality[OURS]
    for metric, name in METRIC_NAMES.items():
        for fam in list(results["families"]) + ["all"]:
            mine = ours["mean"][metric] if fam == "all" else ours["family"].get(fam, {}).get(metric)
            if mine is None:
                continue
            ahead = [(p, quality[p]["mean"][metric] if fam == "all" else quality[p]["family"][fam][metric])
                     for p in peers]
            ahead = [(p, v) for p, v in ahead if v > mine + MARGIN]
            if ahead:
                who = ", ".join(f"{p} {v:.3f}" for p, v in sorted(ahead, key=lambda t: -t[1]))
                out.append(("family", f"{fam}.{metric}",
                            f"{name}, {'all queries' if fam == 'all' else 'family ' + fam}: "
                            f"policy-search {mine:.3f} < {who}"))
    by_id = {q["id"]: q for q in results["queries"]}
    for qid, mine in ours["per_query"]["ndcg@10"].items():
        best_peer = max(peers, key=lambda p: quality[p]["per_query"]["ndcg@10"][qid], default=None)
        if best_peer is None:
            continue
        theirs = quality[best_peer]["per_query"]["ndcg@10"][qid]
        if theirs > mine + 0.05:
            q = by_id[qid]
            out.append(("query", qid, f"`{q['q']}` ({qid}): nDCG@10 {mine:.3f} < {best_peer} "
                                       f"{theirs:.3f}"))
    full = results["sizes"][-1]
    mine_rec = record(results, OURS, full)
    if mine_rec:
        for key, name, getter in (
                ("build", "build time (s)", lambda r, lab: r["build_s"]),
                ("index_size", "index size (MB)", lambda r, lab: r["index_mb"]),
                ("memory", "peak memory while building (MB)", lambda r, lab: r["peak_build_mb"]),
                ("latency", "query p50 (ms)", lambda r, lab: r["variants"][lab]["p50_ms"]),
                ("latency_p99", "query p99 (ms)", lambda r, lab: r["variants"][lab]["p99_ms"])):
            mine = getter(mine_rec, OURS)
            better = []
            for p in peers:
                r = record(results, p, full)
                if r and getter(r, p) < mine:
                    better.append(f"{p} {getter(r, p):.1f}")
            if better:
                out.append(("speed", key, f"{name}: policy-search {mine:.1f}; lower: {', '.join(better)}"))
    return out


def write(results: dict, docs_dir: Path, headline_path: Path | None) -> None:
    docs_dir.mkdir(parents=True, exist_ok=True)
    names = plots(results, docs_dir)
    head = headline(results)
    if headline_path is not None:
        headline_path.parent.mkdir(parents=True, exist_ok=True)
        headline_path.write_text(head, "utf-8")
    (docs_dir / "benchmarks.md").write_text(document(results, head, names), "utf-8")


def document(results: dict, head: str, plot_names: list[str]) -> str:
    m = results["machine"]
    causes = load_causes()
    sizes = results["sizes"]
    full = sizes[-1]
    labels = variants(results)
    parts = [
        "# Benchmarks: policy-search beside what a site would use instead",
        "",
        "_Generated by `make bench` (`python -m benchmarks.run_all`); do not edit by hand — the "
        "prose comes from `benchmarks/compare/report.py` and `benchmarks/compare/causes.toml`._",
        "",
        f"Run of {results['date']} on {m['cores']} cores ({m['cpu']}, {m['memory_gb']} GB), "
        f"{m['os']}, Python {m['python']}. Versions: SQLite {m['sqlite']}, Whoosh {m['whoosh']}, "
        f"tantivy-py {m['tantivy']}, SudachiPy {m['sudachipy']} with sudachidict-core "
        f"{m['sudachidict_core']}, ranx {m['ranx']}. The comparison took "
        f"{results['total_s']:.0f} s.",
        "",
        "Data: " + data.ATTRIBUTION + ". The corpus (6,362 sections of the 2000–2023 "
        "editions) is read from `../shared/corpora/whitepaper/posts.jsonl`; nothing of it is "
        "copied into this repository.",
        "",
        "## Headline (every post)",
        "",
        head,
        "## Quality by query family",
        "",
        "Bold: the best engine of the row. Families and their queries are listed under Method.",
        "",
    ]
    for metric, name in METRIC_NAMES.items():
        parts += [f"### {name}", "", family_table(results, metric), ""]
    parts += ["## Where policy-search is not ahead", "",
              "Every place in this run where a peer beats policy-search: overall and per-family "
              f"means (by more than {MARGIN}), single queries whose nDCG@10 trails the best peer "
              "by more than 0.05, and speed and size on every post. The cause of each is "
              "below the line.", ""]
    seen_causes = set()
    for kind, key, line in losses(results):
        cause_key = {"family": "family", "query": "query", "speed": "speed"}[kind] + "." + key
        cause = causes.get(cause_key) or causes.get(f"{kind}.{key.split('.')[0]}")
        parts.append(f"- {line}")
        if cause and cause not in seen_causes:
            parts.append(f"  — {cause}")
            seen_causes.add(cause)
        elif not cause:
            parts.append("  — (no cause written down yet in causes.toml)")
    parts += [""]
    parts += ["## Speed and size", "",
              f"On all {full:,} posts. Build = a fresh index from posts in memory, "
              "committed to disk; for the two Sudachi-token engines the analysis (measured once, "
              "shared) is shown separately. Peak RSS is the resident memory high-water mark of the "
              "worker process (plus its child processes, sampled every 50 ms) during the build or "
              "during the timed queries; it includes the Python interpreter and all posts held in "
              "memory.", "", speed_table(results), "",
              "### Scale curve", "", scale_table(results), ""]
    parts += [f"![Build time against posts]({name})" if name == BUILD_PLOT else
              f"![Query latency against posts]({name})" for name in plot_names]
    parts += ["", method(results, labels), ""]
    parts += appendix(results.get("others", []))
    return "\n".join(parts)


def _source(results: dict) -> str:
    sources = {q["source"] for q in results["quality"].values()}
    return sources.pop() if len(sources) == 1 else "mixed"


def appendix(others: list[dict]) -> list[str]:
    """The other benchmarks of the same ``make bench`` run, their output as they printed it."""
    if not others:
        return []
    out = ["## Other benchmarks of the same run", "",
           "Run by `benchmarks/run_all.py` before the comparison, each in a process of its own; "
           "their own files under `benchmarks/out/` hold the details.", ""]
    for o in others:
        out.append(f"### {o['name']} — {o['status']}, {o['seconds']:.0f} s")
        out.append("")
        if o["output"].strip():
            out += ["```", o["output"].rstrip(), "```", ""]
    return out


def method(results: dict, labels: list[str]) -> str:
    from .engines import ENGINES, make

    descriptions = []
    for name in ENGINES:
        descriptions.append(f"- **{name}** — {make(name).description}.")
    short_words = [q for q in results["queries"]
                   if any(len(w) < TRIGRAM_MIN for w in q["q"].split())]
    setup = results.get("setup", {}).get(OURS, {})
    lines = [
        "## Method",
        "",
        "### Engines",
        "",
        *descriptions,
        "",
        "All engines index the same posts in the same run: title and body, AND between the words "
        "of a query, a title match weighted 3× a body match (policy-search's default "
        "`title_boost`). Each engine group runs in a worker process of its own "
        "(`benchmarks/compare/worker.py`). policy-search and the two Sudachi-token engines load "
        "the Sudachi dictionary once per process before any clock starts"
        + (f" ({setup['dictionary_load_s']:.2f} s here)" if "dictionary_load_s" in setup else "")
        + ". "
        f"FTS5 trigram: {len(short_words)} of the {len(results['queries'])} judged queries have a "
        f"word under {TRIGRAM_MIN} characters, which the trigram index cannot find; such a word is "
        "searched with `LIKE '%word%'` over title and body (a full scan), and a query of only such "
        "words is ranked by occurrences (title ×3), as a site on this engine would have to do. "
        "These posts are counted as found, not as failures.",
        "",
        "### Relevance judgments",
        "",
        "No engine's output defines the truth. `benchmarks/compare/queries.toml` holds, per query "
        "and per query word, the surface forms that count as the concept (e.g. 障害者, 障がい者, "
        "障碍者 for 障がい者; ICT and 情報通信技術 for ＩＣＴ) and the longer contexts that do not "
        "(京都 inside 東京都, 議会 inside 審議会, ネット inside ネットワーク). "
        "`benchmarks/compare/judge.py` applies these rules to the raw text of every post, compared "
        "after NFKC and lower-casing (a Latin form must not touch another Latin letter or digit: "
        "AI does not count inside mail): grade 2 when a form is in the title or at least "
        f"{judge.STRONG} times in the body, grade 1 when it occurs in the body at all, else 0; for "
        "a two-word query the smaller grade of its two concepts. The rules were spot-checked by "
        "reading matches in context (`python -m benchmarks.compare.judge --kwic ID`); what the "
        "reading found and changed is in `benchmarks/compare/spotcheck.md`. Known limits: a "
        "grade says a post talks about the concept, not how well; a long post that mentions "
        "both words of a two-word query far apart counts as relevant.",
        "",
        "### Measures",
        "",
        "nDCG@10 (linear gains), P@10 and recall@100 (grade ≥ 1 relevant), per query, from each "
        f"engine's top {results['settings']['quality_k']} on all posts, "
        + ("computed by ranx; the run checks that an independent implementation "
           "(`benchmarks/compare/metrics.py`) gives the same values. "
           if _source(results) == "ranx" else
           "computed by `benchmarks/compare/metrics.py` (ranx was switched off for this run). ")
        + f"Latency: {results['latency_queries']} different queries (the judged ones and "
        "`benchmarks/compare/latency_queries.txt`, nouns of post titles), each run once after "
        f"{results['settings']['warmup']} warm-up queries, asking for the top "
        f"{results['settings']['latency_k']}; wall time of the engine's search call, in the "
        "worker process. policy-search answers through `SearchService.search` (facets of the whole "
        "result set, highlighted title, snippet); the bare variant runs the same compiled query "
        "on a plain Whoosh searcher. The corpus sizes of the scale curve are nested random samples "
        "(the shuffle of the corpus README, so the 1,000-post set is `sample-1000.jsonl`).",
        "",
        "### The query set",
        "",
        "| id | family | query | relevant (grade 2) |",
        "|---|---|---|---:|",
    ]
    for q in results["queries"]:
        lines.append(f"| {q['id']} | {q['family']} | {q['q']} | {q['relevant']} ({q['grade2']}) |")
    lines += ["", "Families: " + "; ".join(f"**{k}** — {v}" for k, v in results["families"].items())
              + ".", "",
              "### Reproduce", "",
              "```",
              "make bench                                  # everything, writes this file",
              ".venv/bin/python -m benchmarks.compare      # only the comparison",
              ".venv/bin/python -m benchmarks.compare --sizes 1000 --engines policy-search,fts5-trigram",
              ".venv/bin/python -m benchmarks.compare.judge --stats           # the judgments",
              ".venv/bin/python -m benchmarks.compare.judge --kwic trap-kyoto # read them in context",
              "```", "",
              "Raw numbers of this run, every latency included: `benchmarks/out/compare/results.json` "
              "(not committed)."]
    return "\n".join(lines)
