"""Expectation-maximisation for the HMM-GLM with none / Gaussian / one-hot priors, and
the adaptive restarts around it.

The monitored objective is the log posterior up to a constant,
``log p(Y | theta) + log p(theta)`` (MAP-EM); every M-step increases the expected
complete-data log-likelihood plus the log prior, so the objective never decreases.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from neurodeck.jobs.progress import Progress

from . import evidence, glm, hmm, splitmerge
from .init import window_features, window_labels
from .model import ONEHOT_START, PRIORS, Data, FitOptions, Params, emissions, log_prior
from .mstep import W_MAX, class_evidence, m_step, occam_classes, state_rows, update_adjacency_prior

__all__ = ["W_MAX", "Data", "FitOptions", "FitResult", "Params", "emissions", "fit",
           "state_rows"]  # the names other modules and tests use

SCREEN_SHARE = 0.3  # progress share of the restarts' screening
STEP_SHARE = 0.1  # share of EM's stopping tolerance the skipped Newton steps may gain


@dataclass
class FitResult:
    params: Params
    log_posterior: np.ndarray  # objective per EM iteration (nats)
    log_likelihood: np.ndarray  # log p(Y | theta) per EM iteration (nats)
    converged: bool
    restart_objectives: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gamma: np.ndarray | None = None  # posterior state probabilities at ``params``
    # Per start: fraction of bins whose most probable state agrees with the best start's.
    restart_agreement: np.ndarray = field(default_factory=lambda: np.zeros(0))
    restarts_agree: bool = True  # the best solution was found by enough starts
    split_merge_moves: int = 0  # split-and-merge moves that raised the objective
    # Wall seconds per stage: "starts" (one per screened start), "split_merge", "final".
    seconds: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what a user should know
    # The ridge s.d. used: "screen" (prior-free starts), "final" (the returned fit).
    ridge_scales: dict = field(default_factory=dict)
    metrics: list | None = field(default=None, repr=False)  # Newton metrics per state


# -- starts -------------------------------------------------------------------------------
def init_params(data: Data, n_states: int, opts: FitOptions, rng: np.random.Generator
                ) -> Params:
    n = data.y.shape[1]
    k = n_states
    base = glm.inverse_link(data.y.mean(axis=0), opts.link)
    noise = 0.0 if opts.share_bias else opts.init_scale * rng.normal(size=(k, n))
    bias = base[None] + noise + np.zeros((k, 1))
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


def start_from_labels(data: Data, labels: np.ndarray, p: Params, opts: FitOptions,
                      metrics: list | None = None) -> Params:
    """Parameters fitted (prior-free M-step) to starting state labels; the transition
    matrix keeps its sticky start. ``metrics`` receives the M-step's Newton metrics."""
    k = p.n_states
    gamma = np.eye(k)[labels]
    xi = np.zeros((k, k))  # m_step needs expected transitions; keep the sticky start
    p = replace(p, weights=np.zeros_like(p.weights))
    q = m_step(data, gamma, xi, p, replace(opts, prior="none"), metrics)
    if opts.prior == "gaussian":
        q.prior_mean = q.weights.mean(axis=0)
    elif opts.prior == "onehot":  # weights must respect the (all absent) classes
        q.adjacency, q.adjacency_prior = p.adjacency, p.adjacency_prior
        q.weights = np.zeros_like(q.weights)
    return q


CLASS_ROUNDS = 5  # most rounds of (classes -> learned class prior and scale -> classes)
START_SCALE = 0.1  # the strengths' s.d. to start the evidence search from, with no ridge


def to_onehot(data: Data, p: Params, gamma: np.ndarray, opts: FitOptions) -> Params:
    """The one-hot model from a prior-free fit whose states have separated: classify
    each connection by its marginal likelihood (``mstep.occam_classes``), then learn the
    class prior (per connection, over the states) and the present strengths' scale
    (evidence) from those classes and classify again, until the classes settle; keep
    the weights that fit their class. Starting the one-hot model from mixed states
    would make every state's couplings look like their average, and the shared prior
    would then lock that in.

    Why not the M-step's Wald-like test against the fixed sparse start prior: on a weak,
    dense panel case (K=3, N=40, softplus) it left 86% of connections absent (39% in
    truth) and the fit reached 0.949x the truth's state accuracy; one-hot EM from the
    true classes reaches 0.984x with a higher objective, so the start was what failed.
    Iterating that test with a learned prior calls noise present (its gain is never
    negative; planted class accuracy 0.80 -> 0.61); the marginal likelihood does not.
    """
    n = data.y.shape[1]
    rows = state_rows(data, gamma)
    evidence_ = class_evidence(rows, p, opts.link)
    scale = opts.weight_scale if opts.weight_scale > 0 else evidence.ridge_scale(
        rows, p.weights, p.bias, opts.link, START_SCALE)
    prior = np.broadcast_to(ONEHOT_START, (n, n, 3)).copy()
    adjacency = occam_classes(evidence_, np.log(prior), scale)
    for _ in range(CLASS_ROUNDS):
        present = adjacency != 0
        if present.any():
            scale = evidence.ridge_scale(rows, np.where(present, p.weights, 0.0), p.bias,
                                         opts.link, scale, free=present)
        prior = update_adjacency_prior(adjacency)
        new = occam_classes(evidence_, np.log(prior), scale)
        if np.array_equal(new, adjacency):
            break
        adjacency = new
    weights = np.where(np.sign(p.weights) == adjacency, p.weights, 0.0)
    return replace(p, weights=weights, adjacency=adjacency, adjacency_prior=prior,
                   prior_mean=None)


# -- EM -----------------------------------------------------------------------------------
def em(data: Data, p: Params, opts: FitOptions, progress: Progress | None = None,
       settle: float = 0.0, metrics: list | None = None) -> FitResult:
    """EM from ``p`` until the objective's relative gain is below ``opts.tol`` (or,
    with ``settle`` > 0, until fewer than that fraction of the bins change their most
    probable state between iterations) or ``opts.max_iter`` M-steps. ``metrics``: Newton
    metrics per state from an earlier fit of these data (they only steer steps)."""
    trace: list[float] = []
    lls: list[float] = []
    converged = False
    check = progress.check if progress is not None else None
    metrics = list(metrics) if metrics is not None else [None] * p.n_states
    labels = None
    for it in range(opts.max_iter + 1):
        log_em = emissions(data, p, opts.link)
        gamma, xi_sum, log_z = hmm.forward_backward(log_em, data.lengths, p.transition,
                                                    p.initial, check)
        log_lik = float(log_z.sum())
        lls.append(log_lik)
        trace.append(log_lik + log_prior(p, opts))
        if progress is not None:
            progress.update(it / max(opts.max_iter, 1),
                            f"EM iteration {it + 1}: {trace[-1]:.1f}")
        if it > 0 and trace[-1] - trace[-2] < opts.tol * abs(trace[-1]):
            converged = True
            break
        if settle > 0:
            now = np.argmax(gamma, axis=1)
            if labels is not None and np.mean(now != labels) < settle:
                break
            labels = now
        if it == opts.max_iter:
            break
        # Steps predicted to gain less than this (per neuron and state) are skipped: all
        # of them together gain < STEP_SHARE of the tolerance that stops EM.
        atol = STEP_SHARE * opts.tol * abs(trace[-1]) / p.weights.shape[0] / p.weights.shape[1]
        p = m_step(data, gamma, xi_sum, p, opts, metrics, atol)
    return FitResult(p, np.asarray(trace), np.asarray(lls), converged, gamma=gamma,
                     metrics=metrics)


def agreement(a: np.ndarray, b: np.ndarray, n_states: int) -> float:
    """Fraction of bins on which two state paths agree after the best one-to-one
    matching of their labels (Hungarian algorithm)."""
    conf = np.zeros((n_states, n_states))
    np.add.at(conf, (a, b), 1)
    rows, cols = linear_sum_assignment(conf, maximize=True)
    return float(conf[rows, cols].sum() / max(len(a), 1))


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


def fit(data: Data, n_states: int, opts: FitOptions, n_restarts: int = 10, seed: int = 0,
        progress: Progress | None = None) -> FitResult:
    """Fit by EM with adaptive restarts: at most ``n_restarts`` starts, stopping once
    ``opts.agree`` of them have found the best solution (see ``FitOptions``)."""
    if opts.prior not in PRIORS:
        raise ValueError(f"unknown prior {opts.prior!r}")
    with _one_blas_thread():
        return _fit(data, n_states, opts, n_restarts, seed, progress or Progress())


def _screen(data: Data, n_states: int, opts: FitOptions, rng: np.random.Generator,
            progress: Progress, features=None) -> FitResult:
    """One start: data-driven (or random) starting states, then EM until the states
    settle. The one-hot model is screened prior-free (its states separate first)."""
    sopts = _screen_options(opts)
    p = init_params(data, n_states, sopts, rng)
    metrics = [None] * n_states
    if opts.init == "windows" and n_states > 1:
        labels = window_labels(data.y, data.x, data.lengths, n_states, rng, opts.window,
                               features)
        if labels is not None:
            p = start_from_labels(data, labels, p, sopts, metrics)
    return em(data, p, replace(sopts, max_iter=min(opts.screen_iter, opts.max_iter)),
              progress, settle=opts.settle, metrics=metrics)


def _auto_ridge(opts: FitOptions) -> bool:
    return opts.ridge_auto and opts.prior != "gaussian" and opts.weight_scale > 0


RIDGE_ROUNDS = 3  # most re-estimates of the ridge on the first start
RIDGE_RTOL = 0.1  # ... until the s.d. changes by less than this, relatively


def _settle_ridge(data: Data, res: FitResult, opts: FitOptions, progress: Progress
                  ) -> FitOptions:
    """The options with the ridge's s.d. chosen from a pilot start ``res`` (empirical
    Bayes, ``evidence.py``): re-estimated, and the pilot re-screened from where it
    ended, until the s.d. settles. The pilot is then set aside: every start is screened
    afresh at that s.d., so that none has had more iterations than the others (the
    pilot's extra ones would give it the highest objective by themselves)."""
    for _ in range(RIDGE_ROUNDS):
        scale = evidence.ridge_scale(state_rows(data, res.gamma), res.params.weights,
                                     res.params.bias, opts.link, opts.weight_scale)
        if abs(scale - opts.weight_scale) <= RIDGE_RTOL * opts.weight_scale:
            break
        opts = replace(opts, weight_scale=scale)
        sopts = _screen_options(opts)
        res = em(data, res.params, replace(sopts, max_iter=min(opts.screen_iter, opts.max_iter)),
                 progress, settle=opts.settle, metrics=res.metrics)
    return opts


def _screen_options(opts: FitOptions) -> FitOptions:
    return replace(opts, prior="none") if opts.prior == "onehot" else opts


def _fit(data: Data, n_states: int, opts: FitOptions, n_restarts: int, seed: int,
         progress: Progress) -> FitResult:
    """Starts are screened one at a time (EM until their states settle). After each,
    the start with the highest objective is the best; the restarts stop once
    ``opts.agree`` starts (the best included) agree with it on at least
    ``opts.agree_fraction`` of the bins: the best solution has been found repeatedly,
    so more starts are unlikely to find a better one. Only the best runs on to
    convergence (a start that is behind after screening rarely overtakes)."""
    rng = np.random.default_rng(seed)
    max_starts = 1 if n_states == 1 else max(int(n_restarts), 1)
    screens: list[FitResult] = []
    paths: list[np.ndarray] = []
    found = np.ones(1)
    t0 = time.perf_counter()
    features = None
    if opts.init == "windows" and n_states > 1:
        features = window_features(data.y, data.x, data.lengths, rng, opts.window)
    starts_s: list[float] = []
    for r in range(max_starts):
        sub = progress.sub(SCREEN_SHARE * r / max_starts, SCREEN_SHARE * (r + 1) / max_starts)
        if r == 0 and _auto_ridge(opts):
            opts = _settle_ridge(data, _screen(data, n_states, opts, rng, sub, features),
                                 opts, sub)
        res = _screen(data, n_states, opts, rng, sub, features)
        starts_s.append(time.perf_counter() - t0)  # the first one includes the features
        t0 = time.perf_counter()
        screens.append(res)
        paths.append(np.argmax(res.gamma, axis=1))
        best = int(np.argmax([s.log_posterior[-1] for s in screens]))
        found = np.array([agreement(q, paths[best], n_states) for q in paths])
        if opts.agree and np.sum(found >= opts.agree_fraction) >= opts.agree:
            break
    first, moves = splitmerge.improve(data, screens[best], _screen_options(opts), features,
                                      rng, em, progress.sub(SCREEN_SHARE, SCREEN_SHARE))
    split_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rest = progress.sub(SCREEN_SHARE, 1.0)
    screen_scale = opts.weight_scale
    if opts.prior == "onehot":
        start = to_onehot(data, first.params, first.gamma, opts)
        if _auto_ridge(opts):  # the strengths' own scale, on the present connections
            opts = replace(opts, weight_scale=evidence.ridge_scale(
                state_rows(data, first.gamma), start.weights, start.bias, opts.link,
                opts.weight_scale, free=start.adjacency != 0))
        out = em(data, start, opts, rest, metrics=first.metrics)
    elif first.converged:
        out = first
    else:
        done = len(first.log_posterior) - 1
        more = em(data, first.params, replace(opts, max_iter=max(opts.max_iter - done, 0)),
                  rest, metrics=first.metrics)
        # The continuation's first value is the screen's last (same parameters).
        out = FitResult(more.params,
                        np.concatenate([first.log_posterior, more.log_posterior[1:]]),
                        np.concatenate([first.log_likelihood, more.log_likelihood[1:]]),
                        more.converged, gamma=more.gamma)
    out.restart_objectives = np.array([s.log_posterior[-1] for s in screens])
    out.restart_agreement = found
    out.split_merge_moves = moves
    out.ridge_scales = {"screen": screen_scale, "final": opts.weight_scale}
    out.seconds = {"starts": starts_s, "split_merge": split_s,
                   "final": time.perf_counter() - t0}
    n_found = int(np.sum(found >= opts.agree_fraction))
    need = opts.agree if opts.agree else 2
    out.restarts_agree = len(screens) == 1 or n_found >= need
    out.notes = _notes(out, opts, n_found, need)
    return out


def _notes(res: FitResult, opts: FitOptions, n_found: int, need: int) -> list[str]:
    notes = []
    if not res.converged:
        gain = (res.log_posterior[-1] - res.log_posterior[-2]) / abs(res.log_posterior[-1]) \
            if len(res.log_posterior) > 1 else float("nan")
        notes.append(f"EM did not converge: it stopped at max_iter={opts.max_iter} with a "
                     f"last relative gain of {gain:.2g} (tolerance {opts.tol:g}); raise "
                     "max_iter")
    if not res.restarts_agree:
        others = np.delete(res.restart_agreement, int(np.argmax(res.restart_objectives)))
        notes.append(
            f"Restarts disagree: the best solution was found by {n_found} of "
            f"{len(res.restart_objectives)} starts (wanted {need}); the other starts' "
            f"states agree with it on {others.min():.0%}-{others.max():.0%} of the bins. "
            "The states may not be well determined by these data: try more restarts, "
            "fewer states, or more data")
    return notes
