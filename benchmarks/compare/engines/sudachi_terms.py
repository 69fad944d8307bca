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
    """``[(id, title terms, body terms)]`` for ``docs`` and the seconds their analysis takes.

    Each post is analysed once per process and its terms and time kept in ``shared``, so the
    second engine of the group reuses both: the seconds reported are the sum of the posts' own
    analysis times, as a build of these posts spends them."""
    cache = shared.setdefault("sudachi-terms", {})
    morphology()  # the dictionary loads once per process; not part of any build
    for d in docs:
        if d.id not in cache:
            start = time.perf_counter()
            title, body = " ".join(terms(d.title)), " ".join(terms(d.body))
            cache[d.id] = (title, body, time.perf_counter() - start)
    rows = [(d.id, *cache[d.id][:2]) for d in docs]
    return rows, sum(cache[d.id][2] for d in docs)
