"""Geo-topological transforms of RDMs (Lin & Kriegeskorte 2024, PNAS; arXiv 2309.11028).

Two conventions are offered wherever the references differ:

* GT ramp: ``scale='raw'`` ramps linearly in the dissimilarities between their l- and
  u-quantiles (rsatoolbox's ``geotopological_transform``, which pools the quantiles over
  RDMs); ``scale='rank'`` ramps linearly in each RDM's ranks min-max scaled to [0, 1]
  (the authors' code, ``utils_transform.gt_transform``).
* geodesic: ``'zero_edges'`` (ours) keeps pairs below l as zero-length edges;
  ``'reference'`` (the authors' two-step transform) and ``'rsatoolbox'`` build the graph as
  networkx does from a dense matrix, where a 0 is no edge, and run Floyd-Warshall; the
  authors then rank-transform the distances, rsatoolbox keeps ``inf`` for disconnected
  pairs.

The identification over a grid of (l, u) is in :mod:`.identification`.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path
from scipy.stats import rankdata

from neurodeck.errors import ParameterError

from .rdm import to_matrices, to_vectors

SCALES = ("raw", "rank")
GEODESICS = ("zero_edges", "reference", "rsatoolbox")


def minmax(v: np.ndarray) -> np.ndarray:
    """Each row mapped linearly onto [0, 1] by its minimum and maximum (a constant row
    gives NaN, as in both reference codes)."""
    v = np.atleast_2d(np.asarray(v, float))
    lo = v.min(axis=1, keepdims=True)
    hi = v.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (v - lo) / (hi - lo)


def scaled_ranks(v: np.ndarray) -> np.ndarray:
    """Per-RDM ranks (ties averaged) min-max scaled to [0, 1], as the authors' code.

    Tied smallest (largest) values all map to exactly 0 (1). A constant RDM, which has
    no ranks to scale, maps to 0 (the authors' code divides 0 by 0 there).
    """
    r = rankdata(np.atleast_2d(np.asarray(v, float)), axis=1)
    lo = r.min(axis=1, keepdims=True)
    hi = r.max(axis=1, keepdims=True)
    span = hi - lo
    return np.where(span > 0, (r - lo) / np.where(span > 0, span, 1.0), 0.0)


def gt_transform(v: np.ndarray, lower: float, upper: float, *, scale: str = "rank",
                 pooled: bool = False) -> np.ndarray:
    """GT(l, u): 0 below the l-quantile, 1 above the u-quantile, linear between.

    ``scale='rank'`` (default) first maps each RDM to its min-max-scaled ranks, so the
    ramp is linear in ranks (the authors' code; for l < u it equals their
    ``gt_transform`` exactly); ``'raw'`` ramps in the dissimilarities themselves
    (rsatoolbox's convention). Quantiles are linear-interpolated (numpy's default) per
    RDM, or over all RDMs together with ``pooled=True`` (rsatoolbox). For l == u the
    transform is the limit step (0 up to the quantile, 1 above); the authors' code
    divides 0 by 0 at the quantile value and rsatoolbox's does too.
    """
    if not 0.0 <= lower <= upper <= 1.0:
        raise ParameterError(f"need 0 <= lower <= upper <= 1, got lower={lower}, upper={upper}")
    if scale not in SCALES:
        raise ParameterError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    x = np.atleast_2d(np.asarray(v, float))
    if scale == "rank":
        x = scaled_ranks(x)
    axis = None if pooled else 1
    lo = np.quantile(x, lower, axis=axis, keepdims=True)
    hi = np.quantile(x, upper, axis=axis, keepdims=True)
    width = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        ramp = np.where(width > 0, (x - lo) / np.where(width > 0, width, 1.0), 0.0)
    # the same three-way split as both references: < lo, [lo, hi], > hi
    return np.where(x < lo, 0.0, np.where(x > hi, 1.0, ramp))


def geodesic(gt: np.ndarray, disconnected: str = "max", *,
             method: str = "reference") -> np.ndarray:
    """Geodesic RDMs: shortest paths over the graph of edges shorter than 1.

    ``method='zero_edges'``: edges of weight 0 (pairs below the lower quantile)
    are kept as zero-length edges, so pairs GT calls identical stay at distance 0 and
    their neighbours are shared; once those zero-length edges join every condition (some
    92-image hIT RDMs at l = 0.2, most at 0.4) the whole RDM is 0. Pairs in different
    components get
    ``disconnected='max'``: the largest finite geodesic distance of that RDM, or 1 if that
    is smaller (never closer than a cut long edge); ``'nan'`` leaves them missing.

    ``method='reference'`` (default): the authors' two-step geodesic (``geodesic_transform(...,
    gd_type='twostep')``): each RDM min-max scaled, the graph built as networkx builds it
    from a dense matrix (a 0 is no edge, so pairs below l have no direct edge), edges of
    weight 1 removed, Floyd-Warshall, then the distances rank-transformed (ties averaged;
    disconnected pairs are ``inf`` before ranking, so they share the top rank).

    ``method='rsatoolbox'``: rsatoolbox's ``geodesic_transform``: the same graph and
    Floyd-Warshall without the rank transform, ``inf`` kept for disconnected pairs.
    """
    if method not in GEODESICS:
        raise ParameterError(f"geodesic must be one of {', '.join(GEODESICS)}, not {method!r}")
    v = np.atleast_2d(np.asarray(gt, float))
    if method != "zero_edges":
        return _geodesic_networkx(v, rank=method == "reference")
    mats = to_matrices(v)
    out = np.empty_like(v)
    for k, m in enumerate(mats):
        # A sparse graph with explicitly stored zeros: scipy keeps those as zero-length
        # edges (a dense 0 would mean "no edge", as in networkx).
        keep = (m < 1.0) & ~np.eye(m.shape[0], dtype=bool)
        rows, cols = np.nonzero(keep)
        graph = csr_matrix((m[rows, cols], (rows, cols)), shape=m.shape)
        dist = shortest_path(graph, method="D", directed=False)
        d = to_vectors(dist)
        bad = ~np.isfinite(d)
        if bad.any():
            if disconnected == "nan":
                d[bad] = np.nan
            else:
                finite = d[~bad]
                d[bad] = max(1.0, float(finite.max()) if finite.size else 1.0)
        out[k] = d
    return out


def _geodesic_networkx(v: np.ndarray, rank: bool) -> np.ndarray:
    """Floyd-Warshall on the graph ``networkx.from_numpy_array`` makes of each min-max
    scaled RDM after removing its weight-1 edges, done with the same numpy operations as
    ``networkx.floyd_warshall_numpy`` (so the sums are bit-identical)."""
    scaled = minmax(v)
    out = np.empty_like(scaled)
    for k, a in enumerate(to_matrices(scaled)):
        # from_numpy_array adds an edge for every non-zero entry; weight-1 edges are cut
        dist = np.where((a != 0) & (a != 1), a, np.inf)
        np.fill_diagonal(dist, 0.0)
        for i in range(dist.shape[0]):
            dist = np.minimum(dist, dist[i, :][np.newaxis, :] + dist[:, i][:, np.newaxis])
        d = to_vectors(dist)
        out[k] = rankdata(d) if rank else d
    return out
