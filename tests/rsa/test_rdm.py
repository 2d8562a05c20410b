"""RDMs against rsatoolbox 0.3.2 (random data) and hand-derived cases for deviations."""

import numpy as np
import pytest
import rsatoolbox
from neurodeck_rsa import rdm

import neurodeck
from neurodeck import ParameterError, Patterns

TOL = 1e-10  # same formulas in double precision; differences are summation order


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    n_c, n_r, p = 7, 4, 15
    conds = np.tile(np.arange(n_c), n_r)
    runs = np.repeat(np.arange(n_r), n_c)
    x = rng.normal(size=(n_c, p))[conds] + rng.normal(size=(n_c * n_r, p))
    return x, conds, runs


def _rsa_ds(x, conds, runs):
    return rsatoolbox.data.Dataset(x, obs_descriptors={"conds": conds, "runs": runs})


def _ref(x, conds, runs, method, **kw):
    r = rsatoolbox.rdm.calc_rdm(_rsa_ds(x, conds, runs), method=method, descriptor="conds",
                                cv_descriptor="runs" if method in ("crossnobis", "poisson_cv")
                                else None, **kw)
    return r.get_vectors()[0]


@pytest.mark.parametrize("method", ["euclidean", "correlation", "poisson"])
def test_plain_dissimilarities_match_rsatoolbox(data, method):
    x, conds, runs = data
    if method == "poisson":
        x = np.abs(x) * 3
    ours = rdm.calc_rdm(x, conds, 7, method, runs)
    np.testing.assert_allclose(ours, _ref(x, conds, runs, method), atol=TOL, rtol=0)


@pytest.mark.parametrize("noise", ["shrinkage_diag", "shrinkage_eye", "diag", "full"])
def test_noise_precision_matches_rsatoolbox(data, noise):
    x, conds, _ = data
    res, dof = rdm.residuals(x, conds, 7)
    ref = rsatoolbox.data.noise.prec_from_residuals(res, dof=dof, method=noise)
    ours = rdm.noise_precision(res, dof, noise)
    np.testing.assert_allclose(ours, ref, atol=TOL * np.abs(ref).max(), rtol=0)


def test_mahalanobis_and_crossnobis_match_rsatoolbox(data):
    x, conds, runs = data
    res, dof = rdm.residuals(x, conds, 7)
    prec = rsatoolbox.data.noise.prec_from_residuals(res, dof=dof)
    ours_m = rdm.calc_rdm(x, conds, 7, "mahalanobis", runs, "shrinkage_diag")
    np.testing.assert_allclose(ours_m, _ref(x, conds, runs, "mahalanobis", noise=prec),
                               atol=TOL, rtol=0)
    ours_c = rdm.calc_rdm(x, conds, 7, "crossnobis", runs, "shrinkage_diag")
    np.testing.assert_allclose(ours_c, _ref(x, conds, runs, "crossnobis", noise=prec),
                               atol=TOL, rtol=0)
    # identity noise: crossnobis = cross-validated euclidean
    np.testing.assert_allclose(rdm.calc_rdm(x, conds, 7, "crossnobis", runs),
                               _ref(x, conds, runs, "crossnobis"), atol=TOL, rtol=0)


def test_crossnobis_per_run_noise_matches_rsatoolbox_list_of_precisions():
    rng = np.random.default_rng(5)
    n_c, n_r, rep, p = 5, 3, 4, 6  # 4 repetitions per run so each run has residuals
    conds = np.tile(np.repeat(np.arange(n_c), rep), n_r)
    runs = np.repeat(np.arange(n_r), n_c * rep)
    x = rng.normal(size=(n_c, p))[conds] + rng.normal(size=(conds.size, p))
    precs = [rdm.noise_precision(*rdm.residuals(x[runs == r], conds[runs == r], n_c))
             for r in range(n_r)]
    ref = _ref(x, conds, runs, "crossnobis", noise=[q.copy() for q in precs])
    ours = rdm.calc_rdm(x, conds, n_c, "crossnobis", runs, "shrinkage_diag", noise_per_run=True)
    np.testing.assert_allclose(ours, ref, atol=TOL, rtol=0)


def test_poisson_cv_averages_all_folds_hand_derived(data):
    """rsatoolbox 0.3.2 returns only the last fold; ours is the mean over folds."""
    x, conds, runs = data
    x = np.abs(x) * 3
    folds = rdm.fold_means(x, conds, 7, runs)
    per_fold = []
    for k in range(4):
        train = (folds[np.arange(4) != k].mean(axis=0) + 0.1) / 1.1
        test = (folds[k] + 0.1) / 1.1
        d = np.zeros((7, 7))
        for i in range(7):
            for j in range(7):
                # sym. KL between Poisson rates, cross-validated: (a_i - a_j) . (log b_i - log b_j)
                d[i, j] = (train[i] - train[j]) @ (np.log(test[i]) - np.log(test[j])) / 15
        per_fold.append(d[np.triu_indices(7, 1)])
    ours = rdm.calc_rdm(x, conds, 7, "poisson_cv", runs)
    np.testing.assert_allclose(ours, np.mean(per_fold, axis=0), atol=1e-12)
    # rsatoolbox's value is our last fold: the deviation is exactly the fold averaging
    np.testing.assert_allclose(_ref(x, conds, runs, "poisson_cv"), per_fold[-1], atol=TOL)
    assert not np.allclose(ours, per_fold[-1])


def test_euclidean_convention_hand_derived():
    x = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]])
    v = rdm.euclidean(x)
    np.testing.assert_allclose(v, [25 / 2, 1 / 2, (4 + 16) / 2])  # squared / n_channels


def test_through_api_with_subjects_and_runs(data, neurodeck_plugins):
    x, conds, runs = data
    subj = np.where(runs < 2, "s1", "s2")
    pat = Patterns(x, [f"c{c}" for c in conds], runs=runs, subjects=subj)
    res = neurodeck.run("rsa", pat, method="crossnobis", noise="shrinkage_diag")
    assert res["rdms"].shape == (2, 7, 7)
    assert res["conditions"].tolist() == [f"c{i}" for i in range(7)]
    assert res["rdm_subjects"].tolist() == ["s1", "s2"]
    sel = runs < 2
    expected = rdm.calc_rdm(x[sel], conds[sel], 7, "crossnobis", runs[sel], "shrinkage_diag")
    np.testing.assert_allclose(res["rdms"][0][np.triu_indices(7, 1)], expected, atol=1e-12)


def test_bad_inputs_are_clear(data, neurodeck_plugins):
    x, conds, runs = data
    with pytest.raises(ParameterError, match="needs runs"):
        neurodeck.run("rsa", Patterns(x, conds), method="crossnobis")
    with pytest.raises(ParameterError, match="non-negative"):
        neurodeck.run("rsa", Patterns(-np.abs(x) - 5, conds), method="poisson")
    with pytest.raises(neurodeck.InputError, match="at least 3 conditions"):
        neurodeck.run("rsa", Patterns(x[:4], [0, 1, 0, 1]))
