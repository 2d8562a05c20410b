"""Expectation-maximisation for the HMM-GLM with none / Gaussian / one-hot priors.

The monitored objective is the log posterior up to a constant,
``log p(Y | theta) + log p(theta)`` (MAP-EM); every M-step increases the expected
complete-data log-likelihood plus the log prior, so the objective never decreases.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln

from neurodeck.jobs.progress import Progress

from . import glm, hmm

PRIORS = ("none", "gaussian", "onehot")
# Starting categorical prior over (inhibitory, absent, excitatory) for the one-hot
# model: the mean of the paper's generating Dirichlet (sparsity 1/5). It is learned.
ONEHOT_START = np.array([0.1, 0.8, 0.1])
ONEHOT_DIRICHLET = 2.0  # add-one smoothing of the learned categorical prior


@dataclass
class Params:
    """One HMM-GLM. ``weights`` K x N x N (post x pre), ``bias`` K x N."""

    weights: np.ndarray
    bias: np.ndarray
    transition: np.ndarray
    initial: np.ndarray
    prior_mean: np.ndarray | None = None  # Gaussian prior: N x N shared mean
    adjacency: np.ndarray | None = None  # one-hot: K x N x N in {-1, 0, 1}
    adjacency_prior: np.ndarray | None = None  # one-hot: N x N x 3 (inh, none, exc)

    @property
    def n_states(self) -> int:
        return self.weights.shape[0]


@dataclass
class Data:
    """Counts Y and filtered history X (bins x neurons, sequences concatenated)."""

    y: np.ndarray
    x: np.ndarray
    lengths: np.ndarray
    lgam: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.lgam = gammaln(self.y + 1.0).sum(axis=1)

    def subset(self, seq_index: np.ndarray) -> Data:
        starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])
        rows = np.concatenate([np.arange(starts[i], starts[i] + self.lengths[i])
                               for i in seq_index])
        return Data(self.y[rows], self.x[rows], self.lengths[seq_index])


@dataclass
class FitOptions:
    prior: str = "none"
    link: str = "softplus"
    prior_scale: float = 1 / 3  # Gaussian prior s.d. (the reference's default)
    max_iter: int = 100
    tol: float = 1e-6  # relative objective change that stops EM
    m_iter: int = 15  # L-BFGS iterations per M-step (warm-started)
    stickiness: float = 0.98  # initial self-transition probability
    init_scale: float = 0.1  # s.d. of the random initial weights
    warm_iter: int = 10  # one-hot: prior-free EM iterations that separate the states first


@dataclass
class FitResult:
    params: Params
    log_posterior: np.ndarray  # objective per EM iteration (nats)
    log_likelihood: np.ndarray  # log p(Y | theta) per EM iteration (nats)
    converged: bool
    restart_objectives: np.ndarray = field(default_factory=lambda: np.zeros(0))


# -- objective pieces ---------------------------------------------------------------------
def log_prior(p: Params, opts: FitOptions) -> float:
    out = float(np.sum(np.log(p.initial)))  # Dirichlet(2) on the initial distribution
    if opts.prior == "gaussian":
        s2 = opts.prior_scale ** 2
        d = p.weights - p.prior_mean[None]
        out += float(-0.5 * np.sum(d * d) / s2 - d.size * 0.5 * np.log(2 * np.pi * s2))
    elif opts.prior == "onehot":
        out += _onehot_log_prior(p.adjacency, p.adjacency_prior)
    return out


def _onehot_log_prior(adj: np.ndarray, pi: np.ndarray) -> float:
    logpi = np.log(pi)
    chosen = np.take_along_axis(logpi[None], (adj + 1)[..., None], axis=-1)
    return float(np.sum(chosen) + (ONEHOT_DIRICHLET - 1) * np.sum(logpi))


def emissions(data: Data, p: Params, link: str) -> np.ndarray:
    return glm.state_log_likelihoods(data.y, data.x, p.weights, p.bias, link, data.lgam)


GAMMA_FLOOR = 1e-9  # bins a state explains with less posterior weight are skipped


def state_rows(data: Data, gamma: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Per state, (y, x, weight) over the bins where its posterior is not negligible:
    with sticky states each state owns ~1/K of the bins, so this is ~K times cheaper
    and changes the objective by less than GAMMA_FLOOR per bin."""
    out = []
    for s in range(gamma.shape[1]):
        keep = gamma[:, s] > GAMMA_FLOOR
        out.append((data.y[keep], data.x[keep], gamma[keep, s:s + 1]))
    return out


def _glm_objective(theta: np.ndarray, rows: list[tuple[np.ndarray, ...]], k: int, n: int,
                   opts: FitOptions):
    """Negative expected complete-data GLM log-lik + negative log prior, and gradient."""
    nw = k * n * n
    w = theta[:nw].reshape(k, n, n)
    b = theta[nw:nw + k * n].reshape(k, n)
    val = 0.0
    gw = np.empty_like(w)
    gb = np.empty_like(b)
    for s, (y, x, g) in enumerate(rows):
        eta = b[s] + x @ w[s].T
        f, logf, dlog = glm.rate_terms(eta, opts.link)
        val -= float(np.sum(g * (y * logf - f)))
        r = g * (y - f) * dlog
        gw[s] = -(r.T @ x)
        gb[s] = -r.sum(axis=0)
    grad = [gw.ravel(), gb.ravel()]
    if opts.prior == "gaussian":
        mu = theta[nw + k * n:].reshape(n, n)
        d = w - mu[None]
        s2 = opts.prior_scale ** 2
        val += float(0.5 * np.sum(d * d) / s2)
        grad[0] = grad[0] + (d / s2).ravel()
        grad.append(-(d.sum(axis=0) / s2).ravel())
    return val, np.concatenate(grad)


def _w_step(rows: list[tuple[np.ndarray, ...]], p: Params, opts: FitOptions,
            adjacency: np.ndarray | None) -> tuple[Params, float]:
    """Maximise the GLM part (plus prior) over weights, bias (and the Gaussian mean)."""
    k, n = p.bias.shape
    w0 = p.weights.copy()
    bounds = None
    if adjacency is not None:
        # One-hot: the weight's category fixes its sign; absent connections are 0.
        w0 = np.where(adjacency > 0, np.maximum(w0, 0.0),
                      np.where(adjacency < 0, np.minimum(w0, 0.0), 0.0))
        lo = np.where(adjacency > 0, 0.0, np.where(adjacency < 0, -np.inf, 0.0))
        hi = np.where(adjacency > 0, np.inf, 0.0)
        bounds = list(zip(lo.ravel(), hi.ravel(), strict=True))
        bounds += [(-np.inf, np.inf)] * (k * n)
        bounds = [(None if np.isinf(a) else a, None if np.isinf(c) else c) for a, c in bounds]
    theta0 = [w0.ravel(), p.bias.ravel()]
    gaussian = opts.prior == "gaussian"
    if gaussian:
        theta0.append(p.prior_mean.ravel())
    theta0 = np.concatenate(theta0)
    args = (rows, k, n, opts)
    res = minimize(_glm_objective, theta0, args=args, jac=True, method="L-BFGS-B",
                   bounds=bounds, options={"maxiter": opts.m_iter, "maxcor": 20})
    theta = res.x
    nw = k * n * n
    new = replace(p, weights=theta[:nw].reshape(k, n, n).copy(),
                  bias=theta[nw:nw + k * n].reshape(k, n).copy())
    if gaussian:
        new.prior_mean = theta[nw + k * n:].reshape(n, n).copy()
    if adjacency is not None:
        new.adjacency = adjacency.copy()
    value = -float(res.fun)
    start = -float(_glm_objective(theta0, *args)[0])
    if value < start:  # L-BFGS-B never should, but never accept a worse point
        return replace(p, weights=w0, adjacency=adjacency), start
    return new, value


def _propose_adjacency(rows: list[tuple[np.ndarray, ...]], p: Params, opts: FitOptions
                       ) -> np.ndarray:
    """Pick each connection's category by a one-coordinate quadratic (Fisher) model of
    the likelihood around weight 0 plus the log prior of the category."""
    k, n = p.bias.shape
    logpi = np.log(p.adjacency_prior)
    out = np.empty((k, n, n), dtype=np.int64)
    for s, (y, x, g) in enumerate(rows):
        eta = p.bias[s] + x @ p.weights[s].T
        f, _, dlog = glm.rate_terms(eta, opts.link)
        grad = (g * (y - f) * dlog).T @ x  # N x N (post x pre)
        curv = (g * f * dlog * dlog).T @ (x * x) + 1e-12
        g0 = grad + curv * p.weights[s]  # gradient extrapolated to weight 0
        gain_exc = np.maximum(g0, 0.0) ** 2 / (2 * curv)
        gain_inh = np.maximum(-g0, 0.0) ** 2 / (2 * curv)
        score = np.stack([gain_inh + logpi[..., 0], logpi[..., 1],
                          gain_exc + logpi[..., 2]], axis=-1)
        out[s] = np.argmax(score, axis=-1) - 1
    return out


def _update_adjacency_prior(adj: np.ndarray) -> np.ndarray:
    counts = np.stack([(adj == c).sum(axis=0) for c in (-1, 0, 1)], axis=-1).astype(float)
    counts += ONEHOT_DIRICHLET - 1
    return counts / counts.sum(axis=-1, keepdims=True)


def m_step(data: Data, gamma: np.ndarray, xi_sum: np.ndarray, p: Params,
           opts: FitOptions) -> Params:
    k = p.n_states
    rows = xi_sum.sum(axis=1, keepdims=True)
    transition = np.where(rows > 1e-12, xi_sum / np.where(rows > 0, rows, 1.0), p.transition)
    starts = np.concatenate([[0], np.cumsum(data.lengths)[:-1]])
    initial = (gamma[starts].sum(axis=0) + 1.0) / (len(starts) + k)
    p = replace(p, transition=transition, initial=initial)
    rows = state_rows(data, gamma)
    if opts.prior != "onehot":
        return _w_step(rows, p, opts, None)[0]
    # One-hot: propose categories, fit the weights within them, and keep the proposal
    # only if the M-step objective rose above the current point's (else fit the
    # weights within the current categories); then the categorical prior in closed form.
    k, n = p.bias.shape
    theta_now = np.concatenate([p.weights.ravel(), p.bias.ravel()])
    v_now = -float(_glm_objective(theta_now, rows, k, n, opts)[0]) + _onehot_log_prior(
        p.adjacency, p.adjacency_prior)
    proposal = _propose_adjacency(rows, p, opts)
    new, v = _w_step(rows, p, opts, proposal)
    if v + _onehot_log_prior(proposal, p.adjacency_prior) < v_now:
        new = _w_step(rows, p, opts, p.adjacency)[0]
    new.adjacency_prior = _update_adjacency_prior(new.adjacency)
    return new


# -- EM -----------------------------------------------------------------------------------
def init_params(data: Data, n_states: int, opts: FitOptions, rng: np.random.Generator
                ) -> Params:
    n = data.y.shape[1]
    k = n_states
    base = glm.inverse_link(data.y.mean(axis=0), opts.link)
    bias = base[None] + opts.init_scale * rng.normal(size=(k, n))
    weights = opts.init_scale * rng.normal(size=(k, n, n))
    if k > 1:
        transition = np.full((k, k), (1 - opts.stickiness) / (k - 1))
        np.fill_diagonal(transition, opts.stickiness)
    else:
        transition = np.ones((1, 1))
    p = Params(weights, bias, transition, np.full(k, 1.0 / k))
    if opts.prior == "gaussian":
        p.prior_mean = weights.mean(axis=0)
    elif opts.prior == "onehot":
        p.adjacency = np.zeros((k, n, n), dtype=np.int64)
        p.weights = np.zeros_like(weights)
        p.adjacency_prior = np.broadcast_to(ONEHOT_START, (n, n, 3)).copy()
    return p


def warm_start_onehot(data: Data, p: Params, opts: FitOptions) -> Params:
    """Separate the states with a few prior-free EM iterations, then classify each
    connection (a Wald-like test against the starting categorical prior). Starting
    the one-hot model from mixed states would make every state's couplings look like
    their average, and the shared prior would then lock that in."""
    free = replace(opts, prior="none", max_iter=opts.warm_iter, tol=1e-4)
    q = em(data, replace(p, adjacency=None, adjacency_prior=None), free).params
    log_em = emissions(data, q, opts.link)
    gamma, _, _ = hmm.forward_backward(log_em, data.lengths, q.transition, q.initial)
    q.adjacency_prior = np.broadcast_to(ONEHOT_START, p.adjacency_prior.shape).copy()
    q.adjacency = _propose_adjacency(state_rows(data, gamma), q, opts)
    q.weights = np.where(np.sign(q.weights) == q.adjacency, q.weights, 0.0)
    return q


def em(data: Data, p: Params, opts: FitOptions, progress: Progress | None = None
       ) -> FitResult:
    if opts.prior == "onehot" and opts.warm_iter > 0:
        p = warm_start_onehot(data, p, opts)
    trace: list[float] = []
    lls: list[float] = []
    converged = False
    check = progress.check if progress is not None else None
    for it in range(opts.max_iter):
        log_em = emissions(data, p, opts.link)
        gamma, xi_sum, log_z = hmm.forward_backward(log_em, data.lengths, p.transition,
                                                    p.initial, check)
        log_lik = float(log_z.sum())
        lls.append(log_lik)
        trace.append(log_lik + log_prior(p, opts))
        if progress is not None:
            progress.update(it / opts.max_iter, f"EM iteration {it + 1}: {trace[-1]:.1f}")
        if it > 0 and trace[-1] - trace[-2] < opts.tol * abs(trace[-1]):
            converged = True
            break
        p = m_step(data, gamma, xi_sum, p, opts)
    else:
        log_em = emissions(data, p, opts.link)
        log_lik = float(hmm.log_likelihood(log_em, data.lengths, p.transition,
                                           p.initial).sum())
        lls.append(log_lik)
        trace.append(log_lik + log_prior(p, opts))
    return FitResult(p, np.asarray(trace), np.asarray(lls), converged)


def fit(data: Data, n_states: int, opts: FitOptions, n_restarts: int = 3, seed: int = 0,
        progress: Progress | None = None) -> FitResult:
    """Best of ``n_restarts`` EM runs from random starts (highest final objective)."""
    rng = np.random.default_rng(seed)
    progress = progress or Progress()
    best: FitResult | None = None
    finals = []
    for r in range(n_restarts):
        sub = progress.sub(r / n_restarts, (r + 1) / n_restarts)
        res = em(data, init_params(data, n_states, opts, rng), opts, sub)
        finals.append(res.log_posterior[-1])
        if best is None or res.log_posterior[-1] > best.log_posterior[-1]:
            best = res
    best.restart_objectives = np.asarray(finals)
    return best
