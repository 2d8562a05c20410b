"""The linear Gaussian conditional-mean baseline: hand-derived cases and planted truth."""

from __future__ import annotations

import numpy as np
import pytest
from neurodeck_brainmae import gaussian

# A 3-region covariance whose conditional means are easy to derive by hand.
COV = np.array([[1.0, 0.5, 0.2],
                [0.5, 1.0, 0.3],
                [0.2, 0.3, 1.0]])


def test_two_regions_conditional_mean_is_rho_times_the_visible_one():
    cov = np.array([[1.0, 0.6], [0.6, 1.0]])
    b = gaussian.coefficients(cov, np.array([False, True]))
    np.testing.assert_allclose(b, [[0.6]], atol=1e-12)
    np.testing.assert_allclose(gaussian.expected_error(cov, np.array([False, True])),
                               [1 - 0.36], atol=1e-12)


def test_three_regions_by_hand():
    # Hide region 0, see 1 and 2:
    #   C_0V C_VV^-1 = [0.5, 0.2] [[1, .3], [.3, 1]]^-1
    #               = [0.5, 0.2] [[1, -.3], [-.3, 1]] / 0.91 = [0.44, 0.05] / 0.91
    b = gaussian.coefficients(COV, np.array([False, True, True]))
    np.testing.assert_allclose(b, [[0.44 / 0.91, 0.05 / 0.91]], atol=1e-12)
    # Schur complement: 1 - (0.5 * 0.44 + 0.2 * 0.05) / 0.91 = 1 - 0.23 / 0.91
    np.testing.assert_allclose(gaussian.expected_error(COV, np.array([False, True, True])),
                               [1 - 0.23 / 0.91], atol=1e-12)
    # Hide 0 and 2, see 1: each is rho times region 1
    np.testing.assert_allclose(gaussian.coefficients(COV, np.array([False, True, False])),
                               [[0.5], [0.3]], atol=1e-12)


def test_impute_fills_only_hidden_rows_with_the_hand_derived_prediction():
    rng = np.random.default_rng(0)
    segs = rng.standard_normal((2, 3, 4))  # 2 segments, 3 regions, 4 frames
    visible = np.ones((1, 2, 3), dtype=bool)
    visible[0, 0, 0] = False  # segment 0: region 0 hidden
    visible[0, 1, [0, 2]] = False  # segment 1: regions 0 and 2 hidden
    pred = gaussian.impute(segs, visible, COV)
    np.testing.assert_allclose(pred[0, 0, 0], (0.44 * segs[0, 1] + 0.05 * segs[0, 2]) / 0.91,
                               atol=1e-12)
    np.testing.assert_allclose(pred[0, 1, 0], 0.5 * segs[1, 1], atol=1e-12)
    np.testing.assert_allclose(pred[0, 1, 2], 0.3 * segs[1, 1], atol=1e-12)
    # visible rows are the input
    np.testing.assert_array_equal(pred[0, 0, 1:], segs[0, 1:])
    np.testing.assert_array_equal(pred[0, 1, 1], segs[1, 1])


def test_planted_gaussian_reaches_the_schur_complement_and_beats_other_linear_rules():
    """On data drawn from N(0, C), the conditional mean's MSE is the Schur complement
    (to sampling error), and no other linear rule of the visible regions does better."""
    rng = np.random.default_rng(1)
    n, t = 8, 200_000
    a = rng.standard_normal((n, n))
    cov = a @ a.T / n + 0.2 * np.eye(n)
    x = np.linalg.cholesky(cov) @ rng.standard_normal((n, t))
    vis = np.array([True, False, True, True, False, True, False, True])
    pred = gaussian.coefficients(cov, vis) @ x[vis]
    mse = ((pred - x[~vis]) ** 2).mean(axis=1)
    want = gaussian.expected_error(cov, vis)
    # standard error of a mean of t squared Gaussians: sqrt(2 / t) relative, ~0.3% here
    np.testing.assert_allclose(mse, want, rtol=0.015)
    # a perturbed rule is worse (the conditional mean is the least-squares solution)
    other = (gaussian.coefficients(cov, vis) + 0.05 * rng.standard_normal((3, 5))) @ x[vis]
    assert np.all(((other - x[~vis]) ** 2).mean(axis=1) > mse)


def test_pooled_covariance_and_shrinkage():
    z1 = np.array([[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, -1.0, 1.0]])
    z2 = np.array([[1.0, -1.0], [1.0, -1.0]])
    # 6 frames in all; products of the two rows: 1, 1, -1, -1, 1, 1 -> 2 / 6
    np.testing.assert_allclose(gaussian.pooled_covariance([z1, z2]),
                               [[1.0, 1 / 3], [1 / 3, 1.0]], atol=1e-12)
    np.testing.assert_allclose(gaussian.shrink(COV, 0.25)[0, 1], 0.375, atol=1e-12)
    np.testing.assert_array_equal(np.diag(gaussian.shrink(COV, 0.25)), np.diag(COV))
    with pytest.raises(ValueError, match="shrinkage"):
        gaussian.shrink(COV, 1.5)


def test_shrinkage_is_chosen_by_leaving_one_scan_out():
    """Few frames per scan and a dense covariance: some shrinkage beats none."""
    rng = np.random.default_rng(2)
    n = 30
    a = rng.standard_normal((n, 3))
    cov = a @ a.T + np.eye(n)
    d = np.sqrt(np.diag(cov))
    cov = cov / np.outer(d, d)
    chol = np.linalg.cholesky(cov)
    zs = [chol @ rng.standard_normal((n, 40)) for _ in range(3)]
    best, scores = gaussian.choose_shrinkage(zs, tau=5, mask_ratio=0.5)
    assert best == min(scores, key=scores.get)
    assert scores[best] <= scores[0.0] and best > 0
