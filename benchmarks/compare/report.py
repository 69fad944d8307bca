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
ORDER = (OURS, BARE, "whoosh-bigram", "fts5-trigram", "fts5-sudachi", "tantivy-sudachi",
         "fts5-sudachi-bare", "tantivy-sudachi-bare")
#: The family left out of the second overall figure: the one policy-search's reading lexicon was
#: built for, so the figure without it shows the rest of the yardstick on its own.
KANA = "kana"
#: Resamples of the paired bootstrap over queries (fixed seed: the same results give the same
#: interval).
BOOTSTRAP = 10_000
BOOTSTRAP_SEED = 12
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


def load_note(m: dict) -> str:
    """The 1-minute load average before and after the run: other work on the machine slows
    every engine, so the figures are comparable within a run, less so across runs."""
    start, end = m.get("load_average_at_start"), m.get("load_average")
    if not start or not end:
        return ""
    busy = max(start[0], end[0]) > (m.get("cores") or 1) + 0.5
    return (f"Load average (1 min) {start[0]:.1f} before and {end[0]:.1f} after the run"
            + (": other work shared the machine, so absolute times are inflated; the ratios "
               "between engines of this run are what to read." if busy else "."))


def _mean_without(quality: dict, label: str, queries: list[dict], family: str) -> float | None:
    values = quality.get(label, {}).get("per_query", {}).get("ndcg@10")
    ids = [q["id"] for q in queries if q["family"] != family]
    if not values or not ids:
        return None
    return sum(values[i] for i in ids) / len(ids)


def paired_bootstrap(mine: list[float], theirs: list[float], rounds: int = BOOTSTRAP,
                     seed: int = BOOTSTRAP_SEED) -> tuple[float, float, float]:
    """``(mean difference, 2.5th, 97.5th percentile)`` of ``mine - theirs`` over queries, by a
    paired bootstrap: queries drawn with replacement, the same draw for both engines."""
    import numpy as np

    diff = np.asarray(mine, dtype=float) - np.asarray(theirs, dtype=float)
    if len(diff) == 0:
        return float("nan"), float("nan"), float("nan")
    draws = np.random.default_rng(seed).integers(0, len(diff), size=(rounds, len(diff)))
    means = diff[draws].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(diff.mean()), float(low), float(high)


def best_peer(results: dict, ids: list[str]) -> str | None:
    """The peer (not a policy-search variant) with the highest mean nDCG@10 over ``ids``."""
    quality = results["quality"]
    peers = [v for v in variants(results) if engine_of(v) != OURS and v in quality]
    if not peers or not ids:
        return None
    return max(peers, key=lambda p: sum(quality[p]["per_query"]["ndcg@10"][i] for i in ids))


def difference(results: dict, ids: list[str]) -> dict | None:
    """policy-search against the best peer over ``ids``: means, difference and its 95% interval."""
    quality = results["quality"]
    peer = best_peer(results, ids)
    if peer is None or OURS not in quality:
        return None
    mine = [quality[OURS]["per_query"]["ndcg@10"][i] for i in ids]
    theirs = [quality[peer]["per_query"]["ndcg@10"][i] for i in ids]
    diff, low, high = paired_bootstrap(mine, theirs)
    return {"peer": peer, "n": len(ids), "ours": sum(mine) / len(ids),
            "theirs": sum(theirs) / len(ids), "diff": diff, "low": low, "high": high}


def _diff_text(d: dict) -> str:
    verdict = ("policy-search ahead" if d["low"] > 0 else "peer ahead" if d["high"] < 0
               else "no clear difference: the interval holds 0")
    return (f"{d['diff']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}] ({verdict})")


def uncertainty(results: dict) -> str:
    """The headline difference with its uncertainty: overall, without the kana family, and per
    family, each against the best peer of that set of queries."""
    queries = results["queries"]
    if OURS not in results["quality"]:
        return ""
    sets = [("all queries", [q["id"] for q in queries]),
            (f"all but {KANA}", [q["id"] for q in queries if q["family"] != KANA])]
    for fam in results["families"]:
        ids = [q["id"] for q in queries if q["family"] == fam]
        if ids:
            sets.append((f"family {fam}", ids))
    rows = ["| queries | n | policy-search | best peer | peer nDCG@10 | difference [95% CI] |",
            "|---|---:|---:|---|---:|---|"]
    for name, ids in sets:
        d = difference(results, ids)
        if d is None:
            continue
        rows.append(f"| {name} | {d['n']} | {d['ours']:.3f} | {d['peer']} | {d['theirs']:.3f} | "
                    f"{_diff_text(d)} |")
    return "\n".join(rows)


def headline(results: dict) -> str:
    """The one table for the README: quality and speed on every post."""
    full = results["sizes"][-1]
    queries = results["queries"]
    rows = ["| engine | nDCG@10 | without kana | P@10 | recall@100 | query p50 ms | query p99 ms "
            "| build s (wall) | build s (CPU) | index MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label in variants(results):
        q = results["quality"].get(label, {}).get("mean", {})
        r = record(results, engine_of(label), full)
        v = r["variants"][label] if r else None
        cpu = r.get("build_cpu_s") if r else None
        rows.append(f"| {label} | {_f(q.get('ndcg@10'))} | "
                    f"{_f(_mean_without(results['quality'], label, queries, KANA))} | "
                    f"{_f(q.get('precision@10'))} | "
                    f"{_f(q.get('recall@100'))} | {_ms(v['p50_ms']) if v else '–'} | "
                    f"{_ms(v['p99_ms']) if v else '–'} | {_f(r['build_s'], 1) if r else '–'} | "
                    f"{_f(cpu, 1)} | {_f(r['index_mb'], 1) if r else '–'} |")
    chars = next((r["chars"] for r in results["records"] if r["size"] == full), 0)
    gaps = []
    for name, ids in (("all", [q["id"] for q in queries]),
                      (f"without {KANA}", [q["id"] for q in queries if q["family"] != KANA])):
        d = difference(results, ids)
        if d is not None:
            gaps.append(f"{name} ({d['n']} queries): policy-search − {d['peer']} "
                        f"{_diff_text(d)}")
    ours_rec = record(results, OURS, full)
    procs = ours_rec.get("build_processes") if ours_rec else None
    ratio = rebuild_ratios(results)
    note = ("\nnDCG@10 difference to the best peer, paired bootstrap over queries, 95% interval: "
            + "; ".join(gaps) + "." if gaps else "")
    if procs:
        note += (f" Build: wall seconds, and CPU seconds of every process of the build "
                 f"(policy-search's rebuild runs {procs} indexer processes, the peers one"
                 + (f"; tantivy's writer two threads" if any(r["engine"].startswith("tantivy")
                                                           for r in results["records"]) else "")
                 + ").")
    if ratio:
        note += " " + ratio
    note += (f"\n{len(results['queries'])} judged queries over {full:,} posts "
            f"({chars:,} characters) of the 情報通信白書; latency over "
            f"{results['latency_queries']} different queries, {results['settings']['latency_k']} "
            f"hits each; {results['machine']['cores']} cores, {results['date'][:10]}. "
            f"The machine is shared: wall times are noisy, CPU seconds the steadier figure. "
            f"Method and the places where policy-search is not ahead: docs/benchmarks.md.\n"
            f"{data.ATTRIBUTION}\n")
    return "\n".join(rows) + "\n" + note


def rebuild_ratios(results: dict) -> str:
    """The rebuild against raw Sudachi, both ways, from bench_rebuild of the same run."""
    for other in results.get("others", []):
        r = other.get("result") or {}
        if other.get("name") == "bench_rebuild" and "raw_parallel_seconds" in r:
            return (f"Rebuild against raw Sudachi (bench_rebuild, {r['posts']:,} posts): wall "
                    f"{r['rebuild_seconds']:.1f} s against raw Sudachi in {r['workers']} processes "
                    f"{r['raw_parallel_seconds']:.1f} s = {r['ratio_parallel']:.2f}×; CPU "
                    f"{r['rebuild_cpu_seconds']:.1f} s against raw Sudachi's "
                    f"{r['raw_cpu_seconds']:.1f} s = {r['cpu_ratio']:.2f}×.")
    return ""


def family_table(results: dict, metric: str) -> str:
    """Family means of one metric per engine. For recall@k a last column gives the highest
    value any ranking could reach (a query with more than k relevant posts cannot reach 1)."""
    labels = variants(results)
    fams = [f for f in results["families"] if any(q["family"] == f for q in results["queries"])]
    ids = {f: [q for q in results["queries"] if q["family"] == f] for f in fams}
    k = int(metric.split("@")[1]) if metric.startswith("recall@") else None

    def ceiling(queries: list[dict]) -> str:
        values = [min(1.0, k / q["relevant"]) if q["relevant"] else 0.0 for q in queries]
        return f"_{sum(values) / len(values):.3f}_"

    def cells(values: list[float]) -> list[str]:
        rounded = [round(v, 3) for v in values]
        return [f"**{v:.3f}**" if v == max(rounded) else f"{v:.3f}" for v in rounded]

    extra = " highest possible |" if k else ""
    rows = ["| family (queries) | " + " | ".join(labels) + " |" + extra,
            "|---|" + "---:|" * (len(labels) + (1 if k else 0))]
    for fam in fams:
        row = cells([results["quality"][lab]["family"][fam][metric] for lab in labels])
        rows.append(f"| {fam} ({len(ids[fam])}) | " + " | ".join(row) + " |"
                    + (f" {ceiling(ids[fam])} |" if k else ""))
    row = cells([results["quality"][lab]["mean"][metric] for lab in labels])
    rows.append(f"| **all** ({len(results['queries'])}) | " + " | ".join(row) + " |"
                + (f" {ceiling(results['queries'])} |" if k else ""))
    rest = [q for q in results["queries"] if q["family"] != KANA]
    if len(rest) < len(results["queries"]):
        row = cells([metrics_mean(results["quality"][lab]["per_query"][metric], rest)
                     for lab in labels])
        rows.append(f"| **all but {KANA}** ({len(rest)}) | " + " | ".join(row) + " |"
                    + (f" {ceiling(rest)} |" if k else ""))
    return "\n".join(rows)


def metrics_mean(values: dict[str, float], queries: list[dict]) -> float:
    return sum(values[q["id"]] for q in queries) / len(queries) if queries else float("nan")


def speed_table(results: dict) -> str:
    full = results["sizes"][-1]
    rows = ["| engine | build s, wall (analysis + index) | build s, CPU | processes | index MB | "
            "peak RSS build MB (+ over start) | peak RSS queries MB | p50 ms | p99 ms | mean ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label in variants(results):
        r = record(results, engine_of(label), full)
        if r is None:
            continue
        v = r["variants"][label]
        phases = r["build_phases_s"]
        split = (f"{r['build_s']:.1f} ({phases['analysis']:.1f} + {phases['index']:.1f})"
                 if "analysis" in phases else f"{r['build_s']:.1f}")
        grew = r["peak_build_mb"] - r["rss_before_mb"]
        # One worker holds every variant's reader: its peak while querying is the engine's.
        query_peak = max(x["peak_query_mb"] for x in r["variants"].values())
        rows.append(f"| {label} | {split} | {_f(r.get('build_cpu_s'), 1)} | "
                    f"{r.get('build_processes', '–')} | {r['index_mb']:.1f} | "
                    f"{r['peak_build_mb']:.0f} (+{grew:.0f}) | "
                    f"{query_peak:.0f} | {_ms(v['p50_ms'])} | {_ms(v['p99_ms'])} | "
                    f"{_ms(v['mean_ms'])} |")
    return "\n".join(rows)


def slowest(results: dict, n: int = 5) -> str:
    """The slowest queries of each policy-search variant on every post: where its p99 comes from."""
    full = results["sizes"][-1]
    r = record(results, OURS, full)
    if r is None or "latency_query_list" not in results:
        return ""
    lines = []
    for label, v in r["variants"].items():
        timed = sorted(zip(v["latency_ms"], results["latency_query_list"]), reverse=True)[:n]
        lines.append(f"Slowest queries, {label}: "
                     + ", ".join(f"{q} {ms:.0f} ms" for ms, q in timed) + ".")
    return "\n\n".join(lines)


def schedule_note(results: dict) -> str:
    """How the jobs (an engine group at one corpus size, each a worker process) shared the
    machine in this run."""
    stages = results.get("schedule", [])
    if all(len(lanes) == 1 and len(lanes[0]) <= 1 for lanes in stages):
        return "Every job (an engine group at one corpus size) ran alone on the machine."
    parts = []
    for lanes in stages:
        if len(lanes) == 1:
            parts.append(", ".join(lanes[0]) + " one after the other, alone on the machine")
        else:
            parts.append("; at the same time, ".join(
                f"on core {i + 1}: " + ", ".join(lane) for i, lane in enumerate(lanes)))
    return ("Schedule (engine group @ posts, each in a fresh worker process): "
            + "; then ".join(parts) + ". policy-search builds on both cores, so its jobs ran "
            "alone; the other engines build on one core, so their jobs ran two at a time, each "
            "with a core to itself. They share the memory bus and caches, which can slow each a "
            "little (`--serial` runs one job at a time).")


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


#: One colour and marker per engine, the same in every plot.
STYLE = {OURS: ("tab:blue", "o", "-"), BARE: ("tab:cyan", "o", "-"),
         "whoosh-bigram": ("tab:orange", "s", "--"), "fts5-trigram": ("tab:red", "^", "--"),
         "fts5-sudachi": ("tab:green", "D", "--"), "tantivy-sudachi": ("tab:purple", "v", ":"),
         "fts5-sudachi-bare": ("tab:olive", "D", ":"),
         "tantivy-sudachi-bare": ("tab:pink", "v", ":")}


def plots(results: dict, docs_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    labels = variants(results)

    def draw(ax, label: str, points: list[tuple[int, float]]) -> None:
        if points:
            color, marker, line = STYLE.get(label, ("black", "x", "-"))
            xs, ys = zip(*points)
            ax.plot(xs, ys, linestyle=line, marker=marker, color=color, label=label)

    fig, ax = plt.subplots(figsize=(7, 4.8))
    for label in labels:
        if label != BARE:  # the same index as policy-search
            draw(ax, label, [(n, r["build_s"]) for n in sizes
                             if (r := record(results, engine_of(label), n))])
    ax.set_xlabel("posts")
    ax.set_ylabel("build time, seconds (log)")
    ax.set_yscale("log")
    ax.set_title("Index build time against corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(docs_dir / BUILD_PLOT, dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
    for ax, key, title in zip(axes, ("p50_ms", "p99_ms"), ("median (p50)", "p99")):
        for label in labels:
            draw(ax, label, [(n, r["variants"][label][key]) for n in sizes
                             if (r := record(results, engine_of(label), n))
                             and label in r["variants"]])
        ax.set_xlabel("posts")
        ax.set_yscale("log")
        ax.set_title(f"Query latency, {title}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("milliseconds (log)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(names), fontsize=8)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(docs_dir / LATENCY_PLOT, dpi=100)
    plt.close(fig)
    return [BUILD_PLOT, LATENCY_PLOT]


def load_causes(path: Path = CAUSES) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open("rb") as f:
        raw = tomllib.load(f)
    return {f"{section}.{key}": " ".join(text.split()) for section, items in raw.items()
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
    measures = (
        ("build", "build time (s, wall)", lambda r, lab: r["build_s"]),
        ("build_cpu", "build CPU time (s, all processes)",
         lambda r, lab: r.get("build_cpu_s", float("inf"))),
        ("index_size", "index size (MB)", lambda r, lab: r["index_mb"]),
        ("memory", "peak memory while building (MB)", lambda r, lab: r["peak_build_mb"]),
        ("memory_query", "peak memory while querying (MB)",
         lambda r, lab: max(v["peak_query_mb"] for v in r["variants"].values())),
        ("latency", "query p50 (ms)", lambda r, lab: r["variants"][lab]["p50_ms"]),
        ("latency_p99", "query p99 (ms)", lambda r, lab: r["variants"][lab]["p99_ms"]))
    for key, name, get in measures:
        parts = []
        for size in reversed(results["sizes"]):
            mine_rec = record(results, OURS, size)
            if mine_rec is None:
                continue
            mine = get(mine_rec, OURS)
            better = [f"{p} {get(r, p):.1f}" for p in peers
                      if (r := record(results, engine_of(p), size)) and get(r, p) < mine]
            if better:
                parts.append(f"at {size:,} posts policy-search {mine:.1f}, lower: {', '.join(better)}")
        if parts:
            out.append(("speed", key, f"{name}: " + "; ".join(parts)))
    return out


def write(results: dict, docs_dir: Path, headline_path: Path | None) -> None:
    docs_dir.mkdir(parents=True, exist_ok=True)
    names = plots(results, docs_dir)
    head = headline(results)
    if headline_path is not None:
        headline_path.parent.mkdir(parents=True, exist_ok=True)
        headline_path.write_text(head, "utf-8")
    (docs_dir / "benchmarks.md").write_text(document(results, head, names), "utf-8")


def explained(found: list[tuple[str, str, str]], causes: dict[str, str],
              family_of: dict[str, str]) -> list[str]:
    """The losses grouped by their cause: the lines of a group, then the cause once."""
    groups: dict[str, list[str]] = {}
    for kind, key, line in found:
        cause = causes.get(f"{kind}.{key}") or causes.get(f"{kind}.{key.split('.')[0]}")
        if kind == "query" and not cause:
            cause = causes.get(f"query_family.{family_of[key]}")
        groups.setdefault(cause or "(No cause written down yet in causes.toml.)", []).append(line)
    out = []
    for cause, lines in groups.items():
        out += [f"- {line}" for line in lines]
        out += ["", f"  **Why:** {cause}", ""]
    return out or ["Nowhere in this run.", ""]


def unanswered(results: dict, causes: dict[str, str]) -> list[str]:
    """Queries that no engine answers well (nDCG@10 under 0.5 everywhere), with their causes."""
    quality = results["quality"]
    if not quality:
        return []
    by_id = {q["id"]: q for q in results["queries"]}
    bad = [qid for qid in by_id
           if max(v["per_query"]["ndcg@10"][qid] for v in quality.values()) < 0.5]
    if not bad:
        return []
    out = ["### Queries no engine answers well", "",
           "nDCG@10 below 0.5 for every engine; policy-search is not behind here, but not ahead "
           "either.", ""]
    for qid in bad:
        values = {lab: v["per_query"]["ndcg@10"][qid] for lab, v in quality.items()}
        best = max(values, key=values.get)
        if values[best] == 0:
            scores = "nDCG@10 0 for every engine"
        else:
            scores = f"best {best} {values[best]:.3f}, policy-search {values.get(OURS, 0):.3f}"
        out.append(f"- `{by_id[qid]['q']}` ({qid}): {scores}. "
                   + causes.get(f"query.{qid}", "(No cause written down yet in causes.toml.)"))
    return out + [""]


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
        f"{results['total_s']:.0f} s. {load_note(m)}",
        "",
        "Data: " + data.ATTRIBUTION + ". The corpus (6,362 sections of the 2000–2023 "
        "editions) is read from `../shared/corpora/whitepaper/posts.jsonl`; nothing of it is "
        "copied into this repository.",
        "",
        *([f"**Failed in this run** (no figures below): "
           + "; ".join(f"{g}: {e}" for g, e in results["failures"].items()), ""]
          if results.get("failures") else []),
        "## Headline (every post)",
        "",
        head,
        "### The headline difference and its uncertainty",
        "",
        f"nDCG@10 of policy-search against the best peer of each set of queries (the peer with "
        f"the highest mean there), the difference and its 95% interval from a paired bootstrap "
        f"over queries ({BOOTSTRAP:,} resamples, the same queries drawn for both engines). An "
        f"interval that holds 0 is no evidence of a difference either way; with 8–12 queries a "
        f"family's interval is wide.",
        "",
        uncertainty(results),
        "",
        "## Quality by query family",
        "",
        "Bold: the best engine of the row. Families and their queries are listed under Method. "
        f"_all but {KANA}_ leaves out the family that policy-search's reading lexicon was built "
        "for.",
        "",
    ]
    for metric, name in METRIC_NAMES.items():
        parts += [f"### {name}", "", family_table(results, metric), ""]
    parts += ["## Where policy-search is not ahead", "",
              "Every place in this run where a peer beats policy-search: overall and per-family "
              f"means (by more than {MARGIN}), single queries whose nDCG@10 trails the best peer "
              "by more than 0.05, and speed and size on every post; each group of findings is "
              "followed by its cause.", ""]
    parts += explained(losses(results), causes, {q["id"]: q["family"] for q in results["queries"]})
    parts += unanswered(results, causes)
    parts += ["## Speed and size", "",
              f"On all {full:,} posts. Build = a fresh index, committed to disk: policy-search "
              "runs `indexer.rebuild` on post files written beforehand (reading and parsing them "
              "is part of its time, as in `policy-search rebuild`); the peers index the posts "
              "from memory. For the Sudachi-token engines the analysis is shown separately: it "
              "is done once per corpus size and its time (wall and CPU) counted for each of them. "
              "CPU seconds are user + system time of every process of the build: the worker "
              "process's threads (tantivy's writer runs two) and its child processes "
              "(policy-search's indexer workers), from getrusage; for the Sudachi-token engines "
              "the analysis thread's CPU time is added. Wall seconds are noisy on this shared "
              "machine; CPU seconds are the steadier figure. Every engine "
              "group and corpus size runs in a fresh worker process. Peak RSS is the resident memory high-water mark of the "
              "worker process (plus its child processes, sampled every 50 ms, their resident sets "
              "added up, so pages they share such as the mapped dictionary count once per process) "
              "during the build or during the timed queries; it includes the Python interpreter "
              "and all posts of the corpus held in memory (the \"+\" figure is the growth over the "
              "worker's memory just before the build).", "", schedule_note(results), "", speed_table(results), "",
              slowest(results), "",
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
    lines = [
        "## Method",
        "",
        "### Engines",
        "",
        *descriptions,
        "",
        "All engines index the same posts in the same run: title and body, AND between the words "
        "of a query, a title match weighted 3× a body match (policy-search's default "
        "`title_boost`). Each engine group runs, at each corpus size, in a fresh worker process "
        "(`benchmarks/compare/worker.py`). The Sudachi-token engines are given what a careful "
        "site on those engines builds: a reading column beside the surface one (every unit's "
        "katakana reading, compounds and their parts, as Kuromoji's search mode with a "
        "reading-form filter gives them; a kana query word is folded to katakana and searched "
        "there too) and query-time OR expansion with policy-search's own synonym list "
        "(`search.Synonyms` over the default settings' files); a query word that Sudachi "
        "cuts around dropped words (a sentence typed without spaces: 電波利用料の見直しについて) "
        "needs every run of terms between them, each as a phrase (the multi-word function "
        "phrases of Lucene's Japanese stop list, について, に関する…, are dropped too), where "
        "the bare rows search the whole word as one phrase. Their bare rows "
        "(`fts5-sudachi-bare`, `tantivy-sudachi-bare`) are the same term index without "
        "readings or synonyms, as this benchmark first built them. The Sudachi-token engines load the Sudachi "
        "dictionary in their worker before the clock starts; policy-search's `rebuild` starts two "
        "indexer processes that each load it, inside its build time. "
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
        "after NFKC and lower-casing (a Latin form must not run into another word: AI does not "
        "count inside mail, nor 5G inside 5GHz): grade 2 when a form is in the title or at least "
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
        "result set, highlighted title, snippet); the bare variant evaluates the same compiled "
        "plan with the same plan engine (`search.engine`) and takes the top ids, without facets, "
        "snippets or stored fields. The service remembers term and phrase results per index "
        "generation; that memory is emptied before every timed query, so all engines are timed "
        "cold (no engine keeps a result cache; SQLite's page cache and the OS file cache stay "
        "warm for all). The corpus sizes of the scale curve are nested random samples "
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
