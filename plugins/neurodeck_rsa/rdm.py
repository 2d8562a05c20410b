"""Representational dissimilarity matrices from activity patterns (numpy only).

RDMs are handled as *vectors*: the upper triangle (``i < j``, row-major, the order of
``scipy.spatial.distance.squareform``), so a stack of RDMs is ``n_rdm x n_pairs``.
Conventions follow rsatoolbox 0.3.2 so that results are comparable:

* ``euclidean`` is the *squared* euclidean distance divided by the number of channels;
* ``mahalanobis``/``crossnobis`` are squared and divided by the number of channels;
* ``correlation`` is ``1 - r`` between condition means;
* ``poisson`` is the symmetrised KL divergence of Poisson rates with a prior.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurodeck.errors import ParameterError

METHODS = ("euclidean", "correlation", "mahalanobis", "crossnobis", "poisson", "poisson_cv")
NOISE = ("shrinkage_diag", "shrinkage_eye", "diag", "full")


# -- vector <-> matrix ---------------------------------------------------------------
def n_from_pairs(n_pairs: int) -> int:
    n = int(round((1 + np.sqrt(1 + 8 * n_pairs)) / 2))
    if n * (n - 1) // 2 != n_pairs:
        raise ValueError(f"{n_pairs} is not the length of an RDM's upper triangle")
    return n


def to_vectors(mats: np.ndarray) -> np.ndarray:
    """``(..., n, n)`` matrices -> ``(..., n_pairs)`` upper triangles."""
    mats = np.asarray(mats, float)
    iu = np.triu_indices(mats.shape[-1], 1)
    return mats[..., iu[0], iu[1]]


def to_matrices(vecs: np.ndarray) -> np.ndarray:
    """``(..., n_pairs)`` -> symmetric ``(..., n, n)`` with a zero diagonal."""
    vecs = np.asarray(vecs, float)
    n = n_from_pairs(vecs.shape[-1])
    out = np.zeros((*vecs.shape[:-1], n, n))
    iu = np.triu_indices(n, 1)
    out[..., iu[0], iu[1]] = vecs
    out[..., iu[1], iu[0]] = vecs
    return out


def _dist_from_kernel(k: np.ndarray) -> np.ndarray:
    """d_ij = k_ii + k_jj - k_ij - k_ji as upper-triangle vectors (last two axes);
    only the upper triangle is ever formed."""
    n = k.shape[-1]
    iu, ju = np.triu_indices(n, 1)
    d = np.diagonal(k, axis1=-2, axis2=-1)
    return d[..., iu] + d[..., ju] - k[..., iu, ju] - k[..., ju, iu]


# -- grouping ----------------------------------------------------------------------------
def first_seen(labels: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Unique labels in first-seen order and each observation's index into them."""
    labels = np.asarray(labels)
    uniq, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return uniq[order], rank[inverse.reshape(-1)]


def group_means(x: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """Mean of the rows of ``x`` (observations x ...) in each of ``n`` groups."""
    counts = np.bincount(index, minlength=n).astype(float)
    if np.any(counts == 0):
        raise ParameterError("a condition has no observations in one of the runs; "
                             "cross-validated RDMs need every condition in every run")
    if n * index.size > 10_000_000:  # large: sorted reduceat, no n x n_obs matrix
        order = np.argsort(index, kind="stable")
        starts = np.r_[0, np.cumsum(counts)[:-1]].astype(int)
        sums = np.add.reduceat(x[order], starts, axis=0)
        return sums / counts.reshape((n,) + (1,) * (x.ndim - 1))
    # an indicator-matrix product: one BLAS call instead of a scatter-add
    onehot = np.zeros((n, index.size))
    onehot[index, np.arange(index.size)] = 1.0 / counts[index]
    return (onehot @ x.reshape(x.shape[0], -1)).reshape((n, *x.shape[1:]))


def _one_blas_thread():
    """Small GEMMs in a batch run fastest on one BLAS thread each (a multi-threaded
    BLAS spends more on waking threads than on a 100 x 64 x 100 product)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(1, user_api="blas")


def time_means(data: np.ndarray, cond: np.ndarray, n_cond: int,
               rows: np.ndarray | None = None) -> np.ndarray:
    """Condition means of epochs (epochs x channels x times) as a contiguous
    ``times x n_cond x channels`` stack: the layout of one small GEMM per time point.
    ``rows``: the epochs of ``data`` to use (``cond`` gives their conditions), without
    copying them out first.

    With one epoch per condition this is a reordering; otherwise each epoch is added
    into its condition's sum in place: one pass over the data (a sorted gather and
    ``add.reduceat`` copy the data first; 8x the CPU time at 4 epochs per condition)."""
    rows = np.arange(data.shape[0]) if rows is None else np.asarray(rows)
    counts = np.bincount(cond, minlength=n_cond)
    if np.any(counts == 0):
        raise ParameterError("every condition needs at least one epoch")
    if counts.max() == 1:
        order = np.argsort(cond, kind="stable")
        return np.ascontiguousarray(data.transpose(2, 0, 1)[:, rows[order]])
    sums = np.zeros((n_cond, *data.shape[1:]))
    for i, c in zip(rows, cond, strict=True):
        sums[c] += data[i]
    sums /= counts[:, None, None]
    return np.ascontiguousarray(sums.transpose(2, 0, 1))


def movie(means: np.ndarray, method: str = "euclidean", chunk: int = 32) -> np.ndarray:
    """RDM vectors (times x n_pairs) of ``euclidean`` or ``correlation`` for a stack of
    condition patterns ``times x n_cond x channels``.

    The time points go through in chunks: one batched GEMM per chunk for the Gram
    matrices, then a gather of the upper triangle, while the chunk is still in cache.
    """
    n_t, n, p = means.shape
    iu, ju = np.triu_indices(n, 1)
    flat = iu * n + ju
    out = np.empty((n_t, iu.size))
    if method == "correlation":
        means = means - means.mean(axis=2, keepdims=True)
        means /= np.sqrt(np.einsum("tij,tij->ti", means, means))[..., None]
    elif method != "euclidean":
        raise ParameterError(f"no time-resolved fast path for {method!r}")
    with _one_blas_thread():
        for a in range(0, n_t, chunk):
            x = means[a:a + chunk]
            k = np.matmul(x, x.transpose(0, 2, 1))
            o = np.take(k.reshape(k.shape[0], -1), flat, axis=1)
            if method == "euclidean":
                dg = np.einsum("tii->ti", k)
                o *= -2.0
                o += dg[:, iu]
                o += dg[:, ju]
                o /= p
            else:
                np.subtract(1.0, o, out=o)
            out[a:a + chunk] = o
    return out


def fold_means(x: np.ndarray, cond: np.ndarray, n_cond: int, runs: np.ndarray) -> np.ndarray:
    """Condition means per run: ``n_runs x n_cond x ...``; runs in sorted order."""
    folds = np.unique(runs)
    return np.stack([group_means(x[runs == f], cond[runs == f], n_cond) for f in folds])


def residuals(x: np.ndarray, cond: np.ndarray, n_cond: int,
              runs: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Observations minus their condition mean (within run) and the residual dof."""
    key = cond if runs is None else np.unique(runs, return_inverse=True)[1] * n_cond + cond
    groups, inv = np.unique(key, return_inverse=True)
    res = x - group_means(x, inv, groups.size)[inv]
    return res, x.shape[0] - groups.size


# -- noise --------------------------------------------------------------------------------
def noise_covariance(res: np.ndarray, dof: int | None = None,
                     method: str = "shrinkage_diag") -> np.ndarray:
    """Channel covariance of residuals with shrinkage, as rsatoolbox's
    ``cov_from_residuals`` (Ledoit-Wolf towards a scaled identity for ``shrinkage_eye``;
    Schaefer-Strimmer towards the diagonal for ``shrinkage_diag``), vectorised."""
    x = np.asarray(res, float)
    x = x - x.mean(axis=0, keepdims=True)
    n = x.shape[0]
    dof = n - 1 if dof is None else int(dof)
    if dof < 1:
        raise ParameterError("too few observations to estimate the noise covariance")
    s_sum = x.T @ x
    if method == "full":
        return s_sum / dof
    if method == "diag":
        return np.diag(np.diag(s_sum) / dof)
    x2 = x * x
    s2_sum = x2.T @ x2
    p = x.shape[1]
    if method == "shrinkage_eye":
        s = s_sum / n
        b2 = np.sum(s2_sum / n - s * s) / n
        m = np.trace(s) / p
        d2 = np.sum((s - m * np.eye(p)) ** 2)
        b2 = min(d2, b2)
        shrunk = b2 / d2 * m * np.eye(p) + (d2 - b2) / d2 * s
        return shrunk * n / dof
    if method == "shrinkage_diag":
        s = s_sum / dof
        var = np.diag(s)
        if np.any(var <= 0):
            raise ParameterError("a channel has zero residual variance; drop it or use "
                                 "noise='shrinkage_eye'")
        std = np.sqrt(var)
        s_mean = s_sum / np.outer(std, std) / (n - 1)
        s2_mean = s2_sum / np.outer(var, var) / (n - 1)
        var_hat = n / dof**2 * (s2_mean - s_mean**2)
        off = ~np.eye(p, dtype=bool)
        lamb = float(np.clip(np.sum(var_hat[off]) / np.sum(s_mean[off] ** 2), 0.0, 1.0))
        return s * np.where(off, 1.0 - lamb, 1.0)
    raise ParameterError(f"unknown noise estimator {method!r}; use one of {', '.join(NOISE)}")


def noise_precision(res: np.ndarray, dof: int | None = None,
                    method: str = "shrinkage_diag") -> np.ndarray:
    cov = noise_covariance(res, dof, method)
    try:
        return np.linalg.inv(cov)
    except np.linalg.LinAlgError:
        raise ParameterError(f"the {method} noise covariance is singular; use a shrinkage "
                             "estimator") from None


# -- dissimilarities -----------------------------------------------------------------------
def euclidean(means: np.ndarray) -> np.ndarray:
    """Squared euclidean distance / n_channels (``means``: ``... x n_cond x n_channels``)."""
    k = means @ np.swapaxes(means, -1, -2)
    return _dist_from_kernel(k) / means.shape[-1]


def _solve_chol(x: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """Rows g = (L^-1 x')' with the covariance S = L L', so g_i . g_j = x_i' S^-1 x_j:
    a Cholesky factor and a triangular solve replace the explicit inverse (about 5x
    fewer CPU seconds than inv(S) followed by a product with it, for p = 1000)."""
    from scipy.linalg import solve_triangular

    flat = np.ascontiguousarray(x.reshape(-1, x.shape[-1]))
    try:
        chol = np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError:
        raise ParameterError("the noise covariance is singular; use a shrinkage "
                             "estimator") from None
    return solve_triangular(chol, flat.T, lower=True, check_finite=False).T.reshape(x.shape)


def mahalanobis(means: np.ndarray, precision: np.ndarray | None = None,
                covariance: np.ndarray | None = None) -> np.ndarray:
    """Squared Mahalanobis distance / n_channels, from the precision or the covariance."""
    if covariance is not None:
        g = _solve_chol(means, covariance)
        k = g @ np.swapaxes(g, -1, -2)
    else:
        k = means @ precision @ np.swapaxes(means, -1, -2)
    return _dist_from_kernel(k) / means.shape[-1]


def correlation(means: np.ndarray) -> np.ndarray:
    """1 - Pearson r between condition patterns (over channels)."""
    c = means - means.mean(axis=-1, keepdims=True)
    c = c / np.sqrt(np.einsum("...ij,...ij->...i", c, c))[..., None]
    return to_vectors(1.0 - c @ np.swapaxes(c, -1, -2))


def crossnobis(folds: np.ndarray, precision: np.ndarray | None = None,
               covariance: np.ndarray | None = None) -> np.ndarray:
    """Cross-validated squared Mahalanobis distance / n_channels.

    ``folds``: ``n_folds x n_cond x n_channels`` (condition means per run). With one
    noise matrix, the mean over all ordered fold pairs k != l of (x_k,i - x_k,j)' W
    (x_l,i - x_l,j); this equals rsatoolbox's leave-one-run-out average (test fold
    against the mean of the others) and is computed from two kernels:
    sum over k != l = (sum_k x_k) W (sum_l x_l)' - sum_k x_k W x_k'.
    The one product of all folds with the p x p noise matrix is the whole cost (the
    same GEMM flops as rsatoolbox's). From a ``covariance`` S = L L' it is a triangular
    solve g = L^-1 x instead (W = L^-T L^-1), which needs no inverse of S.
    ``precision`` may also be ``n_folds x p x p`` (one per fold): then every unordered
    pair of folds uses inv((Sigma_k + Sigma_l) / 2), as rsatoolbox does for a list.
    """
    n_folds, _, p = folds.shape
    if n_folds < 2:
        raise ParameterError("crossnobis needs at least 2 runs (folds)")
    if precision is None or precision.ndim == 2:
        if covariance is not None:
            g = _solve_chol(folds, covariance)
            wg = g
        else:
            # one GEMM of all folds with W; sum_k (x_k W) = (sum_k x_k) W comes free
            g = folds
            wg = g if precision is None else \
                (folds.reshape(-1, p) @ precision).reshape(folds.shape)
        # sum_k wg_k g_k' as one GEMM over the folds laid side by side (einsum would
        # not use BLAS)
        n = folds.shape[1]
        side = wg.transpose(1, 0, 2).reshape(n, -1)
        k_self = side @ (side if wg is g else g.transpose(1, 0, 2).reshape(n, -1)).T
        k = wg.sum(axis=0) @ g.sum(axis=0).T - k_self
        return _dist_from_kernel(k) / (n_folds * (n_folds - 1)) / p
    covs = np.linalg.inv(precision)
    out = np.zeros(folds.shape[1] * (folds.shape[1] - 1) // 2)
    n_pairs = 0
    for a in range(n_folds):
        for b in range(a + 1, n_folds):
            w = np.linalg.inv((covs[a] + covs[b]) / 2)
            out += _dist_from_kernel(folds[a] @ w @ folds[b].T)
            n_pairs += 1
    return out / n_pairs / p


def _poisson_rates(means: np.ndarray, prior_lambda: float, prior_weight: float) -> np.ndarray:
    rates = (means + prior_lambda * prior_weight) / (1 + prior_weight)
    if np.any(rates <= 0):
        raise ParameterError("poisson dissimilarities need non-negative rates (counts)")
    return rates


def poisson(means: np.ndarray, prior_lambda: float = 1.0, prior_weight: float = 0.1
            ) -> np.ndarray:
    """Symmetrised KL divergence between Poisson rate vectors / n_channels."""
    r = _poisson_rates(means, prior_lambda, prior_weight)
    return _dist_from_kernel(r @ np.log(r).T) / r.shape[-1]


def poisson_cv(folds: np.ndarray, prior_lambda: float = 1.0, prior_weight: float = 0.1
               ) -> np.ndarray:
    """Cross-validated symmetrised KL (train = mean of the other runs, test = one run),
    averaged over all leave-one-run-out folds.

    rsatoolbox 0.3.2's ``calc_rdm_poisson_cv`` overwrites its result in the fold loop and
    returns only the last fold's RDM; averaging over folds is the intended estimator.
    """
    n_folds = folds.shape[0]
    if n_folds < 2:
        raise ParameterError("poisson_cv needs at least 2 runs (folds)")
    total = folds.sum(axis=0)
    out = 0.0
    for k in range(n_folds):
        train = _poisson_rates((total - folds[k]) / (n_folds - 1), prior_lambda, prior_weight)
        test = _poisson_rates(folds[k], prior_lambda, prior_weight)
        out = out + _dist_from_kernel(train @ np.log(test).T) / train.shape[-1]
    return out / n_folds


def calc_rdm(x: np.ndarray, cond: np.ndarray, n_cond: int, method: str,
             runs: np.ndarray | None = None, noise: str | None = None,
             noise_per_run: bool = False, prior_lambda: float = 1.0,
             prior_weight: float = 0.1) -> np.ndarray:
    """One RDM vector from observations ``x`` (n_obs x n_channels) with condition index
    ``cond``; ``runs`` are the folds of the cross-validated methods."""
    if method not in METHODS:
        raise ParameterError(f"unknown dissimilarity {method!r}; use one of {', '.join(METHODS)}")
    cv = method in ("crossnobis", "poisson_cv")
    if cv and runs is None:
        raise ParameterError(f"{method} needs runs (folds) for cross-validation")
    if method == "poisson":
        return poisson(group_means(x, cond, n_cond), prior_lambda, prior_weight)
    if method == "poisson_cv":
        return poisson_cv(fold_means(x, cond, n_cond, runs), prior_lambda, prior_weight)
    if method == "correlation":
        return correlation(group_means(x, cond, n_cond))
    if method == "euclidean":
        return euclidean(group_means(x, cond, n_cond))
    precision = cov = None
    if noise is not None:
        if method == "crossnobis" and noise_per_run:
            folds = np.unique(runs)
            precision = np.stack([
                noise_precision(*residuals(x[runs == f], cond[runs == f], n_cond), method=noise)
                for f in folds])
        else:
            # observations minus their condition mean over all runs; the covariance is
            # used through its Cholesky factor (no inverse needed)
            res, dof = residuals(x, cond, n_cond)
            cov = noise_covariance(res, dof, noise)
    if method == "mahalanobis":
        means = group_means(x, cond, n_cond)
        return euclidean(means) if cov is None else mahalanobis(means, covariance=cov)
    return crossnobis(fold_means(x, cond, n_cond, runs), precision, cov)
