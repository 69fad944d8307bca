"""Sudachi tokens as plain text, for engines that only split at spaces.

A post becomes the space-joined terms of policy-search's own analysis (``search.analysis``:
Sudachi normalized forms folded NFKC + lower case, particles and punctuation dropped), keeping the
units that tile the text: whole words and the A parts of compounds, not the compounds themselves,
so that consecutive terms are consecutive positions and a phrase of A units finds a compound
whichever way it was split. A query word becomes the same sequence, searched as a phrase.
"""

from __future__ import annotations

import time

from search.analysis import PART, WHOLE, morphology

from ..data import Doc


def terms(text: str) -> list[str]:
    return [u[3] for u in morphology().units(text) if u[5] in (WHOLE, PART)]


def analysed(docs: list[Doc], shared: dict) -> tuple[list[tuple[str, str, str]], float]:
    """``[(id, title terms, body terms)]`` and the seconds the analysis took. The result is kept
    in ``shared`` so that the second engine over the same posts reuses it (and its timing)."""
    key = ("sudachi-terms", len(docs), docs[0].id if docs else "")
    if key not in shared:
        morphology()  # the dictionary loads once per process; not part of any build
        start = time.perf_counter()
        rows = [(d.id, " ".join(terms(d.title)), " ".join(terms(d.body))) for d in docs]
        shared[key] = (rows, time.perf_counter() - start)
    return shared[key]
