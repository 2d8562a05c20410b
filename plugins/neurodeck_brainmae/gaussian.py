"""Linear Gaussian conditional-mean imputation: the strongest linear spatial baseline.

Treat the z-scored regions at one frame as a zero-mean Gaussian vector with covariance
``C``. When the regions ``H`` are hidden and ``V`` visible, the mean-square-optimal
linear prediction (and the exact conditional mean if the data are Gaussian) is

    x_H = C_HV C_VV^-1 x_V,

applied frame by frame. Its expected error for hidden region ``i`` is the Schur complement
``C_ii - C_iV C_VV^-1 C_Vi``. ``C`` comes from training scans (stored with a checkpoint) or
from the subject's own scan; shrinking it towards its diagonal keeps ``C_VV`` well
conditioned when it is estimated from few frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pooled_covariance(zs: Sequence[np.ndarray]) -> np.ndarray:
    """Covariance of z-scored (N, T) scans, pooled over all their frames (zero mean)."""
    n = zs[0].shape[0]
    acc = np.zeros((n, n))
    frames = 0
    for z in zs:
        z = np.asarray(z, dtype=np.float64)
        acc += z @ z.T
        frames += z.shape[1]
    return acc / frames


def shrink(cov: np.ndarray, amount: float) -> np.ndarray:
    """``(1 - amount) C + amount diag(C)``: shrinkage towards the diagonal."""
    if not 0.0 <= amount <= 1.0:
        raise ValueError(f"shrinkage must lie in [0, 1], got {amount}")
    cov = np.asarray(cov, dtype=np.float64)
    return (1.0 - amount) * cov + amount * np.diag(np.diag(cov))


def coefficients(cov: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """``C_HV C_VV^-1``: (|H|, |V|) regression of the hidden on the visible regions."""
    visible = np.asarray(visible, dtype=bool)
    c_vv = cov[np.ix_(visible, visible)]
    c_hv = cov[np.ix_(~visible, visible)]
    # C_VV is symmetric positive definite; solve rather than invert.
    return np.linalg.solve(c_vv, c_hv.T).T


def impute(segments: np.ndarray, visible: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Conditional-mean predictions of the hidden regions.

    ``segments`` (S, N, tau) z-scored, ``visible`` (P, S, N) bool (one mask per pass and
    segment), ``cov`` (N, N). Returns (P, S, N, tau): hidden rows predicted, visible rows
    copied from the input.
    """
    segments = np.asarray(segments, dtype=np.float64)
    cov = np.asarray(cov, dtype=np.float64)
    out = np.broadcast_to(segments, (visible.shape[0], *segments.shape)).copy()
    for p in range(visible.shape[0]):
        for s in range(visible.shape[1]):
            vis = visible[p, s]
            if vis.all():
                continue
            out[p, s, ~vis] = coefficients(cov, vis) @ segments[s, vis]
    return out


def expected_error(cov: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Schur complement ``C_ii - C_iV C_VV^-1 C_Vi`` for each hidden region (data drawn
    from N(0, C) reach it on average)."""
    visible = np.asarray(visible, dtype=bool)
    b = coefficients(cov, visible)
    c_hh = np.diag(cov)[~visible]
    return c_hh - np.einsum("hv,hv->h", b, cov[np.ix_(~visible, visible)])


SHRINKAGE_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


def choose_shrinkage(zs: Sequence[np.ndarray], tau: int, mask_ratio: float, seed: int = 0,
                     grid: Sequence[float] = SHRINKAGE_GRID) -> tuple[float, dict[float, float]]:
    """Shrinkage by leave-one-scan-out: each z-scored scan is imputed (segments of ``tau``
    frames, random masks at ``mask_ratio``) with the covariance of the others; returns the
    grid value with the lowest mean masked MSE, and the MSE of every grid value."""
    from .infer import cut, mask_passes, segment_starts

    if len(zs) < 2:
        raise ValueError("choosing the shrinkage needs at least two scans")
    rng = np.random.default_rng(seed)
    totals = dict.fromkeys(grid, 0.0)
    for j, z in enumerate(zs):
        others = pooled_covariance([x for i, x in enumerate(zs) if i != j])
        starts = segment_starts(z.shape[1], tau)
        segs = cut(np.asarray(z, dtype=np.float64), starts, tau)
        visible = mask_passes(len(starts), z.shape[0], mask_ratio, rng)
        hidden = ~visible[..., None] & np.ones(tau, dtype=bool)
        for amount in grid:
            pred = impute(segs, visible, shrink(others, amount))
            totals[amount] += float(((pred - segs[None]) ** 2)[hidden].mean()) / len(zs)
    best = min(grid, key=lambda a: (totals[a], a))
    return best, totals
