"""Adaptive restarts, the shared bias and the fit's notes (did not converge, restarts
disagree)."""

import numpy as np
import pytest
from neurodeck_hmmglm import fit, glm, mstep, newton, simulate
from scipy.optimize import minimize_scalar


@pytest.fixture(scope="module")
def easy():
    # Two states, 10 neurons, strong couplings: every start finds the same states.
    truth = simulate.panel_truth(2, 10, "sigmoid", 1.0, 0.3, seed=3)
    counts, states = simulate.sample(truth, 4, 600, seed=4)
    return truth, fit.Data(*glm.stack(counts, truth.basis)), np.concatenate(states)


def test_restarts_stop_once_two_starts_agree(easy):
    truth, data, z = easy
    res = fit.fit(data, 2, fit.FitOptions(prior="none", link="sigmoid"), n_restarts=10)
    assert len(res.restart_objectives) == 2  # the second start confirmed the first
    assert res.restarts_agree and res.converged and res.notes == []
    assert np.all(res.restart_agreement >= 0.98)
    # Every start run when agreement is not asked for (agree=0).
    res = fit.fit(data, 2, fit.FitOptions(prior="none", link="sigmoid", agree=0),
                  n_restarts=4)
    assert len(res.restart_objectives) == 4


def test_disagreeing_restarts_are_reported():
    # Pure noise (no states at all) fitted with 4 states: starts carve the bins up
    # differently, and the result says so.
    rng = np.random.default_rng(0)
    counts = [rng.poisson(0.4, size=(400, 5)) for _ in range(3)]
    data = fit.Data(*glm.stack(counts, glm.exp_basis(3)))
    res = fit.fit(data, 4, fit.FitOptions(prior="none", link="softplus"), n_restarts=4)
    assert not res.restarts_agree
    assert len(res.restart_objectives) == 4  # it kept trying up to n_restarts
    assert any(n.startswith("Restarts disagree") for n in res.notes)


def test_not_converged_is_reported(easy):
    truth, data, z = easy
    res = fit.fit(data, 2, fit.FitOptions(prior="onehot", link="sigmoid", max_iter=2),
                  n_restarts=1)
    assert not res.converged
    assert any("did not converge" in n for n in res.notes)


@pytest.mark.parametrize("prior", ["none", "onehot"])
def test_shared_bias(easy, prior):
    truth, data, z = easy
    opts = fit.FitOptions(prior=prior, link="sigmoid", share_bias=True, tol=0.0,
                          max_iter=15)
    res = fit.fit(data, 2, opts, n_restarts=1)
    b = res.params.bias
    np.testing.assert_array_equal(b[0], b[1])  # one bias for all states
    assert np.diff(res.log_posterior).min() > -1e-7 * abs(res.log_posterior[-1])
    if prior == "none":
        # The generator shares its bias (the paper's model), so the per-state biases
        # ((K-1) N = 10 more parameters) gain a chi-square(10)/2 log-likelihood: below
        # 17.8 nats with probability 0.9999 (and never below the nested fit's, up to
        # convergence).
        free = fit.fit(data, 2, fit.FitOptions(prior=prior, link="sigmoid"), n_restarts=1)
        gain = free.log_likelihood[-1] - res.log_likelihood[-1]
        assert -1.0 < gain < 17.8


def test_shared_bias_step_is_the_one_dimensional_optimum(easy):
    # Given the weights, the shared bias maximises sum over states and bins of
    # g (y log f - f) for each neuron: compare with scipy's bounded scalar optimiser.
    truth, data, z = easy
    gamma = 0.9 * np.eye(2)[z] + 0.05
    rows = mstep.state_rows(data, gamma)
    p = fit.Params(truth.weights, np.zeros_like(truth.bias), truth.transition,
                   np.full(2, 0.5))
    opts = fit.FitOptions(link="sigmoid", share_bias=True, m_iter=30)
    b = mstep.shared_bias(rows, p, opts, b_max=60.0)
    for n in range(data.y.shape[1]):
        def neg(v, n=n):
            return -sum(newton.values(r.neurons(np.array([n])),
                                      np.append(p.weights[s][n], v)[None], "sigmoid")[0]
                        for s, r in enumerate(rows))
        ref = minimize_scalar(neg, bounds=(-10, 10), method="bounded",
                              options={"xatol": 1e-10})
        assert b[n] == pytest.approx(ref.x, abs=1e-4)
        assert -neg(b[n]) >= -ref.fun - 1e-9 * abs(ref.fun)
