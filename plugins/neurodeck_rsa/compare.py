"""RDM comparison measures, vectorised over stacks of RDM vectors.

Every function takes ``a x n_pairs`` and ``b x n_pairs`` arrays and returns the
``a x b`` matrix of similarities. Definitions follow rsatoolbox 0.3.2 (``cosine``,
``corr``, ``spearman``, ``kendall`` = tau-b, ``tau-a``, ``rho-a``, and the whitened
``cosine_cov``/``corr_cov`` of Diedrichsen et al. 2021). Entries that are NaN in the
RDMs (the same positions in both inputs) are left out, as rsatoolbox does.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import kendalltau, rankdata

from neurodeck.errors import InputError, ParameterError

from .rdm import n_from_pairs

COMPARE = ("cosine", "corr", "spearman", "kendall", "tau-a", "rho-a", "cosine_cov", "corr_cov")


def _as2d(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, float)
    return v.reshape(1, -1) if v.ndim == 1 else v


def valid_pairs(v1: np.ndarray, v2: np.ndarray) -> np.ndarray:
    """Boolean mask of pairs present (not NaN) in every RDM of both stacks."""
    if v1.shape[1] != v2.shape[1]:
        raise InputError(f"RDMs of different sizes cannot be compared "
                         f"({n_from_pairs(v1.shape[1])} vs {n_from_pairs(v2.shape[1])} "
                         "conditions)")
    ok1 = ~np.isnan(v1).any(axis=0)
    ok2 = ~np.isnan(v2).any(axis=0)
    if not np.array_equal(ok1, ok2):
        raise InputError("the RDMs compared have missing values at different pairs")
    return ok1


def cosine(v1: np.ndarray, v2: np.ndarray) -> np.ndarray:
    """Cosine similarity; 0 where an RDM is all zeros (as rsatoolbox)."""
    n1 = np.sqrt(np.einsum("ij,ij->i", v1, v1))
    n2 = np.sqrt(np.einsum("ij,ij->i", v2, v2))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (v1 @ v2.T) / n1[:, None] / n2[None, :]
    out[~np.outer(n1 > 0, n2 > 0)] = 0.0
    return out


def _demean(v: np.ndarray) -> np.ndarray:
    return v - v.mean(axis=1, keepdims=True)


def whiten(v: np.ndarray, nan_mask: np.ndarray | None = None) -> np.ndarray:
    """The whitening of Diedrichsen et al. (2021) behind ``cosine_cov``/``corr_cov``
    for i.i.d. pattern noise: the RDM's inner-product matrix G = -D/2 is double
    centred, and its entries are stacked with off-diagonals weighted by sqrt(2), so
    the plain cosine of the outputs is the Frobenius cosine of the centred G's.

    With missing pairs (``nan_mask`` False) the row/column effects are removed by
    least squares over the observed entries, as rsatoolbox does.
    """
    v = _as2d(v)
    n_rdm, n_dist = v.shape
    full_n = n_from_pairs(nan_mask.size if nan_mask is not None else n_dist)
    if nan_mask is None or nan_mask.all():
        g = np.zeros((n_rdm, full_n, full_n))
        iu = np.triu_indices(full_n, 1)
        g[:, iu[0], iu[1]] = -0.5 * v
        g[:, iu[1], iu[0]] = -0.5 * v
        row = g.mean(axis=2, keepdims=True)
        g = g - row - np.swapaxes(row, 1, 2) + row.mean(axis=1, keepdims=True)
        return np.concatenate([g[:, iu[0], iu[1]] * np.sqrt(2),
                               np.diagonal(g, axis1=1, axis2=2)], axis=1)
    iu = np.triu_indices(full_n, 1)
    rows = np.concatenate([iu[0][nan_mask], np.arange(full_n)])
    cols = np.concatenate([iu[1][nan_mask], np.arange(full_n)])
    m = rows.size
    ind = np.zeros((m, full_n))
    ind[np.arange(m), rows] += 1.0
    ind[np.arange(m), cols] += 1.0
    ind[n_dist:] /= 2.0
    weight = np.concatenate([np.full(n_dist, 0.5), np.ones(full_n)])[:, None]
    vw = -0.5 * np.concatenate([v, np.zeros((n_rdm, full_n))], axis=1)
    proj = ind @ np.linalg.inv(ind.T @ (weight * ind)) @ (weight * ind).T
    vw = vw - vw @ proj
    vw[:, :n_dist] *= np.sqrt(2)
    return vw


def rank(v: np.ndarray) -> np.ndarray:
    return rankdata(v, axis=1)


def _tau_a(x: np.ndarray, y: np.ndarray) -> float:
    # tau-a = (n_c - n_d) / n_pairs; scipy gives tau-b = (n_c - n_d) / sqrt((T-tx)(T-ty))
    # with tx, ty the tied pairs in x and y, so rescale instead of re-counting pairs.
    total = x.size * (x.size - 1) / 2
    tx = _tied_pairs(x)
    ty = _tied_pairs(y)
    if tx == total or ty == total:
        return 0.0
    tau_b = kendalltau(x, y).statistic
    return float(np.clip(tau_b * np.sqrt(total - tx) * np.sqrt(total - ty) / total, -1, 1))


def _tied_pairs(x: np.ndarray) -> float:
    _, counts = np.unique(x, return_counts=True)
    return float(np.sum(counts * (counts - 1) / 2))


def compare(v1: np.ndarray, v2: np.ndarray, method: str = "cosine") -> np.ndarray:
    """Similarity of every RDM in ``v1`` to every RDM in ``v2`` (``a x b``)."""
    v1, v2 = _as2d(v1), _as2d(v2)
    ok = valid_pairs(v1, v2)
    full = bool(ok.all())
    a, b = (v1, v2) if full else (v1[:, ok], v2[:, ok])
    if method == "cosine":
        return cosine(a, b)
    if method == "corr":
        return cosine(_demean(a), _demean(b))
    if method == "spearman":
        return cosine(_demean(rank(a)), _demean(rank(b)))
    if method == "rho-a":
        n = a.shape[1]
        return 12.0 * (_demean(rank(a)) @ _demean(rank(b)).T) / (n**3 - n)
    if method in ("kendall", "tau-a"):
        fun = _tau_a if method == "tau-a" else (lambda x, y: kendalltau(x, y).statistic)
        return np.array([[fun(x, y) for y in b] for x in a], float)
    if method in ("cosine_cov", "corr_cov"):
        if method == "corr_cov":
            a, b = _demean(a), _demean(b)
        mask = None if full else ok
        return cosine(whiten(a, mask), whiten(b, mask))
    raise ParameterError(f"unknown comparison {method!r}; use one of {', '.join(COMPARE)}")


# -- weighted forms (the pattern bootstrap) --------------------------------------------------
FAST_WEIGHTED = ("cosine", "corr")


def weighted_compare(v1: np.ndarray, v2: np.ndarray, w: np.ndarray, method: str) -> np.ndarray:
    """``compare`` where pair p counts ``w[p]`` times (``cosine`` and ``corr`` only).

    A pattern bootstrap that draws condition i c_i times repeats pair (i, j) c_i c_j
    times (pairs of a condition with its own copy are dropped, as rsatoolbox does), so
    it is this weighting of the original vectors and needs no copies.
    """
    if method == "corr":
        total = w.sum()
        v1 = v1 - ((v1 @ w) / total)[:, None]
        v2 = v2 - ((v2 @ w) / total)[:, None]
    elif method != "cosine":
        raise ParameterError(f"no weighted form of {method!r}")
    n1 = np.sqrt((v1 * v1) @ w)
    n2 = np.sqrt((v2 * v2) @ w)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = ((v1 * w) @ v2.T) / n1[:, None] / n2[None, :]
    out[~np.outer(n1 > 0, n2 > 0)] = 0.0
    return out
