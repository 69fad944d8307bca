"""nDCG@10, P@10 and recall@100, per query, with ranx; and the same three written out plainly.

ranx is what the published numbers come from. :func:`plain` is an independent implementation of
the same definitions (nDCG with linear gains, Järvelin & Kekäläinen, as ranx's ``ndcg``; P@k and
recall@k count any grade above 0 as relevant): the full run checks that both agree, and the smoke
test uses it because ranx compiles its kernels with numba on first use (tens of seconds).
"""

from __future__ import annotations

import math
import warnings

METRICS = ("ndcg@10", "precision@10", "recall@100")


def plain(qrels: dict[str, dict[str, int]], run: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Metric → query id → value, for every query of ``qrels`` (a missing run counts as empty)."""
    out = {m: {} for m in METRICS}
    for qid, rel in qrels.items():
        ranked = run.get(qid, [])
        relevant = {d for d, g in rel.items() if g > 0}
        gains = [rel.get(d, 0) for d in ranked[:10]]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sorted(rel.values(), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        out["ndcg@10"][qid] = dcg / idcg if idcg else 0.0
        out["precision@10"][qid] = sum(1 for d in ranked[:10] if d in relevant) / 10
        out["recall@100"][qid] = (sum(1 for d in ranked[:100] if d in relevant) / len(relevant)
                                  if relevant else 0.0)
    return out


def with_ranx(qrels: dict[str, dict[str, int]], run: dict[str, list[str]]
              ) -> dict[str, dict[str, float]]:
    """The same as :func:`plain`, computed by ranx."""
    from ranx import Qrels, Run, evaluate

    judged = {q: r for q, r in qrels.items() if r}
    # Scores that keep the engine's order; ranx sorts by score.
    scored = {q: {d: float(len(ids) - i) for i, d in enumerate(ids)} for q, ids in run.items()
              if q in judged and ids}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's type-safety notes while compiling
        values = evaluate(Qrels(judged), Run(scored), list(METRICS), return_mean=False,
                          make_comparable=True)
    qids = list(Qrels(judged).keys())
    out = {m: {q: 0.0 for q in qrels} for m in METRICS}
    for m in METRICS:
        for q, v in zip(qids, values[m]):
            out[m][q] = float(v)
    return out


def mean(values: dict[str, float], qids: list[str] | None = None) -> float:
    keys = list(values) if qids is None else qids
    return sum(values[q] for q in keys) / len(keys) if keys else float("nan")
