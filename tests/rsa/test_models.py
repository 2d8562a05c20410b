"""Weighted and feature models: fits and cross-validation against rsatoolbox 0.3.2,
planted weights, and the analysis entry point."""

import warnings

import numpy as np
import pytest
from neurodeck_rsa import inference, models
from neurodeck_rsa.compare import compare
from rsatoolbox.inference import crossval, sets_leave_one_out_rdm
from rsatoolbox.model import ModelWeighted
from rsatoolbox.model.fitter import fit_optimize_positive, fit_regress, fit_regress_nn
from rsatoolbox.rdm import RDMs

import neurodeck
from neurodeck import ParameterError, Patterns, Result

TOL = 1e-10  # closed-form fits: the same least-squares problem, summation order differs
FIT_METHODS = ["cosine", "corr", "cosine_cov", "corr_cov"]


@pytest.fixture
def planted():
    rng = np.random.default_rng(7)
    n = 10
    comps = rng.random((3, n * (n - 1) // 2))
    theta = np.array([0.8, 0.0, 0.6])  # unit norm, one weight exactly zero
    data = theta @ comps + 0.15 * rng.random((6, comps.shape[1]))
    return comps, theta, data


@pytest.mark.parametrize("method", FIT_METHODS)
def test_weights_match_rsatoolbox_regress_fitters(planted, method):
    comps, _, data = planted
    mw = ModelWeighted("w", RDMs(comps))
    np.testing.assert_allclose(models.fit_weights(comps, data, method, "nnls"),
                               fit_regress_nn(mw, RDMs(data), method=method), atol=TOL, rtol=0)
    np.testing.assert_allclose(models.fit_weights(comps, data, method, "regress"),
                               fit_regress(mw, RDMs(data), method=method), atol=TOL, rtol=0)


@pytest.mark.parametrize("method", ["cosine", "corr"])
def test_weights_reach_rsatoolbox_optimizer_optimum(planted, method):
    """fit_optimize_positive (BFGS, tol 1e-6, on theta^2) finds the same optimum up to its
    tolerance; our closed-form score is never below it."""
    comps, _, data = planted
    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = fit_optimize_positive(ModelWeighted("w", RDMs(comps)), RDMs(data), method=method)
    ours = models.fit_weights(comps, data, method, "nnls")
    np.testing.assert_allclose(ours, ref, atol=1e-4)  # optimizer tolerance, not ours

    def score(t):
        return compare(t @ comps, data, method).mean()

    assert score(ours) >= score(ref) - 1e-12


def test_planted_weights_are_recovered(planted):
    comps, theta, data = planted
    exact = np.tile(theta @ comps, (4, 1))
    for method in FIT_METHODS:  # noiseless: exact recovery for every measure
        np.testing.assert_allclose(models.fit_weights(comps, exact, method), theta, atol=1e-10)
    # with noise (uniform, so it also adds an offset that corr ignores)
    assert np.abs(models.fit_weights(comps, data, "corr") - theta).max() < 0.05
    # a negative true weight: regress finds it, NNLS pins it at exactly zero
    anti = np.tile(comps[0] - 0.5 * comps[1], (3, 1))
    np.testing.assert_allclose(models.fit_weights(comps[:2], anti, "corr", "regress"),
                               np.array([1, -0.5]) / np.hypot(1, 0.5), atol=1e-10)
    nn = models.fit_weights(comps[:2], anti, "corr", "nnls")
    assert nn[1] == 0.0 and nn[0] == pytest.approx(1.0)


def test_loso_crossval_matches_rsatoolbox(planted):
    comps, _, data = planted
    subjects = np.repeat(np.arange(3), 2)  # 3 subjects x 2 sessions
    rd = RDMs(data, rdm_descriptors={"subj": subjects})
    train, test, _ = sets_leave_one_out_rdm(rd, "subj")
    ref = crossval([ModelWeighted("w", RDMs(comps))], rd, train, test, method="corr",
                   fitter=[fit_regress_nn])
    ours, thetas = models.crossval_scores(models.Model("w", comps, True), data, subjects, "corr")
    # rsatoolbox: per fold, the mean over the fold's RDMs
    np.testing.assert_allclose(ours.reshape(3, 2).mean(axis=1), ref.evaluations[0, 0],
                               atol=TOL, rtol=0)
    assert thetas.shape == (3, 3) and np.all(thetas >= 0)


def test_weighted_condition_bootstrap_equals_expanded_copies(planted):
    """The pair-weighted fit (a condition bootstrap without copies) is the fit to the
    expanded RDMs, where a condition against its own copy is missing."""
    comps, _, data = planted
    conds = np.array([0, 0, 1, 3, 3, 3, 5, 7, 8, 9])
    w = inference.pair_weights(conds, 10)
    for method in ("cosine", "corr"):
        np.testing.assert_allclose(
            models.fit_weights(comps, data, method, w=w),
            models.fit_weights(inference.expand(comps, conds), inference.expand(data, conds),
                               method), atol=1e-12)


def test_rank_measures_refuse_weighted_fits(planted):
    comps, _, data = planted
    with pytest.raises(ParameterError, match="rank-based"):
        models.fit_weights(comps, data, "spearman")


def test_feature_rdms_hand_derived():
    cats = np.array([[1, 0], [1, 0], [0, 1], [0.5, 0.5]])
    per = models.feature_rdms(cats)
    # pairs (01, 02, 03, 12, 13, 23): feature 1 differences squared
    np.testing.assert_allclose(per[0], [0, 1, 0.25, 1, 0.25, 0.25])
    np.testing.assert_allclose(per.sum(axis=0), [0, 2, 0.5, 2, 0.5, 0.5])
    np.testing.assert_allclose(models.feature_rdms(cats, "euclidean")[0],
                               [0, 1, 0.25, 1, 0.25, 0.25])  # squared / n_features
    corr = models.feature_rdms(np.array([[1.0, 2, 3], [2, 4, 6], [3, 2, 1]]), "correlation")
    np.testing.assert_allclose(corr[0], [0, 2, 2], atol=1e-12)


def _feature_patterns(rng, scales, n_subj=4):
    """Patterns whose geometry is the feature space with the given per-feature scales."""
    n_cond = 12
    feats = rng.random((n_cond, len(scales)))
    obs, conds, subj = [], [], []
    for s in range(n_subj):
        for _rep in range(3):
            obs.append(feats * scales + 0.02 * rng.normal(size=feats.shape))
            conds += [f"c{i}" for i in range(n_cond)]
            subj += [f"s{s}"] * n_cond
    return feats, Patterns(np.vstack(obs), conds, subjects=subj)


def test_feature_model_through_api_recovers_scales(tmp_path, neurodeck_plugins):
    rng = np.random.default_rng(3)
    scales = np.array([2.0, 1.0, 0.0])  # squared distance weights 4 : 1 : 0
    feats, pat = _feature_patterns(rng, scales)
    table = tmp_path / "features.csv"
    order = rng.permutation(12)  # rows matched by label, not position
    lines = ["condition,size,colour,noise"] + [
        f"c{i},{feats[i, 0]},{feats[i, 1]},{feats[i, 2]}" for i in order]
    table.write_text("\n".join(lines) + "\n")
    res = neurodeck.run("rsa", pat, method="euclidean", features=str(table), compare="cosine",
                        bootstrap="subjects", n_bootstrap=50)
    assert res["model_names"].tolist() == ["features (weighted: size, colour, noise)"]
    w = res["model_weights"][0]
    np.testing.assert_allclose(w, np.array([4.0, 1.0, 0.0]) / np.sqrt(17), atol=0.02)
    assert res["model_components"][0].tolist() == ["size", "colour", "noise"]
    # the held-out fit predicts each subject about as well as the other subjects do
    assert res["model_mean"][0] > 0.99 and res["model_mean"][0] <= res["noise_ceiling"][1]
    assert res["model_scores"].shape == (1, 50) and np.isfinite(res["model_scores"]).all()


def test_weighted_combination_of_model_inputs(neurodeck_plugins):
    rng = np.random.default_rng(5)
    n = 9
    comps = rng.random((2, n * (n - 1) // 2))
    data = np.array([0.3 * comps[0] + comps[1] + 0.05 * rng.random(comps.shape[1])
                     for _ in range(5)])
    res = neurodeck.run("rsa", Result({"rdms": data}, {"analysis": "x"}),
                        Result({"rdms": comps, "model_names": np.array(["a", "b"])},
                               {"analysis": "x"}),
                        weighted=True, bootstrap="both", n_bootstrap=30)
    assert res["model_names"].tolist() == ["a", "b", "weighted: a + b"]
    assert np.isnan(res["model_weights"][:2]).all()
    np.testing.assert_allclose(res["model_weights"][2], np.array([0.3, 1]) / np.hypot(0.3, 1),
                               atol=0.05)
    assert res["model_mean"][2] > res["model_mean"].max() - 1e-9  # the mix fits best
    assert res["model_scores"].shape == (3, 30)
    # single RDM: a weighted model cannot be cross-validated over subjects
    with pytest.raises(ParameterError, match="at least 2 subjects"):
        neurodeck.run("rsa", Result({"rdms": data[:1]}, {"analysis": "x"}),
                      Result({"rdms": comps}, {"analysis": "x"}), weighted=True,
                      bootstrap="fixed")


def test_weighted_bootstrap_with_whitened_measure_and_copies(planted):
    """corr_cov has no pair-weighted form: the condition bootstrap expands copies (NaN
    for a condition against itself) and the fit drops those pairs, as compare does."""
    comps, _, data = planted
    mlist = [models.Model("w", comps, True), models.Model("a", comps[:1])]
    rng = np.random.default_rng(0)
    draws = inference.draw_samples(6, 10, "both", 15, rng)
    boot = inference.bootstrap(mlist, data, "corr_cov", draws)
    ok = np.isfinite(boot.scores[1])
    assert ok.sum() >= 12 and np.isfinite(boot.scores[0][ok]).all()
    assert np.all(boot.scores[0][ok] >= boot.scores[1][ok] - 0.05)  # the fit helps
    # one sample by hand: LOSO over the sampled subjects on the expanded vectors
    rows, conds = draws[0]
    d, x = inference.expand(data[rows], conds), inference.expand(comps, conds)
    expect = []
    for r in rows:
        theta = models.fit_weights(x, d[rows != r], "corr_cov")
        expect.append(compare(theta @ x, d[rows == r][:1], "corr_cov")[0, 0])
    assert boot.scores[0, 0] == pytest.approx(np.mean(expect), abs=1e-12)
