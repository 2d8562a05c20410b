"""The M-step of the HMM-GLM: transitions in closed form, each state's Poisson GLMs by
projected Newton (``newton.py``), the one-hot classes, the shared bias and the shared
prior parameters. Every part raises the expected complete-data log-likelihood plus the
log prior, so EM stays monotone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import newton
from .model import ONEHOT_DIRICHLET, Data, FitOptions, Params, ridge_precision

GAMMA_FLOOR = 1e-9  # bins a state explains with less posterior weight are skipped
W_MAX = 10.0  # |weight| bound: a rate factor of e^10 per (filtered) spike
B_MAX = 50.0  # |bias| bound beyond the largest count (softplus bias ~ rate)


def state_rows(data: Data, gamma: np.ndarray) -> list[newton.Rows]:
    """Per state, the bins where its posterior is not negligible: with sticky states
    each state owns ~1/K of the bins, so this is ~K times cheaper and changes the
    objective by less than GAMMA_FLOOR per bin."""
    out = []
    for s in range(gamma.shape[1]):
        keep = gamma[:, s] > GAMMA_FLOOR
        out.append(newton.Rows(data.x1[keep], data.y[keep], gamma[keep, s]))
    return out


def theta_of(p: Params, s: int) -> np.ndarray:
    """State s's GLM parameters, one row per post-synaptic neuron: (weights, bias)."""
    return np.column_stack([p.weights[s], p.bias[s]])


def box(n: int, adjacency: np.ndarray | None, b_max: float,
        bias: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (N x N+1) on (weights, bias). Without the bounds the maximum-likelihood
    weights of a state owning few bins run off to infinity when its spike / no-spike
    bins are (nearly) separable in the history (seen with the bounded sigmoid rate).
    A one-hot class also fixes each weight's sign (absent: 0); a given ``bias`` is
    held fixed (the shared bias is fitted across states separately)."""
    if adjacency is None:
        lo = np.full((n, n), -W_MAX)
        hi = np.full((n, n), W_MAX)
    else:
        lo = np.where(adjacency < 0, -W_MAX, 0.0)
        hi = np.where(adjacency > 0, W_MAX, 0.0)
    if bias is None:
        col_lo, col_hi = np.full((n, 1), -b_max), np.full((n, 1), b_max)
    else:
        col_lo = col_hi = bias[:, None]
    return np.hstack([lo, col_lo]), np.hstack([hi, col_hi])


def class_log_prior(adjacency: np.ndarray, logpi: np.ndarray) -> np.ndarray:
    """Per post-synaptic neuron, sum over its inputs of log pi[class] (one state)."""
    return np.take_along_axis(logpi, (adjacency + 1)[..., None], axis=-1)[..., 0].sum(axis=1)


def propose_classes(grad: np.ndarray, curv: np.ndarray, weights: np.ndarray,
                    logpi: np.ndarray) -> np.ndarray:
    """Pick each connection's class by a one-coordinate quadratic (Fisher) model of the
    likelihood around weight 0 plus the log prior of the class (a Wald-like test).
    ``grad`` and ``curv`` (the Fisher diagonal) are N x (N+1), at ``weights``."""
    curv = curv[:, :-1] + 1e-12
    g0 = grad[:, :-1] + curv * weights  # gradient extrapolated to weight 0
    gain_exc = np.maximum(g0, 0.0) ** 2 / (2 * curv)
    gain_inh = np.maximum(-g0, 0.0) ** 2 / (2 * curv)
    score = np.stack([gain_inh + logpi[..., 0], logpi[..., 1], gain_exc + logpi[..., 2]],
                     axis=-1)
    return np.argmax(score, axis=-1) - 1


def update_adjacency_prior(adj: np.ndarray) -> np.ndarray:
    counts = np.stack([(adj == c).sum(axis=0) for c in (-1, 0, 1)], axis=-1).astype(float)
    counts += ONEHOT_DIRICHLET - 1
    return counts / counts.sum(axis=-1, keepdims=True)


def ridge(opts: FitOptions, n: int) -> newton.Prior | None:
    """The ridge penalty on the weights as a Newton prior (None: no penalty)."""
    precision = ridge_precision(opts)
    return newton.Prior(precision, np.zeros((n, n))) if precision > 0 else None


def onehot_state(rows: newton.Rows, theta: np.ndarray, adjacency: np.ndarray,
                 logpi: np.ndarray, b_max: float, opts: FitOptions,
                 metric: np.ndarray | None, bias: np.ndarray | None = None,
                 atol: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One state's one-hot M-step. Propose classes; a post-synaptic neuron whose
    proposal differs from its classes has its weights fitted within the proposal, kept
    only if its objective (likelihood + ridge + class log prior) rose; every other
    neuron is fitted within its current classes. Returns (theta, classes, metric).
    With the ridge, the gradient and curvature include it, so the class proposal's
    quadratic model is that of the penalised objective."""
    n = len(theta)
    prior = ridge(opts, n)
    loc = newton.local(rows, theta, opts.link, prior, hessian=metric is None, diag=False)
    metric = loc.fisher if metric is None else metric.copy()
    curv = np.diagonal(metric, axis1=1, axis2=2)
    proposal = propose_classes(loc.grad, curv, theta[:, :-1], logpi)
    changed = np.flatnonzero(np.any(proposal != adjacency, axis=1))
    adj = adjacency.copy()
    out = theta.copy()
    stay = np.setdiff1d(np.arange(n), changed)
    if len(changed):
        lo, hi = box(n, proposal, b_max, bias)
        lo, hi = lo[changed], hi[changed]
        th_p, v_p, met_p = newton.ascend(
            rows.neurons(changed), np.clip(theta[changed], lo, hi), opts.link, lo, hi,
            prior.neurons(changed) if prior is not None else None, max_steps=opts.m_iter,
            metric=metric[changed], atol=atol)
        now = loc.value[changed] + class_log_prior(adjacency[changed], logpi[changed])
        better = v_p + class_log_prior(proposal[changed], logpi[changed]) >= now
        keep = changed[better]
        adj[keep], out[keep], metric[keep] = proposal[keep], th_p[better], met_p[better]
        stay = np.union1d(stay, changed[~better])
    if len(stay):
        lo, hi = box(n, adjacency, b_max, bias)
        start = newton.Local(loc.value[stay], loc.grad[stay], None, metric[stay])
        out[stay], _, metric[stay] = newton.ascend(
            rows.neurons(stay), theta[stay], opts.link, lo[stay], hi[stay],
            prior.neurons(stay) if prior is not None else None, max_steps=opts.m_iter,
            start=start, atol=atol)
    return out, adj, metric


def shared_bias(state_data: list[newton.Rows], p: Params, opts: FitOptions, b_max: float
                ) -> np.ndarray:
    """The bias shared by the states given their weights: per neuron a 1-D concave-or-
    not problem summed over states, solved by Fisher-scoring steps with a backtracking
    line search (no neuron's summed value decreases)."""
    b = p.bias[0].copy()

    def theta(s: int, bias: np.ndarray) -> np.ndarray:
        return np.column_stack([p.weights[s], bias])

    def evaluate(bias: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        v = np.zeros_like(bias)
        g = np.zeros_like(bias)
        h = np.zeros_like(bias)
        for s, rows in enumerate(state_data):
            loc = newton.local(rows, theta(s, bias), opts.link, hessian=False, diag=True)
            v += loc.value
            g += loc.grad[:, -1]
            h += loc.fisher_diag[:, -1]
        return v, g, h

    value, grad, curv = evaluate(b)
    for _ in range(opts.m_iter):
        step = grad / np.maximum(curv, 1e-12)
        alpha = np.ones_like(b)
        pending = np.abs(step) > 1e-12
        old = value.copy()
        for _ in range(newton.MAX_HALVINGS):
            if not pending.any():
                break
            cand = np.where(pending, np.clip(b + alpha * step, -b_max, b_max), b)
            v = np.zeros_like(b)
            for s, rows in enumerate(state_data):
                v += newton.values(rows, theta(s, cand), opts.link)
            ok = pending & (v >= old)
            b[ok], value[ok] = cand[ok], v[ok]
            pending &= ~ok
            alpha[pending] *= 0.25
        if np.all(value - old <= 1e-9 * np.maximum(np.abs(old), 1.0)):
            break
        value, grad, curv = evaluate(b)
    return b


def m_step(data: Data, gamma: np.ndarray, xi_sum: np.ndarray, p: Params,
           opts: FitOptions, metrics: list | None = None, atol: float = 0.0) -> Params:
    """One M-step. ``metrics`` (one Fisher information per state, or None) carries the
    Newton metrics from one M-step to the next; it is updated in place. ``atol``: the
    Newton steps of a state's neuron predicted to gain fewer nats are not taken
    (``newton.ascend``)."""
    k = p.n_states
    rows = xi_sum.sum(axis=1, keepdims=True)
    transition = np.where(rows > 1e-12, xi_sum / np.where(rows > 0, rows, 1.0), p.transition)
    starts = np.concatenate([[0], np.cumsum(data.lengths)[:-1]])
    initial = (gamma[starts].sum(axis=0) + 1.0) / (len(starts) + k)
    p = replace(p, transition=transition, initial=initial, weights=p.weights.copy(),
                bias=p.bias.copy())
    state_data = state_rows(data, gamma)
    b_max = B_MAX + float(data.y.max(initial=0.0))
    prior = ridge(opts, data.y.shape[1])
    if opts.prior == "gaussian":
        prior = newton.Prior(1.0 / opts.prior_scale ** 2, p.prior_mean)
    if opts.prior == "onehot":
        logpi = np.log(p.adjacency_prior)
        p.adjacency = p.adjacency.copy()
    if metrics is None:
        metrics = [None] * k
    for s in range(k):
        fixed = p.bias[s] if opts.share_bias else None  # weights first, bias below
        if opts.prior == "onehot":
            theta, p.adjacency[s], metrics[s] = onehot_state(
                state_data[s], theta_of(p, s), p.adjacency[s], logpi, b_max, opts,
                metrics[s], fixed, atol)
        else:
            lo, hi = box(len(p.bias[s]), None, b_max, fixed)
            theta, _, metrics[s] = newton.ascend(state_data[s], theta_of(p, s), opts.link,
                                                 lo, hi, prior, max_steps=opts.m_iter,
                                                 metric=metrics[s], atol=atol)
        p.weights[s], p.bias[s] = theta[:, :-1], theta[:, -1]
    if opts.share_bias:
        p.bias[:] = shared_bias(state_data, p, opts, b_max)[None]
    # Coordinate ascent on the shared parameters given the weights (closed forms).
    if opts.prior == "gaussian":
        p.prior_mean = p.weights.mean(axis=0)
    elif opts.prior == "onehot":
        p.adjacency_prior = update_adjacency_prior(p.adjacency)
    return p


def class_evidence(rows: list[newton.Rows], p: Params, link: str
                   ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per state, the likelihood's one-coordinate quadratic model of every connection
    around weight 0: (gradient at 0, curvature), each N x N, from class-free weights."""
    out = []
    for s, r in enumerate(rows):  # rows: state_rows(data, gamma)
        loc = newton.local(r, theta_of(p, s), link, None, hessian=False)
        curv = loc.fisher_diag[:, :-1] + 1e-12
        out.append((loc.grad[:, :-1] + curv * p.weights[s], curv))
    return out


def occam_classes(evidence: list[tuple[np.ndarray, np.ndarray]], logpi: np.ndarray,
                  scale: float) -> np.ndarray:
    """Each state's connection classes by their marginal likelihood (K x N x N).

    A present connection's strength has a half-normal prior of s.d. ``scale`` on its
    sign's side; integrating it against the quadratic model (g0 w - c w^2 / 2) gives
    ``log 2 + g0^2 / 2a + log(lambda / a) / 2 + log Phi(g0 / sqrt a)`` with ``lambda =
    1 / scale^2`` and ``a = c + lambda``, against 0 for "absent". Unlike the Wald-like
    gain of :func:`propose_classes`, which is never negative, this Occam factor keeps a
    connection that the data do not support absent whatever the class prior says, so
    the prior can be learned from the classes without calling noise present.
    """
    from scipy.special import log_ndtr

    lam = 1.0 / scale ** 2
    out = []
    for g0, curv in evidence:
        a = curv + lam
        base = 0.5 * np.log(lam / a) + np.log(2.0)

        def log_bf(g, a=a, base=base):
            return g * g / (2 * a) + base + log_ndtr(g / np.sqrt(a))

        score = np.stack([log_bf(-g0) + logpi[..., 0],
                          np.broadcast_to(logpi[..., 1], g0.shape),
                          log_bf(g0) + logpi[..., 2]], axis=-1)
        out.append(np.argmax(score, axis=-1) - 1)
    return np.stack(out)
