"""Graph measures of a connectome: degrees, strengths, clustering, communities.

Degrees and strengths count edges and sum weights in each direction (the same when the
graph is undirected). The local clustering coefficient is Watts & Strogatz's on the
undirected simple graph (an edge where either direction has weight; 0 for nodes with
fewer than two neighbours, as networkx counts them). Communities maximise the
Reichardt-Bornholdt modularity with the Leiden algorithm (leidenalg on igraph) on the
symmetrised weights ``W + W.T``; at resolution 1 that is Newman's weighted modularity Q,
reported for the partition found.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodeck.data import Connectome
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress


def _weights(cx: Connectome, layer: str) -> np.ndarray:
    if layer in ("", "all"):
        return np.asarray(cx.weights, float)
    if layer not in cx.layers:
        raise ParameterError(f"no layer {layer!r}; layers: "
                             f"{', '.join(['all', *sorted(cx.layers)])}")
    return np.asarray(cx.layers[layer], float)


def clustering(adjacency: np.ndarray) -> np.ndarray:
    """Local clustering of the undirected simple graph of ``adjacency`` (bool, N x N)."""
    a = np.asarray(adjacency, bool)
    a = (a | a.T) & ~np.eye(len(a), dtype=bool)
    af = a.astype(float)
    triangles = np.einsum("ij,jk,ki->i", af, af, af) / 2.0
    k = a.sum(1)
    possible = k * (k - 1) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(possible > 0, triangles / np.where(possible > 0, possible, 1), 0.0)


def communities(sym: np.ndarray, resolution: float, seed: int) -> tuple[np.ndarray, float]:
    """(community per node, modularity Q at resolution 1) by Leiden on weights ``sym``."""
    import igraph as ig
    import leidenalg

    n = len(sym)
    iu = np.triu_indices(n, 1)
    keep = sym[iu] > 0
    edges = list(zip(iu[0][keep].tolist(), iu[1][keep].tolist(), strict=True))
    g = ig.Graph(n=n, edges=edges, directed=False)
    g.es["weight"] = sym[iu][keep].tolist()
    part = leidenalg.find_partition(g, leidenalg.RBConfigurationVertexPartition,
                                    weights="weight", resolution_parameter=resolution,
                                    seed=seed)
    membership = np.asarray(part.membership, dtype=np.int64)
    q = float(g.modularity(membership.tolist(), weights="weight")) if edges else 0.0
    return membership, q


def run(inputs: list[Any], params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    cx = inputs[0]
    if not isinstance(cx, Connectome):
        raise InputError(f"graph measures need a connectome; {cx.name} is {cx.kind}")
    w = _weights(cx, str(params["layer"]).strip())
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ParameterError(f"{cx.name}: weights must be finite and non-negative")
    w = w.copy()
    np.fill_diagonal(w, 0.0)
    if params["weights"] == "binary":
        w = (w > 0).astype(float)
    progress.update(0.1, "degrees and strengths")
    edge = w > 0
    sym = w + w.T
    progress.update(0.3, "clustering")
    clust = clustering(edge)
    progress.update(0.5, f"communities (Leiden, resolution {params['resolution']:g})")
    members, q = communities(sym, float(params["resolution"]), int(params["seed"]))
    return {
        "labels": np.asarray(cx.labels, dtype=str),
        "out_degree": edge.sum(1).astype(np.int64),
        "in_degree": edge.sum(0).astype(np.int64),
        "out_strength": w.sum(1),
        "in_strength": w.sum(0),
        "clustering": clust,
        "communities": members,
        "n_communities": np.int64(members.max() + 1 if members.size else 0),
        "modularity": np.float64(q),
    }
