"""EM: monotone objective for every prior, the analysis on spikes and traces, and bad
input."""

import numpy as np
import pytest
from neurodeck_hmmglm import fit, glm, simulate

import neurodeck
from neurodeck import ParameterError, SpikeTrains, Traces


@pytest.fixture(scope="module")
def small():
    truth = simulate.paper_truth(2, 6, seed=2)
    counts, _ = simulate.sample(truth, 3, 400, seed=5)
    y, x, lengths = glm.stack(counts, truth.basis)
    return fit.Data(y, x, lengths)


@pytest.mark.parametrize(("prior", "weight_scale"), [("none", 0.0), ("gaussian", 0.0),
                                                     ("onehot", 0.0), ("none", 0.3),
                                                     ("onehot", 0.3)])
def test_em_objective_never_decreases(small, prior, weight_scale):
    opts = fit.FitOptions(prior=prior, link="sigmoid", max_iter=25, tol=0.0,
                          weight_scale=weight_scale)
    res = fit.fit(small, 2, opts, n_restarts=1, seed=1)
    steps = np.diff(res.log_posterior)
    # Each M-step raises Q + log prior; rounding in sums over ~1e3 bins is ~1e-9.
    assert steps.min() > -1e-7 * abs(res.log_posterior[-1])
    assert res.log_posterior[-1] > res.log_posterior[0]


def test_ridge_is_in_the_objective_and_bounds_separable_weights():
    # One state owning bins where a neuron never fires while its input is active: the
    # maximum-likelihood weight runs to the |w| <= W_MAX bound; the ridge (s.d. 1) keeps
    # it finite, and the objective EM reports includes the penalty exactly.
    rng = np.random.default_rng(0)
    x = rng.poisson(1.0, size=(2000, 2)).astype(float)
    y = np.zeros((2000, 2))
    y[:, 1] = rng.poisson(0.5, size=2000)
    y[x[:, 1] == 0, 0] = rng.poisson(1.0, size=int(np.sum(x[:, 1] == 0)))  # 0 when x1 > 0
    data = fit.Data(y, x, np.array([2000]))
    weights = {}
    for scale in (0.0, 1.0):
        opts = fit.FitOptions(prior="none", link="softplus", weight_scale=scale, tol=0.0,
                              max_iter=30)
        res = fit.fit(data, 1, opts, n_restarts=1)
        weights[scale] = res.params.weights[0, 0, 1]
        penalty = 0.0 if scale == 0 else 0.5 * np.sum(res.params.weights ** 2) / scale ** 2
        prior = float(np.sum(np.log(res.params.initial)))
        np.testing.assert_allclose(res.log_posterior[-1],
                                   res.log_likelihood[-1] + prior - penalty, rtol=1e-12)
    assert weights[0.0] < -0.9 * fit.W_MAX  # drifted to the bound
    assert -6.0 < weights[1.0] < -1.0  # strongly inhibitory, but finite


def spikes_from_counts(counts, bin_width):
    """Spike times at bin centres reproducing the counts, one segment per sequence."""
    n = counts[0].shape[1]
    per_unit = [[] for _ in range(n)]
    segments = []
    for s, c in enumerate(counts):
        t0 = s * (len(c) + 10) * bin_width
        segments.append((t0, t0 + len(c) * bin_width))
        for j in range(n):
            per_unit[j].append(t0 + (np.repeat(np.arange(len(c)), c[:, j]) + 0.5) * bin_width)
    return SpikeTrains([np.concatenate(u) for u in per_unit],
                       duration=segments[-1][1] + 1.0, segments=segments)


def test_analysis_on_spike_trains_with_cross_validated_k(neurodeck_plugins):
    truth = simulate.paper_truth(2, 5, seed=0)
    counts, _ = simulate.sample(truth, 4, 300, seed=1)
    sp = spikes_from_counts(counts, 0.01)
    res = neurodeck.run("hmmglm", sp, n_states=[1, 2], link="sigmoid", n_restarts=1,
                        max_iter=20, prior="gaussian")
    np.testing.assert_array_equal(res["counts"], np.concatenate(counts))  # binning
    assert res["sequence_lengths"].tolist() == [300] * 4
    assert res["heldout_bits_per_spike"].shape == (2, 3)
    k = int(res["n_states"])
    assert res["weights"].shape == (k, 5, 5) and res["posteriors"].shape == (1200, k)
    np.testing.assert_allclose(res["posteriors"].sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(res["transition"].sum(axis=1), 1.0, atol=1e-12)
    assert res["states"].shape == (1200,) and res["prior_mean"].shape == (5, 5)


def test_traces_become_event_counts(neurodeck_plugins):
    # Calcium-like rises at known samples: each becomes one event in its bin.
    sfreq, n = 10.0, 600
    data = np.zeros((2, n))
    onsets = {0: [50, 200, 420], 1: [120, 330]}
    for row, ts in onsets.items():
        for t in ts:
            data[row, t:] += 5.0 * np.exp(-(np.arange(n - t)) / 15.0)
    data += 0.01 * np.random.default_rng(0).normal(size=data.shape)
    tr = Traces(data, ["a", "b"], sfreq)
    res = neurodeck.run("hmmglm", tr, n_states=1, bin_width=1.0, n_restarts=1, max_iter=5,
                        prior="none", history_lags=2)
    c = res["counts"]
    assert c.shape == (60, 2)
    for row, ts in onsets.items():
        expected = np.zeros(60, dtype=int)
        np.add.at(expected, np.asarray(ts) // 10, 1)
        np.testing.assert_array_equal(c[:, row], expected)


def test_bad_parameters_are_clear(neurodeck_plugins):
    sp = SpikeTrains([np.array([0.1, 0.2])], duration=0.3)
    with pytest.raises(ParameterError, match="too few"):
        neurodeck.run("hmmglm", sp, bin_width=0.01)
    with pytest.raises(ParameterError):
        neurodeck.run("hmmglm", sp, prior="laplace")


def test_separable_state_keeps_weights_bounded():
    # Neuron 1 spikes exactly when neuron 0 spiked in the previous bin: its spike /
    # no-spike bins are separable in the history, so the sigmoid-rate likelihood keeps
    # rising as the weight grows. The fit must stop at the documented bound.
    rng = np.random.default_rng(0)
    y0 = rng.poisson(0.3, size=2000)
    y1 = np.concatenate([[0], (y0[:-1] > 0).astype(int)])
    y2 = rng.poisson(0.5, size=2000)
    counts = [np.column_stack([y0, y1, y2])]
    data = fit.Data(*glm.stack(counts, glm.exp_basis(1)))
    res = fit.fit(data, 1, fit.FitOptions(prior="none", link="sigmoid", max_iter=30),
                  n_restarts=1)
    w = res.params.weights[0]
    assert np.all(np.abs(w) <= fit.W_MAX) and w[1, 0] == pytest.approx(fit.W_MAX)
    assert np.all(np.isfinite(res.log_posterior))
    assert np.diff(res.log_posterior).min() > -1e-7 * abs(res.log_posterior[-1])
