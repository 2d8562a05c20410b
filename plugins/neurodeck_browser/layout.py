"""Node-link layouts for connectomes (Qt-free).

* ``spectral_layout``: the two eigenvectors of the normalised graph Laplacian
  after the trivial one (Hall 1970; Koren 2005), per connected component.
* ``spring_layout``: Fruchterman & Reingold (1991) force-directed layout
  (python-igraph's C implementation), started from the spectral layout and
  seeded, so the same connectome always gets the same picture.

Edge weights are made undirected (``|W| + |W|.T``) since placement only needs
how strongly two nodes are tied.
"""

from __future__ import annotations

import numpy as np


def undirected(weights: np.ndarray) -> np.ndarray:
    w = np.abs(np.nan_to_num(np.asarray(weights, dtype=float)))
    w = w + w.T
    np.fill_diagonal(w, 0.0)
    return w


def _components(w: np.ndarray) -> list[np.ndarray]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n, lab = connected_components(csr_matrix(w > 0), directed=False)
    comps = [np.flatnonzero(lab == c) for c in range(n)]
    return sorted(comps, key=len, reverse=True)


def spectral_coords(w: np.ndarray) -> np.ndarray:
    """2-D spectral embedding of one connected, undirected weighted graph."""
    from scipy.linalg import eigh

    n = w.shape[0]
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[-0.5, 0.0], [0.5, 0.0]])
    d = w.sum(axis=1)
    inv = 1.0 / np.sqrt(np.where(d > 0, d, 1.0))
    lap = np.eye(n) - inv[:, None] * w * inv[None, :]
    vals, vecs = eigh(lap, subset_by_index=[1, min(2, n - 1)])
    coords = vecs * inv[:, None]  # back to random-walk eigenvectors
    if coords.shape[1] == 1:
        coords = np.column_stack([coords[:, 0], np.zeros(n)])
    return _normalise(coords)


def _normalise(xy: np.ndarray) -> np.ndarray:
    xy = xy - xy.mean(axis=0)
    scale = np.abs(xy).max()
    return xy / scale if scale > 0 else xy


def _pack(parts: list[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """Place component layouts side by side, biggest first; isolated nodes go
    into a compact grid underneath (a layer often leaves many nodes unconnected)."""
    out = np.zeros((n, 2))
    groups = [(idx, xy) for idx, xy in parts if idx.size > 1]
    singles = np.concatenate([idx for idx, _ in parts if idx.size == 1] or [np.zeros(0, int)])
    cols = max(int(np.ceil(np.sqrt(len(groups)))), 1)
    for c, (idx, xy) in enumerate(groups):
        size = 1.0 if c == 0 else 0.5
        gx, gy = c % cols, c // cols
        out[idx] = xy * size + np.array([gx * 2.5, -gy * 2.5])
    if singles.size:
        top = out[np.concatenate([idx for idx, _ in groups])][:, 1].min() - 0.5 if groups \
            else 0.0
        width = max(int(np.ceil(np.sqrt(singles.size * 4))), 1)
        k = np.arange(singles.size)
        out[singles] = np.column_stack([-1 + 0.12 * (k % width), top - 0.12 * (k // width)])
    return out


def spectral_layout(weights: np.ndarray) -> np.ndarray:
    """n x 2 node positions from the Laplacian eigenvectors (components packed)."""
    w = undirected(weights)
    parts = [(idx, spectral_coords(w[np.ix_(idx, idx)])) for idx in _components(w)]
    return _pack(parts, w.shape[0])


def spring_layout(weights: np.ndarray, seed: int = 0, iterations: int = 500) -> np.ndarray:
    """n x 2 Fruchterman-Reingold positions (weights pull tied nodes together)."""
    import igraph as ig

    w = undirected(weights)
    parts = []
    rng = np.random.default_rng(seed)
    for idx in _components(w):
        sub = w[np.ix_(idx, idx)]
        if idx.size < 3:
            parts.append((idx, spectral_coords(sub)))
            continue
        i, j = np.nonzero(np.triu(sub))
        g = ig.Graph(n=idx.size, edges=list(zip(i.tolist(), j.tolist(), strict=True)))
        wt = sub[i, j]
        start = spectral_coords(sub) + 1e-3 * rng.standard_normal((idx.size, 2))
        lay = g.layout_fruchterman_reingold(weights=(wt / wt.max()).tolist(),
                                            niter=iterations, seed=start.tolist())
        parts.append((idx, _normalise(np.asarray(lay.coords, dtype=float))))
    return _pack(parts, w.shape[0])
