"""The batched Newton M-step: derivatives against finite differences, and its optimum
against scipy's L-BFGS-B on the same weighted Poisson GLMs (with and without the
one-hot sign bounds and the Gaussian prior)."""

import numpy as np
import pytest
from neurodeck_hmmglm import glm, newton, simulate
from scipy.optimize import minimize


@pytest.fixture(scope="module")
def rows():
    truth = simulate.paper_truth(1, 5, seed=2)
    counts, _ = simulate.sample(truth, 2, 600, seed=5)
    y, x, _ = glm.stack(counts, truth.basis)
    g = np.random.default_rng(0).random(len(y))  # posterior-like weights in (0, 1)
    return newton.Rows(np.column_stack([x, np.ones(len(x))]), y, g)


def _prior(n):
    return newton.Prior(9.0, 0.2 * np.random.default_rng(3).normal(size=(n, n)))


@pytest.mark.parametrize("link", ["softplus", "exp", "sigmoid"])
@pytest.mark.parametrize("with_prior", [False, True])
def test_gradient_and_fisher(rows, link, with_prior):
    n = rows.y.shape[1]
    prior = _prior(n) if with_prior else None
    theta = 0.3 * np.random.default_rng(1).normal(size=(n, n + 1))
    loc = newton.local(rows, theta, link, prior)
    np.testing.assert_allclose(loc.value, newton.values(rows, theta, link, prior), rtol=1e-12)
    h = 1e-6
    for j in range(n + 1):
        e = np.zeros_like(theta)
        e[:, j] = h
        num = (newton.values(rows, theta + e, link, prior)
               - newton.values(rows, theta - e, link, prior)) / (2 * h)
        np.testing.assert_allclose(loc.grad[:, j], num, rtol=1e-6, atol=1e-6)
    fisher = np.asarray(loc.fisher)
    assert np.all(np.linalg.eigvalsh(fisher) > 0)  # positive definite
    np.testing.assert_allclose(loc.fisher_diag, np.diagonal(fisher, axis1=1, axis2=2))
    if link == "exp":  # canonical link: Fisher information = observed negative Hessian
        for j in range(n + 1):
            e = np.zeros_like(theta)
            e[:, j] = h
            num = -(newton.local(rows, theta + e, link, prior, hessian=False).grad
                    - newton.local(rows, theta - e, link, prior, hessian=False).grad) / (2 * h)
            # float32 accumulation of the information: ~1e-6 relative
            np.testing.assert_allclose(fisher[:, :, j], num, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("link", ["softplus", "sigmoid"])
@pytest.mark.parametrize("case", ["free", "prior", "signs"])
def test_newton_optimum_matches_lbfgsb(rows, link, case):
    n = rows.y.shape[1]
    rng = np.random.default_rng(7)
    prior = _prior(n) if case == "prior" else None
    lo = hi = None
    if case == "signs":  # one-hot classes: inhibitory, absent, excitatory
        cls = rng.integers(-1, 2, size=(n, n))
        lo = np.hstack([np.where(cls > 0, 0.0, np.where(cls < 0, -np.inf, 0.0)),
                        np.full((n, 1), -np.inf)])
        hi = np.hstack([np.where(cls < 0, 0.0, np.where(cls > 0, np.inf, 0.0)),
                        np.full((n, 1), np.inf)])
    theta0 = np.zeros((n, n + 1))
    theta, value = newton.maximise(rows, theta0, link, lo, hi, prior, max_steps=50)
    if lo is not None:
        assert np.all(theta >= lo) and np.all(theta <= hi)
    for i in range(n):  # each post-synaptic neuron is its own GLM
        sub = rows.neurons(np.array([i]))
        sp = prior.neurons(np.array([i])) if prior is not None else None

        def obj(t, sub=sub, sp=sp):
            loc = newton.local(sub, t[None], link, sp, hessian=False)
            return -loc.value[0], -loc.grad[0]

        bounds = None if lo is None else list(zip(lo[i], hi[i], strict=True))
        ref = minimize(obj, theta0[i], jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
        # Newton reaches the optimum at least as well as L-BFGS-B (to 1e-8 relative)
        assert value[i] >= -ref.fun - 1e-8 * abs(ref.fun)
        np.testing.assert_allclose(theta[i], ref.x, atol=2e-3)


def test_maximise_never_lowers_a_neuron(rows):
    # From a far-off start with one Newton step each call, every neuron's value rises
    # or stays (the line search guards the non-concave sigmoid link).
    n = rows.y.shape[1]
    theta = 3.0 * np.random.default_rng(2).normal(size=(n, n + 1))
    before = newton.values(rows, theta, "sigmoid")
    for _ in range(5):
        theta, after = newton.maximise(rows, theta, "sigmoid", max_steps=1)
        assert np.all(after >= before)
        before = after


@pytest.mark.parametrize("n", [2, 40])  # one product per neuron / the triangle product
def test_fisher_information_paths(n):
    rng = np.random.default_rng(5)
    x1 = rng.random((700, 21))
    c = rng.random((700, n))
    ref = np.einsum("tn,ti,tj->nij", c, x1, x1)
    # float32 products with float64 accumulation: ~1e-6 relative
    np.testing.assert_allclose(newton.fisher_information(x1, c), ref, rtol=2e-5)


def test_a_stale_metric_reaches_the_same_optimum(rows):
    # The metric only steers the steps: started with the Fisher information of a far
    # point, the ascent (refreshing the metric where it mispredicts) ends at the optimum
    # found with fresh metrics, and no neuron's value drops on the way.
    n = rows.y.shape[1]
    theta0 = np.zeros((n, n + 1))
    fresh, v_fresh = newton.maximise(rows, theta0, "softplus", max_steps=60)
    far = 2.0 * np.random.default_rng(4).normal(size=(n, n + 1))
    stale = newton.local(rows, far, "softplus").fisher
    theta, value, _ = newton.ascend(rows, theta0, "softplus", max_steps=60, metric=stale)
    assert np.all(value >= newton.values(rows, theta0, "softplus"))
    np.testing.assert_allclose(value, v_fresh, rtol=1e-8)
    np.testing.assert_allclose(theta, fresh, atol=1e-3)  # flat directions: value decides
