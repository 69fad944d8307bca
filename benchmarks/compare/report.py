"""docs/benchmarks.md, its plots and the headline table, from the results of one run.

Every figure comes from ``results`` (see :mod:`benchmarks.compare.harness`). The page's prose lives
in ``templates/benchmarks.md.j2`` (Jinja2, which comes with Flask); the prose that explains a
loss in ``causes.toml``; a loss with no written cause is flagged as such.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from . import data, judge
from .engines.sqlite_fts5 import TRIGRAM_MIN

CAUSES = Path(__file__).with_name("causes.toml")
TEMPLATES = Path(__file__).with_name("templates")
TEMPLATE = "benchmarks.md.j2"
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
    """docs/benchmarks.md: the tables and findings of this module in the prose of
    ``templates/benchmarks.md.j2``."""
    import jinja2

    from .engines import ENGINES, make

    causes = load_causes()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    family_of = {q["id"]: q["family"] for q in results["queries"]}
    return env.get_template(TEMPLATE).render(
        results=results, m=results["machine"], load_note=load_note(results["machine"]),
        attribution=data.ATTRIBUTION, head=head, bootstrap=BOOTSTRAP,
        uncertainty=uncertainty(results), kana=KANA, margin=MARGIN,
        family_tables=[(name, family_table(results, metric)) for metric, name in METRIC_NAMES.items()],
        explained=explained(losses(results), causes, family_of),
        unanswered=unanswered(results, causes), full=results["sizes"][-1],
        schedule_note=schedule_note(results), speed_table=speed_table(results),
        rebuild_ratios=rebuild_ratios(results), slowest=slowest(results),
        scale_table=scale_table(results), plot_names=plot_names, build_plot=BUILD_PLOT,
        engines=[(name, make(name).description) for name in ENGINES],
        short_words=sum(1 for q in results["queries"]
                        if any(len(w) < TRIGRAM_MIN for w in q["q"].split())),
        trigram_min=TRIGRAM_MIN, strong=judge.STRONG, source=_source(results),
        others=results.get("others", []))


def _source(results: dict) -> str:
    sources = {q["source"] for q in results["quality"].values()}
    return sources.pop() if len(sources) == 1 else "mixed"
