"""Qt-free helpers for the community graph view: which edges to draw, where nodes go."""

from __future__ import annotations

import numpy as np


def top_edges(w: np.ndarray, fraction: float = 0.05, cap: int = 300
              ) -> tuple[np.ndarray, np.ndarray]:
    """The strongest positive edges of symmetric ``w``: the top ``fraction`` of pairs,
    at most ``cap`` (more makes the drawing a blot). Returns (k x 2 pairs, weights)."""
    n = w.shape[0]
    i, j = np.triu_indices(n, 1)
    vals = w[i, j]
    keep = np.argsort(-vals, kind="stable")[: max(1, min(cap, int(fraction * len(vals))))]
    keep = keep[vals[keep] > 0]
    return np.column_stack([i[keep], j[keep]]), vals[keep]


def force_layout(n: int, edges: np.ndarray, weights: np.ndarray, seed: int = 0,
                 niter: int = 500) -> np.ndarray:
    """Fruchterman-Reingold positions (n x 2, centred, max radius 1) of the graph.

    igraph's implementation, started from positions drawn with ``seed`` and run with
    igraph's random generator seeded too, so the layout is the same every time;
    heavier edges pull their ends closer.
    """
    import random

    import igraph as ig

    if n == 0:
        return np.zeros((0, 2))
    start = np.random.default_rng(seed).uniform(-1, 1, (n, 2))
    if len(edges) == 0:
        pos = start
    else:
        g = ig.Graph(n=n, edges=[tuple(map(int, e)) for e in edges])
        wts = np.asarray(weights, float)
        wts = wts / wts.max() if wts.max() > 0 else np.ones_like(wts)
        # FR also draws random numbers while it runs: seed igraph's generator for the
        # call, then hand igraph back its default (Python's random module).
        ig.set_random_number_generator(random.Random(seed))
        try:
            layout = g.layout_fruchterman_reingold(weights=wts.tolist(), niter=niter,
                                                   seed=start.tolist(), grid=False)
        finally:
            ig.set_random_number_generator(random)
        pos = np.asarray(layout.coords, float)
    pos = pos - pos.mean(0)
    radius = np.abs(pos).max()
    return pos / radius if radius > 0 else pos
