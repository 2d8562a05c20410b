"""Expectation-maximisation for the HMM-GLM with none / Gaussian / one-hot priors.

The monitored objective is the log posterior up to a constant,
``log p(Y | theta) + log p(theta)`` (MAP-EM); every M-step increases the expected
complete-data log-likelihood plus the log prior, so the objective never decreases.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.special import gammaln

from neurodeck.jobs.progress import Progress

from . import glm, hmm, newton
from .init import window_labels

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

    x1: np.ndarray = field(init=False)  # design: history and a column of ones

    def __post_init__(self) -> None:
        self.lgam = gammaln(self.y + 1.0).sum(axis=1)
        self.x1 = np.column_stack([self.x, np.ones(len(self.x))])

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
    m_iter: int = 3  # Newton steps per M-step and state (warm-started)
    stickiness: float = 0.98  # initial self-transition probability
    init_scale: float = 0.1  # s.d. of the random initial weights
    warm_iter: int = 10  # one-hot: prior-free EM iterations that separate the states first
    init: str = "windows"  # starting states: "windows" (clustered couplings) or "random"
    window: int = 20  # bins per window of the "windows" start
    screen_iter: int = 10  # EM iterations every restart runs before the best goes on


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


def state_rows(data: Data, gamma: np.ndarray) -> list[newton.Rows]:
    """Per state, the bins where its posterior is not negligible: with sticky states
    each state owns ~1/K of the bins, so this is ~K times cheaper and changes the
    objective by less than GAMMA_FLOOR per bin."""
    out = []
    for s in range(gamma.shape[1]):
        keep = gamma[:, s] > GAMMA_FLOOR
        out.append(newton.Rows(data.x1[keep], data.y[keep], gamma[keep, s]))
    return out


def _theta(p: Params, s: int) -> np.ndarray:
    """State s's GLM parameters, one row per post-synaptic neuron: (weights, bias)."""
    return np.column_stack([p.weights[s], p.bias[s]])


W_MAX = 10.0  # |weight| bound: a rate factor of e^10 per (filtered) spike
B_MAX = 50.0  # |bias| bound beyond the largest count (softplus bias ~ rate)


def _box(n: int, adjacency: np.ndarray | None, b_max: float
         ) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (N x N+1) on (weights, bias). Without the bounds the maximum-likelihood
    weights of a state owning few bins run off to infinity when its spike / no-spike
    bins are (nearly) separable in the history (seen with the bounded sigmoid rate).
    A one-hot class also fixes each weight's sign (absent: 0)."""
    if adjacency is None:
        lo = np.full((n, n), -W_MAX)
        hi = np.full((n, n), W_MAX)
    else:
        lo = np.where(adjacency < 0, -W_MAX, 0.0)
        hi = np.where(adjacency > 0, W_MAX, 0.0)
    col = np.full((n, 1), b_max)
    return np.hstack([lo, -col]), np.hstack([hi, col])


def _class_log_prior(adjacency: np.ndarray, logpi: np.ndarray) -> np.ndarray:
    """Per post-synaptic neuron, sum over its inputs of log pi[class] (one state)."""
    return np.take_along_axis(logpi, (adjacency + 1)[..., None], axis=-1)[..., 0].sum(axis=1)


def propose_classes(loc: newton.Local, weights: np.ndarray, logpi: np.ndarray
                    ) -> np.ndarray:
    """Pick each connection's class by a one-coordinate quadratic (Fisher) model of the
    likelihood around weight 0 plus the log prior of the class (a Wald-like test)."""
    curv = loc.fisher_diag[:, :-1] + 1e-12
    g0 = loc.grad[:, :-1] + curv * weights  # gradient extrapolated to weight 0
    gain_exc = np.maximum(g0, 0.0) ** 2 / (2 * curv)
    gain_inh = np.maximum(-g0, 0.0) ** 2 / (2 * curv)
    score = np.stack([gain_inh + logpi[..., 0], logpi[..., 1], gain_exc + logpi[..., 2]],
                     axis=-1)
    return np.argmax(score, axis=-1) - 1


def _update_adjacency_prior(adj: np.ndarray) -> np.ndarray:
    counts = np.stack([(adj == c).sum(axis=0) for c in (-1, 0, 1)], axis=-1).astype(float)
    counts += ONEHOT_DIRICHLET - 1
    return counts / counts.sum(axis=-1, keepdims=True)


def _onehot_state(rows: newton.Rows, theta: np.ndarray, adjacency: np.ndarray,
                  logpi: np.ndarray, b_max: float, opts: FitOptions
                  ) -> tuple[np.ndarray, np.ndarray]:
    """One state's one-hot M-step. Propose classes, fit the weights within them, and
    keep each post-synaptic neuron's proposal only if its objective (likelihood + class
    log prior) rose; otherwise fit its weights within its current classes."""
    loc = newton.local(rows, theta, opts.link)
    now = loc.value + _class_log_prior(adjacency, logpi)
    proposal = propose_classes(loc, theta[:, :-1], logpi)
    lo, hi = _box(len(theta), proposal, b_max)
    th_p, v_p = newton.maximise(rows, np.clip(theta, lo, hi), opts.link, lo, hi,
                                max_steps=opts.m_iter)
    better = v_p + _class_log_prior(proposal, logpi) >= now
    adj = np.where(better[:, None], proposal, adjacency)
    out = np.where(better[:, None], th_p, theta)
    worse = np.flatnonzero(~better)
    if len(worse):
        lo, hi = _box(len(theta), adjacency, b_max)
        lo, hi = lo[worse], hi[worse]
        start = newton.Local(loc.value[worse], loc.grad[worse], loc.fisher_diag[worse],
                             loc.fisher[worse])  # already computed at theta
        out[worse] = newton.maximise(rows.neurons(worse), theta[worse], opts.link, lo, hi,
                                     max_steps=opts.m_iter, start=start)[0]
    return out, adj


def m_step(data: Data, gamma: np.ndarray, xi_sum: np.ndarray, p: Params,
           opts: FitOptions) -> Params:
    k = p.n_states
    rows = xi_sum.sum(axis=1, keepdims=True)
    transition = np.where(rows > 1e-12, xi_sum / np.where(rows > 0, rows, 1.0), p.transition)
    starts = np.concatenate([[0], np.cumsum(data.lengths)[:-1]])
    initial = (gamma[starts].sum(axis=0) + 1.0) / (len(starts) + k)
    p = replace(p, transition=transition, initial=initial, weights=p.weights.copy(),
                bias=p.bias.copy())
    state_data = state_rows(data, gamma)
    b_max = B_MAX + float(data.y.max(initial=0.0))
    prior = None
    if opts.prior == "gaussian":
        prior = newton.Prior(1.0 / opts.prior_scale ** 2, p.prior_mean)
    if opts.prior == "onehot":
        logpi = np.log(p.adjacency_prior)
        p.adjacency = p.adjacency.copy()
    def solve(s: int) -> None:
        if opts.prior == "onehot":
            theta, p.adjacency[s] = _onehot_state(state_data[s], _theta(p, s),
                                                  p.adjacency[s], logpi, b_max, opts)
        else:
            lo, hi = _box(len(p.bias[s]), None, b_max)
            theta = newton.maximise(state_data[s], _theta(p, s), opts.link, lo, hi, prior,
                                    max_steps=opts.m_iter)[0]
        p.weights[s], p.bias[s] = theta[:, :-1], theta[:, -1]

    for s in range(k):
        solve(s)
    # Coordinate ascent on the shared parameters given the weights (closed forms).
    if opts.prior == "gaussian":
        p.prior_mean = p.weights.mean(axis=0)
    elif opts.prior == "onehot":
        p.adjacency_prior = _update_adjacency_prior(p.adjacency)
    return p


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


def start_from_labels(data: Data, labels: np.ndarray, p: Params, opts: FitOptions
                      ) -> Params:
    """Parameters fitted (prior-free M-step) to starting state labels; the transition
    matrix keeps its sticky start."""
    k = p.n_states
    gamma = np.eye(k)[labels]
    xi = np.zeros((k, k))  # m_step needs expected transitions; keep the sticky start
    p = replace(p, weights=np.zeros_like(p.weights))
    q = m_step(data, gamma, xi, p, replace(opts, prior="none", m_iter=3))
    if opts.prior == "gaussian":
        q.prior_mean = q.weights.mean(axis=0)
    elif opts.prior == "onehot":
        q.adjacency, q.adjacency_prior = p.adjacency, p.adjacency_prior
        if opts.warm_iter == 0:  # weights must respect the (all absent) classes
            q.weights = np.zeros_like(q.weights)
    return q


def warm_start_onehot(data: Data, p: Params, opts: FitOptions,
                      progress: Progress | None = None) -> Params:
    """Separate the states with a few prior-free EM iterations, then classify each
    connection (a Wald-like test against the starting categorical prior). Starting
    the one-hot model from mixed states would make every state's couplings look like
    their average, and the shared prior would then lock that in."""
    free = replace(opts, prior="none", max_iter=opts.warm_iter, tol=1e-4)
    q = em(data, replace(p, adjacency=None, adjacency_prior=None), free, progress).params
    log_em = emissions(data, q, opts.link)
    gamma, _, _ = hmm.forward_backward(log_em, data.lengths, q.transition, q.initial)
    q.adjacency_prior = np.broadcast_to(ONEHOT_START, p.adjacency_prior.shape).copy()
    logpi = np.log(q.adjacency_prior)
    q.adjacency = np.stack([
        propose_classes(newton.local(rows, _theta(q, s), opts.link, hessian=False),
                        q.weights[s], logpi)
        for s, rows in enumerate(state_rows(data, gamma))])
    q.weights = np.where(np.sign(q.weights) == q.adjacency, q.weights, 0.0)
    return q


def em(data: Data, p: Params, opts: FitOptions, progress: Progress | None = None
       ) -> FitResult:
    if opts.prior == "onehot" and opts.warm_iter > 0:
        p = warm_start_onehot(data, p, opts, progress)
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


def _one_blas_thread():
    """Our matrix products are small (chunked): BLAS threads only add overhead and, on
    a busy machine, contention (the planted test ran 4x slower with 2 threads on 2
    shared cores). Threads over states did not help either (the GIL between the many
    small numpy calls), so the fit is single-threaded."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn brings it; without it, leave BLAS alone
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def fit(data: Data, n_states: int, opts: FitOptions, n_restarts: int = 3, seed: int = 0,
        progress: Progress | None = None) -> FitResult:
    with _one_blas_thread():
        return _fit(data, n_states, opts, n_restarts, seed, progress)


def _fit(data: Data, n_states: int, opts: FitOptions, n_restarts: int, seed: int,
         progress: Progress | None) -> FitResult:
    """Best of ``n_restarts`` EM starts. Each start runs ``screen_iter`` iterations; only
    the one with the highest objective then runs on to convergence (short-run
    selection: a start that is behind after a few iterations rarely overtakes, and
    running them all to convergence multiplies the cost)."""
    rng = np.random.default_rng(seed)
    progress = progress or Progress()
    screen = opts.max_iter if n_restarts == 1 else min(opts.screen_iter, opts.max_iter)
    share = screen / opts.max_iter  # progress share of the screening phase
    best: FitResult | None = None
    finals = []
    for r in range(n_restarts):
        sub = progress.sub(share * r / n_restarts, share * (r + 1) / n_restarts)
        p = init_params(data, n_states, opts, rng)
        if opts.init == "windows" and n_states > 1:
            labels = window_labels(data.y, data.x, data.lengths, n_states, rng, opts.window)
            if labels is not None:
                p = start_from_labels(data, labels, p, opts)
        res = em(data, p, replace(opts, max_iter=screen), sub)
        finals.append(res.log_posterior[-1])
        if best is None or res.log_posterior[-1] > best.log_posterior[-1]:
            best = res
    if not best.converged and screen < opts.max_iter:
        more = em(data, best.params, replace(opts, max_iter=opts.max_iter - screen,
                                             warm_iter=0),
                  progress.sub(share, 1.0))
        # The continuation's first value is the screen's last (same parameters).
        best = FitResult(more.params,
                         np.concatenate([best.log_posterior, more.log_posterior[1:]]),
                         np.concatenate([best.log_likelihood, more.log_likelihood[1:]]),
                         more.converged)
    best.restart_objectives = np.asarray(finals)
    return best
