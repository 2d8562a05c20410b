"""Stage 3: communities in each component's neuron x neuron affinity graph."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

METHODS = ("sbm", "leiden")


def leiden(w: np.ndarray, *, resolution: float = 1.0, seed: int = 0) -> np.ndarray:
    """Leiden (Traag et al. 2019) on the weighted graph, optimising modularity with a
    resolution parameter (RB configuration model); returns labels 0..K-1."""
    import igraph as ig
    import leidenalg

    w = np.asarray(w, dtype=np.float64)
    w = (w + w.T) / 2
    np.fill_diagonal(w, 0.0)
    i, j = np.nonzero(np.triu(w, 1))
    g = ig.Graph(n=w.shape[0], edges=list(zip(i.tolist(), j.tolist(), strict=True)))
    if g.ecount() == 0:
        return np.arange(w.shape[0])
    part = leidenalg.find_partition(
        g, leidenalg.RBConfigurationVertexPartition, weights=w[i, j].tolist(),
        resolution_parameter=resolution, seed=seed, n_iterations=-1)
    return np.asarray(part.membership, dtype=int)


def detect(w: np.ndarray, method: str = "sbm", *, min_strength: float = 0.0,
           resolution: float = 1.0, sbm_weights: str = "exponential",
           sbm_model: str = "select", seed: int = 0,
           check: Callable[[], None] | None = None) -> np.ndarray:
    """Community labels of the graph with weights ``w`` (N x N, non-negative).

    Neurons whose strength (summed affinity) is below ``min_strength`` times the
    largest strength take no part in the component: they get label -1 and are left
    out of the fit. Labels of the others are 0..K-1, ordered by first appearance.
    """
    from . import sbm

    w = np.asarray(w, dtype=np.float64)
    n = w.shape[0]
    strength = w.sum(1)
    keep = strength > min_strength * strength.max() if strength.max() > 0 else \
        np.zeros(n, bool)
    if min_strength <= 0:
        keep = strength > 0
    labels = np.full(n, -1)
    if keep.sum() == 0:
        return labels
    sub = w[np.ix_(keep, keep)]
    if keep.sum() == 1:
        labels[keep] = 0
        return labels
    if method == "sbm":
        got, _ = sbm.fit(sub, weights=sbm_weights, model=sbm_model, seed=seed, check=check)
    elif method == "leiden":
        got = leiden(sub, resolution=resolution, seed=seed)
    else:
        raise ValueError(f"community method must be one of {METHODS}, got {method!r}")
    _, first = np.unique(got, return_index=True)
    order = {lab: rank for rank, lab in enumerate(got[np.sort(first)])}
    labels[keep] = [order[x] for x in got]
    return labels
