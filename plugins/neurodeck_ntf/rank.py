"""Rank selection: error and restart-to-restart similarity per rank, a suggested rank.

As in tensortools' ensembles (Williams et al. 2018, Neuron 98:1099), every rank is
fitted from several random starts; for each rank we report the relative error of
every restart and the similarity of every restart to the best one. Similarity is
the factor match score below, so a rank whose restarts land on the same factors
scores near 1 and an over-fitted rank (degenerate, start-dependent factors) drops.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


def _unit(f: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(f, axis=0)
    n[n == 0] = 1.0
    return f / n


def match_components(a: Sequence[np.ndarray], b: Sequence[np.ndarray]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Best one-to-one pairing of the components of two CP models.

    ``a`` and ``b`` are lists of factor matrices (one per mode, items x rank). The
    pairing maximises the summed product over modes of |cosine| (Hungarian
    algorithm). Returns (index into a, index into b, per-pair score).
    """
    sim = np.ones((a[0].shape[1], b[0].shape[1]))
    for fa, fb in zip(a, b, strict=True):
        sim *= np.abs(_unit(fa).T @ _unit(fb))
    ia, ib = linear_sum_assignment(-sim)
    return np.stack([ia, ib]), sim[ia, ib]


def factor_match_score(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    """Mean over matched components of the product of per-mode |cosine| (0-1).

    Components left unmatched (different ranks) count as 0, so the score is taken
    over the larger rank.
    """
    _, scores = match_components(a, b)
    return float(scores.sum() / max(a[0].shape[1], b[0].shape[1]))


def rank_table(fits_by_rank: dict[int, list]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ranks, errors ranks x restarts, similarity ranks x restarts) from fitted models
    (each list best-first). Similarity of restart k = its score against the best fit."""
    ranks = np.array(sorted(fits_by_rank))
    n_rep = max(len(v) for v in fits_by_rank.values())
    errors = np.full((len(ranks), n_rep), np.nan)
    sims = np.full((len(ranks), n_rep), np.nan)
    for i, r in enumerate(ranks):
        fits = fits_by_rank[r]
        best = fits[0].factors
        for k, fit in enumerate(fits):
            errors[i, k] = fit.rel_error
            sims[i, k] = factor_match_score(best, fit.factors)
    return ranks, errors, sims


def elbow(ranks: np.ndarray, errors: np.ndarray) -> int:
    """The rank at the knee of the best-error curve (Kneedle: largest gap below the
    chord from the first to the last rank, both axes scaled to 0-1)."""
    ranks = np.asarray(ranks, float)
    err = np.asarray(errors, float)
    if len(ranks) < 3:
        return int(ranks[np.argmin(err)]) if len(ranks) else 0
    x = (ranks - ranks[0]) / (ranks[-1] - ranks[0])
    span = err[0] - err[-1]
    if span <= 0:  # more components never helped: the smallest rank is enough
        return int(ranks[0])
    y = (err - err[-1]) / span  # 1 at the first rank, 0 at the last
    gap = (1 - x) - y  # distance below the chord
    return int(ranks[int(np.argmax(gap))])


def suggest_rank(ranks: np.ndarray, errors: np.ndarray, similarity: np.ndarray,
                 min_similarity: float = 0.8) -> int:
    """The error elbow, stepped down to the largest rank not above it whose restarts
    agree (mean similarity to the best fit >= ``min_similarity``)."""
    best_err = np.nanmin(errors, axis=1)
    knee = elbow(ranks, best_err)
    stable = [r for r, s in zip(ranks, np.nanmean(similarity, axis=1), strict=True)
              if r <= knee and s >= min_similarity]
    return int(max(stable)) if stable else int(ranks[0])
