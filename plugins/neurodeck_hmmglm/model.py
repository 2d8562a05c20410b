"""The HMM-GLM's parameters, data, options and objective (no fitting here)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln

from . import glm

PRIORS = ("none", "gaussian", "onehot")
# Starting categorical prior over (inhibitory, absent, excitatory) for the one-hot
# model: the mean of the paper's generating Dirichlet (sparsity 1/5). It is learned.
ONEHOT_START = np.array([0.1, 0.8, 0.1])
ONEHOT_DIRICHLET = 2.0  # add-one smoothing of the learned categorical prior


@dataclass
class Params:
    """One HMM-GLM. ``weights`` K x N x N (post x pre), ``bias`` K x N (its rows equal
    when the bias is shared by the states)."""

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
    share_bias: bool = False  # one bias per neuron for all states (the paper's model)
    prior_scale: float = 1 / 3  # Gaussian prior s.d. (the reference's default)
    # s.d. of a zero-mean ridge penalty on the weights when the prior is not Gaussian
    # (0: none, the maximum-likelihood weights of the reference code). The analysis
    # sets it for the one-hot prior (``compute.fit_options``); see docs/hmmglm.md.
    weight_scale: float = 0.0
    # Choose that s.d. from the data (empirical Bayes, ``evidence.py``): the first
    # start's screening re-estimates it until it settles, and the one-hot model re-
    # estimates it on its present connections; ``weight_scale`` is the starting value.
    ridge_auto: bool = False
    max_iter: int = 100
    tol: float = 1e-6  # relative objective change that stops EM
    m_iter: int = 3  # most projected Newton steps per M-step and state (warm-started)
    stickiness: float = 0.98  # initial self-transition probability
    init_scale: float = 0.1  # s.d. of the random initial weights
    init: str = "windows"  # starting states: "windows" (clustered couplings) or "random"
    window: int = 20  # bins per window of the "windows" start
    # Every start first runs EM until its states settle: fewer than ``settle`` of the
    # bins change their most probable state between iterations, or ``screen_iter``
    # iterations (one-hot: prior-free EM, which separates the states before the
    # connections are classified). The best start then runs on to convergence.
    screen_iter: int = 40
    settle: float = 1e-3
    # Restarts stop once ``agree`` starts have found the best solution (their states
    # agree on at least ``agree_fraction`` of the bins); 0 runs every start.
    agree: int = 2
    agree_fraction: float = 0.98
    # Split-and-merge moves on the best start (K >= 3; 0: none), see splitmerge.py. Off
    # by default: on the robustness panel (10 x 2,000 bins per dataset) no move was ever
    # kept and the moves took 59% of the fits' time; with less data they can rescue a
    # start whose states merged two true states and split another (tests/hmmglm).
    split_merge: int = 0


def log_prior(p: Params, opts: FitOptions) -> float:
    out = float(np.sum(np.log(p.initial)))  # Dirichlet(2) on the initial distribution
    if opts.prior == "gaussian":
        s2 = opts.prior_scale ** 2
        d = p.weights - p.prior_mean[None]
        out += float(-0.5 * np.sum(d * d) / s2 - d.size * 0.5 * np.log(2 * np.pi * s2))
    elif opts.prior == "onehot":
        out += onehot_log_prior(p.adjacency, p.adjacency_prior)
    if opts.prior != "gaussian" and opts.weight_scale > 0:
        out -= 0.5 * float(np.sum(p.weights * p.weights)) / opts.weight_scale ** 2
    return out


def ridge_precision(opts: FitOptions) -> float:
    """Precision of the ridge penalty on the weights (0: none)."""
    if opts.prior == "gaussian" or opts.weight_scale <= 0:
        return 0.0
    return 1.0 / opts.weight_scale ** 2


def onehot_log_prior(adj: np.ndarray, pi: np.ndarray) -> float:
    logpi = np.log(pi)
    chosen = np.take_along_axis(logpi[None], (adj + 1)[..., None], axis=-1)
    return float(np.sum(chosen) + (ONEHOT_DIRICHLET - 1) * np.sum(logpi))


def emissions(data: Data, p: Params, link: str) -> np.ndarray:
    """log p(y_t | state k, history), T x K."""
    return glm.state_log_likelihoods(data.y, data.x, p.weights, p.bias, link, data.lgam)
