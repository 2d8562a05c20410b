"""Geo-topological transforms of RDMs (Lin & Kriegeskorte 2024, PNAS; arXiv 2309.11028)
and the paper's leave-one-subject-out identification over a grid of (l, u)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path
from scipy.stats import rankdata

from neurodeck.errors import ParameterError
from neurodeck.jobs.progress import Progress

from .compare import compare
from .rdm import to_matrices, to_vectors


def _quantile_scale(v: np.ndarray, scale: str) -> np.ndarray:
    if scale == "raw":
        return v
    if scale == "rank":
        # ranks mapped to [0, 1] so quantile l is simply the value l
        r = rankdata(v, axis=1)
        return (r - 1) / np.maximum(v.shape[1] - 1, 1)
    raise ParameterError(f"scale must be 'raw' or 'rank', not {scale!r}")


def gt_transform(v: np.ndarray, lower: float, upper: float, *, scale: str = "raw",
                 pooled: bool = False) -> np.ndarray:
    """GT(l, u): 0 below the l-quantile, 1 above the u-quantile, linear between.

    ``scale='raw'`` ramps linearly in the dissimilarities themselves (the paper's
    definition, and rsatoolbox's); ``'rank'`` ramps linearly in their ranks (the
    authors' code). Quantiles are taken per RDM, or over all RDMs together with
    ``pooled=True`` (what rsatoolbox's ``geotopological_transform`` does).
    """
    if not 0.0 <= lower <= upper <= 1.0:
        raise ParameterError(f"need 0 <= lower <= upper <= 1, got lower={lower}, upper={upper}")
    x = _quantile_scale(np.atleast_2d(np.asarray(v, float)), scale)
    axis = None if pooled else 1
    lo = np.quantile(x, lower, axis=axis, keepdims=True)
    hi = np.quantile(x, upper, axis=axis, keepdims=True)
    width = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        ramp = np.where(width > 0, (x - lo) / np.where(width > 0, width, 1.0), 0.0)
    out = np.where(x < lo, 0.0, np.where(x > hi, 1.0, ramp))
    return np.clip(out, 0.0, 1.0)


def geodesic(gt: np.ndarray, disconnected: str = "max") -> np.ndarray:
    """Geodesic RDMs: shortest paths over the graph of edges shorter than 1 (the
    pairs at or above the upper quantile are cut).

    Edges of weight 0 (pairs below the lower quantile) are kept as zero-length
    edges; networkx, used by both reference codes, treats them as missing, which
    gives the most similar pairs non-zero geodesic distances. Pairs that end up in
    different components get ``disconnected='max'``: the largest finite geodesic
    distance of that RDM, or 1 if that is smaller (never closer than a cut long
    edge); ``'nan'`` leaves them missing.
    """
    v = np.atleast_2d(np.asarray(gt, float))
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


def identification(rdms: np.ndarray, groups: np.ndarray, subjects: np.ndarray,
                   lowers: np.ndarray, uppers: np.ndarray, *, scale: str = "raw",
                   pooled: bool = False, use_geodesic: bool = False,
                   n_bootstrap: int = 1000, seed: int = 0,
                   progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Leave-one-subject-out nearest-centroid identification of groups (ROIs/layers).

    For each (l, u) with l <= u: every subject's transformed RDMs are assigned to the
    group whose centroid (mean transformed RDM of the other subjects) is nearest in
    correlation distance. Accuracy is the fraction correct; its 95% interval comes
    from resampling subjects with replacement (percentile bootstrap).
    """
    progress = progress or Progress()
    groups = np.asarray(groups)
    subjects = np.asarray(subjects)
    g_names, g_idx = np.unique(groups, return_inverse=True)
    s_names, s_idx = np.unique(subjects, return_inverse=True)
    if g_names.size < 2 or s_names.size < 2:
        raise ParameterError("identification needs RDMs of at least 2 groups (ROIs) from "
                             "at least 2 subjects")
    n_l, n_u = len(lowers), len(uppers)
    correct = np.full((n_l, n_u, s_names.size), np.nan)
    rng = np.random.default_rng(seed)
    boots = rng.integers(0, s_names.size, (n_bootstrap, s_names.size))
    for a, lo in enumerate(lowers):
        progress.update(a / n_l, f"identification at lower = {lo:.2f}")
        for b, hi in enumerate(uppers):
            if lo > hi:
                continue
            t = gt_transform(rdms, lo, hi, scale=scale, pooled=pooled)
            if use_geodesic:
                t = geodesic(t)
            for s in range(s_names.size):
                test = s_idx == s
                cents = []
                for g in range(g_names.size):
                    train = (~test) & (g_idx == g)
                    cents.append(t[train].mean(axis=0) if train.any() else
                                 np.full(t.shape[1], np.nan))
                cents = np.array(cents)
                have = ~np.isnan(cents).any(axis=1)
                sim = compare(t[test], cents[have], "corr")
                guess = np.nonzero(have)[0][np.argmax(np.nan_to_num(sim, nan=-2), axis=1)]
                correct[a, b, s] = np.mean(guess == g_idx[test])
    with warnings.catch_warnings():  # cells with l > u are all-NaN by design
        warnings.simplefilter("ignore", RuntimeWarning)
        acc = np.nanmean(correct, axis=2)
        boot = np.nanmean(correct[:, :, boots], axis=3) if n_bootstrap else acc[..., None]
        ci = np.nanpercentile(boot, [2.5, 97.5], axis=2) if n_bootstrap else np.stack([acc, acc])
    return {"grid_lower": np.asarray(lowers, float), "grid_upper": np.asarray(uppers, float),
            "accuracy": acc, "accuracy_ci": ci, "group_names": g_names.astype(str),
            "chance": np.float64(1.0 / g_names.size)}
