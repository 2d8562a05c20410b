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


def test_newton_step_on_free_variables_equals_the_full_system():
    # The step solved on each neuron's free variables only equals the full system with
    # identity rows for the fixed variables (the formulation it replaced), to rounding.
    rng = np.random.default_rng(8)
    n, d = 30, 41
    a = rng.normal(size=(n, d, 3 * d))
    metric = a @ a.transpose(0, 2, 1)
    grad = rng.normal(size=(n, d))
    fixed = rng.random((n, d)) < 0.7
    fixed[0] = False  # one neuron with every variable free, one with none
    fixed[1] = True
    scale = np.max(np.diagonal(metric, axis1=1, axis2=2), axis=1)
    hess = metric + np.eye(d) * (1e-9 * scale + 1e-12)[:, None, None]
    hess = hess * (~fixed[:, :, None] & ~fixed[:, None, :])
    r, c = np.nonzero(fixed)
    hess[r, c, c] = 1.0
    g = np.where(fixed, 0.0, grad)
    ref = np.linalg.solve(hess, g[..., None])[..., 0]
    ref_gain = np.einsum("nd,nd->n", g, ref) - 0.5 * np.einsum("nd,nde,ne->n", ref, hess, ref)
    delta, gain = newton.newton_step(metric, grad, fixed)
    assert np.all(delta[fixed] == 0.0)
    np.testing.assert_allclose(delta, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())
    np.testing.assert_allclose(gain, ref_gain, rtol=1e-10, atol=1e-14)
    full, full_gain = newton.newton_step(metric, grad, None)
    np.testing.assert_allclose(full, np.linalg.solve(
        metric + np.eye(d) * (1e-9 * scale + 1e-12)[:, None, None], grad[..., None])[..., 0],
        rtol=1e-10)
    assert np.all(full_gain > 0)


def test_fisher_blocks_and_refresh(rows):
    # A refresh forms only each neuron's free block and the diagonal (float32 products:
    # ~1e-6 relative), keeps the other entries of the old metric, and ``fisher_at``
    # equals the Fisher information ``local`` computes.
    n = rows.y.shape[1]
    rng = np.random.default_rng(9)
    theta = 0.3 * rng.normal(size=(n, n + 1))
    full = newton.local(rows, theta, "sigmoid").fisher
    np.testing.assert_allclose(newton.fisher_at(rows, theta, "sigmoid"), full, rtol=1e-6)
    free = rng.random((n, n + 1)) < 0.5
    old = rng.normal(size=full.shape)
    part = newton.fisher_at(rows.neurons(np.arange(n)), theta, "sigmoid", free=free, base=old)
    block = free[:, :, None] & free[:, None, :]
    block[:, np.arange(n + 1), np.arange(n + 1)] = True
    np.testing.assert_allclose(part[block], full[block], rtol=2e-5)
    np.testing.assert_array_equal(part[~block], old[~block])


def test_skipped_small_steps(rows):
    # ``atol``: a neuron whose step would gain fewer nats stays where it is; with 0 the
    # ascent is the plain one, and no neuron's value drops either way.
    n = rows.y.shape[1]
    theta0 = 0.2 * np.random.default_rng(10).normal(size=(n, n + 1))
    v0 = newton.values(rows, theta0, "softplus")
    th, v, _ = newton.ascend(rows, theta0, "softplus", max_steps=5, atol=1e12)
    np.testing.assert_array_equal(th, theta0)
    th_a, v_a, _ = newton.ascend(rows, theta0, "softplus", max_steps=5, atol=1e-3)
    th_0, v_0, _ = newton.ascend(rows, theta0, "softplus", max_steps=5)
    assert np.all(v_a >= v0) and np.all(v_0 >= v_a - 1e-3 * 5)
    assert np.all(v_0 >= v0)
