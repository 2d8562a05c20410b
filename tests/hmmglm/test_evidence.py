"""The empirical-Bayes ridge scale (neurodeck_hmmglm.evidence)."""

from __future__ import annotations

import numpy as np
import pytest
from neurodeck_hmmglm import evidence, fit, glm, simulate
from neurodeck_hmmglm.mstep import state_rows


def test_log_evidence_is_the_gaussian_marginal_likelihood():
    """For a Gaussian likelihood (the Laplace model is then exact) the evidence of the
    precision ``lam`` is log N(m; 0, F^-1 + I / lam): ours differs from it by a constant
    (1e-9 over six decades of ``lam``)."""
    rng = np.random.default_rng(3)
    blocks, direct_parts = [], []
    lam0 = 2.0
    for _ in range(4):
        a = rng.normal(size=(6, 6))
        f = a @ a.T + 0.1 * np.eye(6)
        m = rng.normal(size=6)
        w = np.linalg.solve(f + lam0 * np.eye(6), f @ m)  # the optimum at lam0
        e, v = np.linalg.eigh(f)
        blocks.append((e, v.T @ w))
        direct_parts.append((f, m))

    def direct(lam):
        out = 0.0
        for f, m in direct_parts:
            cov = np.linalg.inv(f) + np.eye(len(m)) / lam
            out += -0.5 * m @ np.linalg.solve(cov, m) - 0.5 * np.linalg.slogdet(cov)[1]
        return out

    lams = np.logspace(-3, 3, 13)
    diff = [evidence.log_evidence(lam, lam0, blocks) - direct(lam) for lam in lams]
    assert np.ptp(diff) < 1e-9


def _gaussian_truth(n: int, scale: float, seed: int) -> simulate.Truth:
    rng = np.random.default_rng(seed)
    w = scale * rng.normal(size=(1, n, n))
    return simulate.Truth(w, np.full((1, n), -1.0), np.ones((1, 1)),
                          np.full((n, n, 3), 1 / 3), glm.exp_basis(5), "softplus")


@pytest.mark.parametrize("scale", [0.03, 0.3])
def test_the_ridge_scale_recovers_a_planted_weight_scale(scale):
    """Weights drawn from N(0, scale^2) (one state, 16 neurons, softplus, 40,000 bins):
    the chosen s.d. is within 15% of the planted one, starting from s.d. 1 (30x too
    wide at the small scale, 3x at the large). Measured: 0.0276 and 0.2945 for planted
    r.m.s. 0.0292 and 0.2916."""
    truth = _gaussian_truth(16, scale, seed=5)
    counts, _ = simulate.sample(truth, 4, 10_000, seed=6)
    data = fit.Data(*glm.stack(counts, truth.basis))
    opts = fit.FitOptions(link="softplus", weight_scale=1.0, ridge_auto=True)
    res = fit.fit(data, 1, opts, n_restarts=1)
    assert res.ridge_scales["final"] == pytest.approx(scale, rel=0.15)


def test_without_data_the_starting_scale_is_kept():
    truth = _gaussian_truth(4, 0.1, seed=1)
    counts, _ = simulate.sample(truth, 1, 200, seed=2)
    data = fit.Data(*glm.stack(counts, truth.basis))
    gamma = np.zeros((len(data.y), 1))  # no bin belongs to the state
    rows = state_rows(data, gamma)
    w = np.zeros((1, 4, 4))
    assert evidence.ridge_scale(rows, w, np.zeros((1, 4)), "softplus", 0.7) == 0.7
