"""Comparisons, noise ceilings and bootstraps against rsatoolbox 0.3.2."""

import numpy as np
import pytest
from neurodeck_rsa import inference
from neurodeck_rsa.compare import compare, weighted_compare
from rsatoolbox.inference import boot_noise_ceiling, eval_bootstrap_pattern, eval_bootstrap_rdm
from rsatoolbox.model import ModelFixed
from rsatoolbox.rdm import RDMs
from rsatoolbox.rdm import compare as rsa_compare

TOL = 1e-10
METHODS = ["cosine", "corr", "spearman", "kendall", "tau-a", "rho-a", "cosine_cov", "corr_cov"]


@pytest.fixture
def vectors():
    rng = np.random.default_rng(3)
    n = 9
    base = rng.random(n * (n - 1) // 2)
    data = base + 0.5 * rng.random((5, base.size))
    models = np.vstack([base, rng.random(base.size), np.round(base * 3)])  # last has ties
    return models, data


@pytest.mark.parametrize("method", METHODS)
def test_comparisons_match_rsatoolbox(vectors, method):
    models, data = vectors
    ours = compare(models, data, method)
    ref = rsa_compare(RDMs(models), RDMs(data), method)
    np.testing.assert_allclose(ours, ref, atol=TOL, rtol=0)


@pytest.mark.parametrize("method", ["cosine", "corr", "spearman", "cosine_cov", "corr_cov"])
def test_comparisons_with_missing_pairs_match_rsatoolbox(vectors, method):
    models, data = vectors
    models, data = models.copy(), data.copy()
    models[:, [2, 7]] = np.nan
    data[:, [2, 7]] = np.nan
    np.testing.assert_allclose(compare(models, data, method),
                               rsa_compare(RDMs(models), RDMs(data), method), atol=TOL, rtol=0)


def test_tau_a_hand_derived():
    # x = (1, 2, 3), y = (1, 3, 2): pairs (12) C, (13) C, (23) D -> tau-a = (2 - 1) / 3
    assert compare(np.array([1.0, 2, 3]), np.array([1.0, 3, 2]), "tau-a")[0, 0] == \
        pytest.approx(1 / 3, abs=1e-15)
    # ties count as neither: (1, 1, 2) vs (1, 2, 3): (12) tie, (13) C, (23) C -> 2/3
    assert compare(np.array([1.0, 1, 2]), np.array([1.0, 2, 3]), "tau-a")[0, 0] == \
        pytest.approx(2 / 3, abs=1e-15)


@pytest.mark.parametrize("method", ["cosine", "corr", "spearman", "cosine_cov", "corr_cov"])
def test_noise_ceiling_matches_rsatoolbox(vectors, method):
    _, data = vectors
    ours = inference.noise_ceiling(data, method)
    np.testing.assert_allclose(ours, boot_noise_ceiling(RDMs(data), method=method),
                               atol=TOL, rtol=0)


def test_weighted_form_equals_expanded_copies(vectors):
    models, data = vectors
    conds = np.array([0, 0, 1, 3, 3, 3, 5, 7, 8])
    w = inference.pair_weights(conds, 9)
    for method in ("cosine", "corr"):
        expanded = compare(inference.expand(models, conds), inference.expand(data, conds), method)
        np.testing.assert_allclose(weighted_compare(models, data, w, method), expanded,
                                   atol=1e-12)


def _same_draws(seed, n_boot, n_rdm, n_cond, mode):
    """The index draws rsatoolbox makes under np.random.seed(seed)."""
    np.random.seed(seed)
    out = []
    for _ in range(n_boot):
        rows = np.random.randint(0, n_rdm, size=n_rdm) if mode == "subjects" else None
        conds = np.random.randint(0, n_cond, size=n_cond) if mode == "conditions" else None
        out.append((rows, conds))
    return out


@pytest.mark.parametrize("method", ["corr", "cosine", "spearman", "corr_cov"])
def test_pattern_bootstrap_matches_rsatoolbox(vectors, method):
    models, data = vectors
    fixed = [ModelFixed(f"m{i}", RDMs(m[None])) for i, m in enumerate(models)]
    np.random.seed(21)
    ref = eval_bootstrap_pattern(fixed, RDMs(data), method=method, N=40)
    ours = inference.bootstrap(models, data, method, _same_draws(21, 40, 5, 9, "conditions"))
    np.testing.assert_allclose(ours.scores, ref.evaluations.T, atol=TOL, rtol=0)
    np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling, atol=TOL, rtol=0)
    assert ours.dof == ref.dof


@pytest.mark.parametrize("method", ["corr", "spearman", "rho-a"])
def test_rdm_bootstrap_matches_rsatoolbox(vectors, method):
    # subject samples hold copies of an RDM, which leave the noise ceiling's pool together
    models, data = vectors
    fixed = [ModelFixed(f"m{i}", RDMs(m[None])) for i, m in enumerate(models)]
    np.random.seed(4)
    ref = eval_bootstrap_rdm(fixed, RDMs(data), method=method, N=40)
    ours = inference.bootstrap(models, data, method, _same_draws(4, 40, 5, 9, "subjects"))
    np.testing.assert_allclose(ours.scores, ref.evaluations.T, atol=TOL, rtol=0)
    np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling, atol=TOL, rtol=0)
    p_ref = ref.test_pairwise()
    tests = inference.model_tests(ours.scores, ours.noise_ceiling[0], ours.dof)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(tests["p_pairwise"][off], p_ref[off], atol=1e-10)
    np.testing.assert_allclose(tests["p_zero"], ref.test_zero(), atol=1e-10)


def test_fdr_hand_derived():
    p = np.array([0.001, 0.02, 0.03, 0.5])
    # BH thresholds 0.0125, 0.025, 0.0375, 0.05: the first three pass (0.03 <= 0.0375)
    assert inference.fdr(p).tolist() == [True, True, True, False]


@pytest.mark.parametrize("method", ["corr", "cosine"])
def test_batched_bootstrap_equals_expanded_copies_both(vectors, method):
    # the batched fast path (pair-weighted similarity matrices of the original RDMs)
    # against the definition: resampled RDMs and expanded condition copies, pooled RDMs
    # and noise ceilings built sample by sample; a sample with < 3 distinct conditions
    models, data = vectors
    samples = inference.draw_samples(data.shape[0], 9, "both", 30, np.random.default_rng(2))
    samples[5] = (samples[5][0], np.array([1, 1, 4, 4, 4, 1, 1, 4, 4]))
    ours = inference.bootstrap(models, data, method, samples)
    for s, (rows, conds) in enumerate(samples):
        if np.unique(conds).size < 3:
            assert np.isnan(ours.scores[:, s]).all() and np.isnan(ours.noise_ceiling[:, s]).all()
            continue
        d, m = inference.expand(data[rows], conds), inference.expand(models, conds)
        np.testing.assert_allclose(ours.scores[:, s], compare(m, d, method).mean(axis=1),
                                   atol=1e-12, rtol=0)
        np.testing.assert_allclose(ours.noise_ceiling[:, s],
                                   inference.noise_ceiling(d, method, rows), atol=1e-12, rtol=0)


@pytest.mark.parametrize("mode", ["both", "subjects", "conditions"])
def test_batched_bootstrap_blocks_of_samples_change_nothing(vectors, mode, monkeypatch):
    # the samples go through in blocks that bound memory; blocks of 1-2 samples (and the
    # shared sums of a subjects-only bootstrap) must give the one-block result exactly
    models, data = vectors
    n_rdm = data.shape[0]
    samples = inference.draw_samples(n_rdm, 9, mode, 25, np.random.default_rng(4))
    one = inference.bootstrap(models, data, "corr", samples)
    # 5 RDMs + 3 models: 33 vector pairs per sample, so blocks of 2 samples
    monkeypatch.setattr(inference, "SAMPLE_BLOCK", 70)
    blocks = inference.bootstrap(models, data, "corr", samples)
    np.testing.assert_allclose(blocks.scores, one.scores, atol=1e-13, rtol=0)
    np.testing.assert_allclose(blocks.noise_ceiling, one.noise_ceiling, atol=1e-13, rtol=0)
    assert np.isfinite(one.scores).any()
