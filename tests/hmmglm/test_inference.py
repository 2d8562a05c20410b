"""Forward-backward, Viterbi and the marginal likelihood against brute-force
enumeration of every state path of a tiny HMM-GLM (tolerance 1e-10)."""

import itertools

import numpy as np
import pytest
from neurodeck_hmmglm import fit, glm, hmm, simulate
from scipy.special import logsumexp

TOL = 1e-10  # both sides are exact double-precision computations of the same sums


@pytest.fixture
def tiny():
    rng = np.random.default_rng(4)
    k, n = 3, 2
    truth = simulate.paper_truth(k, n, n_lags=2, seed=3, link="softplus")
    truth.transition = rng.dirichlet(np.ones(k), size=k)  # not sticky: all paths matter
    counts = [rng.poisson(0.8, size=(6, n)), rng.poisson(0.8, size=(4, n))]  # unequal
    y, x, lengths = glm.stack(counts, truth.basis)
    data = fit.Data(y, x, lengths)
    p = fit.Params(truth.weights, truth.bias, truth.transition, rng.dirichlet(np.ones(k)))
    return data, p, fit.emissions(data, p, "softplus")


def brute_force(log_em, transition, initial):
    """Every path's joint log-probability -> marginals, pair counts, evidence, argmax."""
    t, k = log_em.shape
    paths = np.array(list(itertools.product(range(k), repeat=t)))
    logp = np.log(initial)[paths[:, 0]] + log_em[0, paths[:, 0]]
    for i in range(1, t):
        logp += np.log(transition)[paths[:, i - 1], paths[:, i]] + log_em[i, paths[:, i]]
    log_z = logsumexp(logp)
    w = np.exp(logp - log_z)
    gamma = np.stack([np.bincount(paths[:, i], w, minlength=k) for i in range(t)])
    xi = np.zeros((k, k))
    for i in range(1, t):
        np.add.at(xi, (paths[:, i - 1], paths[:, i]), w)
    return gamma, xi, log_z, paths[np.argmax(logp)]


def test_forward_backward_matches_enumeration(tiny):
    data, p, log_em = tiny
    gamma, xi, log_z = hmm.forward_backward(log_em, data.lengths, p.transition, p.initial)
    start = 0
    xi_total = np.zeros_like(xi)
    for s, n in enumerate(data.lengths):
        g_ref, xi_ref, z_ref, _ = brute_force(log_em[start:start + n], p.transition, p.initial)
        np.testing.assert_allclose(gamma[start:start + n], g_ref, atol=TOL)
        assert log_z[s] == pytest.approx(z_ref, abs=TOL)
        xi_total += xi_ref
        start += n
    np.testing.assert_allclose(xi, xi_total, atol=TOL)
    np.testing.assert_allclose(
        hmm.log_likelihood(log_em, data.lengths, p.transition, p.initial), log_z, atol=TOL)


def test_viterbi_matches_enumeration(tiny):
    data, p, log_em = tiny
    path = hmm.viterbi(log_em, data.lengths, p.transition, p.initial)
    start = 0
    for n in data.lengths:
        best = brute_force(log_em[start:start + n], p.transition, p.initial)[3]
        np.testing.assert_array_equal(path[start:start + n], best)
        start += n


def test_forward_backward_is_stable_for_long_sequences():
    # 20,000 bins of strongly informative emissions: probabilities underflow in linear
    # space, the log-space recursion must stay finite and normalised.
    rng = np.random.default_rng(0)
    log_em = -50.0 * rng.random((20000, 4))
    a = np.full((4, 4), 0.01)
    np.fill_diagonal(a, 0.97)
    gamma, xi, log_z = hmm.forward_backward(log_em, np.array([20000]), a, np.full(4, 0.25))
    assert np.all(np.isfinite(log_z)) and log_z[0] < -1e5
    np.testing.assert_allclose(gamma.sum(axis=1), 1.0, atol=1e-12)
    assert xi.sum() == pytest.approx(19999, rel=1e-12)


def test_history_filter_matches_convolution():
    rng = np.random.default_rng(1)
    y = rng.poisson(1.0, size=(50, 3))
    basis = glm.exp_basis(4)
    x = glm.history(y, basis)
    for j in range(3):
        full = np.convolve(y[:, j], np.concatenate([[0.0], basis]))[:50]  # lag >= 1 only
        np.testing.assert_allclose(x[:, j], full, atol=1e-12)
    assert basis.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("link", ["softplus", "exp", "sigmoid"])
def test_link_derivative(link):
    eta = np.linspace(-40, 20, 301)
    f, logf, dlog = glm.rate_terms(eta, link)
    np.testing.assert_allclose(np.exp(logf), f, rtol=1e-12)
    h = 1e-6
    num = (glm.rate_terms(eta + h, link)[1] - glm.rate_terms(eta - h, link)[1]) / (2 * h)
    np.testing.assert_allclose(dlog, num, rtol=1e-6, atol=1e-9)


def test_scaled_forward_backward_equals_log_space():
    # The scaled recursion (the default) against the log-space one on 10 unequal
    # sequences of strongly informative emissions (tolerance 1e-9: both are exact
    # double-precision computations of the same sums, rounded differently).
    rng = np.random.default_rng(6)
    k = 5
    lengths = np.array([2000] * 9 + [1500])
    log_em = -300.0 * rng.random((lengths.sum(), k))
    a = 0.9 * np.eye(k) + 0.1 * rng.dirichlet(0.3 * np.ones(k), size=k)
    init = rng.dirichlet(np.ones(k))
    g1, x1, z1 = hmm.forward_backward(log_em, lengths, a, init)
    g2, x2, z2 = hmm.forward_backward_log(log_em, lengths, a, init)
    np.testing.assert_allclose(g1, g2, atol=1e-9)
    np.testing.assert_allclose(x1, x2, rtol=1e-9)
    np.testing.assert_allclose(z1, z2, rtol=1e-12)


def test_forward_backward_falls_back_when_a_message_vanishes():
    # Two states that never switch: bin 0 makes state 1 e^-800 times less likely (its
    # scaled forward message underflows to 0), bin 1 the reverse, so the scaled forward
    # message vanishes; the answer is then the log-space recursion's, finite and
    # normalised.
    a = np.eye(2)
    init = np.array([0.5, 0.5])
    log_em = np.array([[0.0, -800.0], [-800.0, 0.0], [-1.0, -2.0]])
    lengths = np.array([3])
    assert hmm._forward_backward_scaled(log_em, lengths, a, init, None) is None
    out = hmm.forward_backward(log_em, lengths, a, init)
    ref = hmm.forward_backward_log(log_em, lengths, a, init)
    for got, want in zip(out, ref, strict=True):
        np.testing.assert_array_equal(got, want)
    assert np.all(np.isfinite(out[2]))
    np.testing.assert_allclose(out[0].sum(axis=1), 1.0, atol=1e-12)
